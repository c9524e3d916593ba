#include "kyoso/ledger/money.h"

#include <limits>

namespace kyoso::ledger {

std::optional<Amount> AddAmounts(Amount a, Amount b) {
  Amount sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

std::optional<Amount> SubtractAmounts(Amount a, Amount b) {
  Amount difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) return std::nullopt;
  return difference;
}

std::optional<Amount> ToAmount(const Wide& value) {
  if (value > std::numeric_limits<Amount>::max() || value < std::numeric_limits<Amount>::min()) {
    return std::nullopt;
  }
  return static_cast<Amount>(value);
}

std::optional<Wide> MulDivHalfEven(const Wide& value, const Wide& num, const Wide& den) {
  if (den <= 0) return std::nullopt;
  try {
    Wide product = value * num;
    Wide quotient = product / den;  // Truncates toward zero.
    Wide remainder = product % den;
    if (remainder < 0) {  // Floor division, so the remainder is in [0, den).
      quotient -= 1;
      remainder += den;
    }
    Wide twice = remainder * 2;
    if (twice > den || (twice == den && quotient % 2 != 0)) quotient += 1;
    return quotient;
  } catch (const std::exception&) {  // Boost's checked integer reports overflow by throwing.
    return std::nullopt;
  }
}

std::optional<Amount> ApplyRate(Amount amount, const Rational& rate) {
  if (!rate.valid()) return std::nullopt;
  auto result = MulDivHalfEven(Wide(amount), Wide(rate.num), Wide(rate.den));
  if (!result) return std::nullopt;
  return ToAmount(*result);
}

}  // namespace kyoso::ledger
