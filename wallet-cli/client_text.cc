// The text half of kyoso_client: amounts, durations, transfer ids and times, as people
// type and read them. Pure functions apart from the
// random ids.
#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <ctime>
#include <limits>

#include "kyoso/crypto/encoding.h"
#include "wallet-cli/client.h"

namespace kyoso::cli {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
// The most decimals a scale may have and still leave room for whole units in an int64.
constexpr int32_t kScaleMax = 18;
constexpr size_t kTransferIdBytes = 16;
// Duration units, largest last so that formatting can walk them backwards.
constexpr std::array<std::pair<std::string_view, int64_t>, 5> kDurationUnits = {{
    {"ms", 1},
    {"s", 1'000},
    {"m", 60'000},
    {"h", 3'600'000},
    {"d", 86'400'000},
}};

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool AllDigits(std::string_view text) {
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

// Appends the digits of `text` to *value (base 10); false on overflow.
bool AccumulateDigits(std::string_view text, int64_t* value) {
  for (char ch : text) {
    int digit = ch - '0';
    if (*value > (kInt64Max - digit) / 10) return false;
    *value = *value * 10 + digit;
  }
  return true;
}

// A non-negative decimal integer with no sign or spaces; nullopt otherwise or on overflow.
std::optional<int64_t> ParseCount(std::string_view text) {
  int64_t value = 0;
  if (text.empty() || !AllDigits(text) || !AccumulateDigits(text, &value)) return std::nullopt;
  return value;
}

bool ValidCurrencyCode(std::string_view code) {
  if (code.size() < 3 || code.size() > 8) return false;
  for (char ch : code) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// Checks the currency code written after an amount against the account's.
bool CheckAmountCode(std::string_view written, std::string_view currency, std::string* why) {
  std::string code = Upper(written);
  if (!ValidCurrencyCode(code)) {
    *why = "\"" + std::string(written) + "\" is not a currency code (3 to 8 letters, e.g. BUNJI)";
    return false;
  }
  if (!currency.empty() && code != currency) {
    *why = "the amount is in " + code + " but the account holds " + std::string(currency);
    return false;
  }
  return true;
}

}  // namespace

std::optional<int64_t> ParseAmount(std::string_view text, int32_t scale, std::string_view currency,
                                   std::string* error) {
  auto fail = [error](std::string why) -> std::optional<int64_t> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (scale < 0 || scale > kScaleMax) {
    return fail("the currency's scale " + std::to_string(scale) + " is out of range");
  }
  std::string_view number = Trim(text);
  if (size_t space = number.find_first_of(" \t"); space != std::string_view::npos) {
    std::string why;
    if (!CheckAmountCode(Trim(number.substr(space)), currency, &why)) return fail(why);
    number = number.substr(0, space);
  }
  if (number.empty()) return fail("no amount given: write it like 12.50");
  if (number.front() == '-') return fail("the amount must not be negative");
  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  if (whole.empty() || !AllDigits(whole) || !AllDigits(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return fail("\"" + std::string(number) + "\" is not an amount: write it like 12.50");
  }
  auto decimals = static_cast<size_t>(scale);
  if (fraction.size() > decimals) {
    // Extra zeros change nothing; any other extra digit is money the currency cannot hold.
    if (fraction.substr(decimals).find_first_not_of('0') != std::string_view::npos) {
      return fail("too many decimals in " + std::string(number) + ": the currency has " +
                  std::to_string(scale));
    }
    fraction = fraction.substr(0, decimals);
  }
  std::string digits = std::string(whole) + std::string(fraction);
  digits.append(decimals - fraction.size(), '0');
  int64_t value = 0;
  if (!AccumulateDigits(digits, &value)) return fail("the amount is too large");
  return value;
}

std::string FormatAmount(int64_t minor, int32_t scale, std::string_view currency) {
  // Unsigned, so the most negative int64 has a magnitude too.
  uint64_t magnitude =
      minor < 0 ? uint64_t{0} - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (scale > 0) {
    auto decimals = static_cast<size_t>(scale);
    if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
    digits.insert(digits.size() - decimals, ".");
  }
  std::string out = minor < 0 ? "-" + digits : digits;
  if (!currency.empty()) out += " " + std::string(currency);
  return out;
}

std::optional<int64_t> ParseDurationMs(std::string_view text) {
  for (auto [unit, ms] : kDurationUnits) {
    if (text.size() <= unit.size() || !text.ends_with(unit)) continue;
    std::optional<int64_t> count = ParseCount(text.substr(0, text.size() - unit.size()));
    if (!count) return std::nullopt;
    if (*count > kInt64Max / ms) return std::nullopt;
    return *count * ms;
  }
  return std::nullopt;
}

std::string FormatDurationMs(int64_t ms) {
  for (auto unit = kDurationUnits.rbegin(); unit != kDurationUnits.rend(); ++unit) {
    if (ms != 0 && ms % unit->second == 0) {
      return std::to_string(ms / unit->second) + std::string(unit->first);
    }
  }
  return std::to_string(ms) + "ms";
}

std::string NewTransferId() {
  std::string bytes(kTransferIdBytes, '\0');
  // Zero is reserved; a draw of all zeros is redrawn (it will not happen, but it costs
  // nothing to be sure).
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) != 1) {
      return "";
    }
    if (bytes.find_first_not_of('\0') != std::string::npos) return crypto::ToHex(bytes);
  }
  return "";
}

std::optional<std::string> NormalizeTransferId(std::string_view text) {
  if (text.size() != 2 * kTransferIdBytes) return std::nullopt;
  std::optional<std::string> bytes = crypto::FromHex(text);
  if (!bytes || bytes->find_first_not_of('\0') == std::string::npos) return std::nullopt;
  return crypto::ToHex(*bytes);
}

std::string FormatTime(int64_t ns) {
  if (ns == 0) return "never";
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  int64_t seconds = ns / kNsPerSecond - (ns % kNsPerSecond < 0 ? 1 : 0);
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm utc{};
  if (gmtime_r(&time, &utc) == nullptr) return std::to_string(ns) + " ns";
  char text[32];
  size_t length = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &utc);
  return std::string(text, length);
}

std::string_view TransferKindName(v1::TransferKind kind) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "unspecified", "issue",    "top_up",     "payment",    "purchase", "refund",
      "redeem",      "exchange", "correction", "hold",       "post",     "void",
      "cash_out",    "expiry",   "demurrage",  "hold_expiry"};
  auto index = static_cast<size_t>(kind);
  return index < kNames.size() ? kNames[index] : "unknown";
}

}  // namespace kyoso::cli
