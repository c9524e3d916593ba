#include "kyoso/crypto/payment_uri.h"

#include <cctype>
#include <limits>
#include <vector>

#include "kyoso/crypto/encoding.h"

namespace kyoso::crypto {
namespace {

constexpr std::string_view kPrefix = "kyoso:pay?";
constexpr size_t kTransferIdHexSize = 32;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// A non-negative decimal integer with no sign or spaces; nullopt otherwise or on overflow.
std::optional<int64_t> ParseCount(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    int digit = ch - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

bool ValidCurrencyCode(std::string_view code) {
  if (code.size() < 3 || code.size() > 8) return false;
  for (char ch : code) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

// 32 hex digits, not all zero, in lowercase.
std::optional<std::string> TransferIdOf(std::string_view text) {
  if (text.size() != kTransferIdHexSize) return std::nullopt;
  std::optional<std::string> bytes = FromHex(text);
  if (!bytes || bytes->find_first_not_of('\0') == std::string::npos) return std::nullopt;
  return ToHex(*bytes);
}

std::string UriEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto byte = static_cast<unsigned char>(ch);
    if (std::isalnum(byte) || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':') {
      out += ch;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    std::optional<std::string> byte = FromHex(text.substr(i + 1, 2));
    if (!byte || byte->size() != 1) return std::nullopt;
    out += *byte;
    i += 2;
  }
  return out;
}

// Stores one decoded query field; false if unknown or malformed.
bool SetField(std::string_view key, const std::string& value, PaymentRequestUri* out) {
  if (key == "id") {
    std::optional<std::string> id = TransferIdOf(value);
    out->transfer_id = id.value_or("");
    return id.has_value();
  }
  if (key == "to") {
    out->merchant = value;
    return !value.empty();
  }
  if (key == "currency") {
    out->currency = value;
    return ValidCurrencyCode(value);
  }
  if (key == "memo" || key == "terminal") {
    (key == "memo" ? out->memo : out->terminal) = value;
    return true;
  }
  int64_t* number = key == "amount"      ? &out->amount_minor
                    : key == "not_after" ? &out->not_after_ns
                    : key == "hold_ms"   ? &out->hold_timeout_ms
                                         : nullptr;
  std::optional<int64_t> parsed = ParseCount(value);
  if (number == nullptr || !parsed) return false;
  *number = *parsed;
  return true;
}

}  // namespace

std::optional<PaymentRequestUri> ParsePaymentRequestUri(std::string_view uri) {
  uri = Trim(uri);
  if (!uri.starts_with(kPrefix)) return std::nullopt;
  std::string_view query = uri.substr(kPrefix.size());
  PaymentRequestUri out;
  std::vector<std::string_view> seen;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view field = query.substr(0, end);
    query = end == std::string_view::npos ? "" : query.substr(end + 1);
    size_t equals = field.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view key = field.substr(0, equals);
    for (std::string_view earlier : seen) {
      if (earlier == key) return std::nullopt;
    }
    seen.push_back(key);
    std::optional<std::string> value = PercentDecode(field.substr(equals + 1));
    if (!value || !SetField(key, *value, &out)) return std::nullopt;
  }
  if (out.transfer_id.empty() || out.merchant.empty() || out.amount_minor <= 0 ||
      out.currency.empty() || out.not_after_ns <= 0) {
    return std::nullopt;
  }
  return out;
}

std::string FormatPaymentRequestUri(const PaymentRequestUri& r) {
  std::string uri = std::string(kPrefix) + "id=" + r.transfer_id + "&to=" + UriEscape(r.merchant) +
                    "&amount=" + std::to_string(r.amount_minor) + "&currency=" + r.currency +
                    "&not_after=" + std::to_string(r.not_after_ns);
  if (!r.memo.empty()) uri += "&memo=" + UriEscape(r.memo);
  if (!r.terminal.empty()) uri += "&terminal=" + UriEscape(r.terminal);
  if (r.hold_timeout_ms != 0) uri += "&hold_ms=" + std::to_string(r.hold_timeout_ms);
  return uri;
}

}  // namespace kyoso::crypto
