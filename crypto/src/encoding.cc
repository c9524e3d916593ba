#include "kyoso/crypto/encoding.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace kyoso::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
// Marks a character outside the alphabet in the decoding tables.
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeHexTable() {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (uint8_t i = 0; i < 10; ++i) table['0' + i] = i;
  for (uint8_t i = 0; i < 6; ++i) {
    table['a' + i] = static_cast<uint8_t>(10 + i);
    table['A' + i] = static_cast<uint8_t>(10 + i);
  }
  return table;
}

constexpr std::array<uint8_t, 256> MakeBase64Table() {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (uint8_t i = 0; i < 64; ++i) table[static_cast<uint8_t>(kBase64Alphabet[i])] = i;
  return table;
}

constexpr std::array<uint8_t, 256> kHexTable = MakeHexTable();
constexpr std::array<uint8_t, 256> kBase64Table = MakeBase64Table();

uint8_t HexValue(char c) {
  return kHexTable[static_cast<uint8_t>(c)];
}
uint8_t Base64Value(char c) {
  return kBase64Table[static_cast<uint8_t>(c)];
}

// The number of '=' at the end of a base64 text whose length is a multiple of 4, or -1
// if there are more than two.
int PaddingOf(std::string_view text) {
  int padding = 0;
  while (padding < static_cast<int>(text.size()) && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  return padding <= 2 ? padding : -1;
}

}  // namespace

std::string ToHex(std::string_view bytes) {
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    hex.push_back(kHexDigits[byte >> 4]);
    hex.push_back(kHexDigits[byte & 0x0f]);
  }
  return hex;
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const uint8_t high = HexValue(hex[i]);
    const uint8_t low = HexValue(hex[i + 1]);
    if (high == kInvalid || low == kInvalid) return std::nullopt;
    bytes.push_back(static_cast<char>((high << 4) | low));
  }
  return bytes;
}

std::string ToBase64(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) {
      group = (group << 8) | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0u);
    }
    // n input bytes fill n + 1 output characters; the rest of the quartet is padding.
    for (size_t j = 0; j < 4; ++j) {
      text.push_back(j <= n ? kBase64Alphabet[(group >> (18 - 6 * j)) & 0x3f] : '=');
    }
  }
  return text;
}

std::optional<std::string> FromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const int padding = PaddingOf(text);
  if (padding < 0) return std::nullopt;
  const size_t data_chars = text.size() - static_cast<size_t>(padding);
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int buffered_bits = 0;
  for (size_t i = 0; i < data_chars; ++i) {
    const uint8_t value = Base64Value(text[i]);
    if (value == kInvalid) return std::nullopt;
    buffer = (buffer << 6) | value;
    buffered_bits += 6;
    if (buffered_bits >= 8) {
      buffered_bits -= 8;
      bytes.push_back(static_cast<char>((buffer >> buffered_bits) & 0xff));
    }
  }
  // Bits left over after the last byte must be zero, or two texts would decode alike.
  if ((buffer & ((1u << buffered_bits) - 1)) != 0) return std::nullopt;
  return bytes;
}

}  // namespace kyoso::crypto
