// Money maths: exact, checked, with one named rounding rule.
//
// Amounts cross the ledger's boundary as int64 counts of a currency's minor unit. Inside,
// sums, supplies and rate arithmetic use a checked 128-bit integer, so an overflow is an
// error value, never a wrap. Rates, fees and demurrage are exact rationals; the only
// rounding happens once, at the end, half to even. All functions are pure.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <optional>

namespace kyoso::ledger {

// A minor-unit amount as it appears on the wire and in records.
using Amount = int64_t;

// Checked 128-bit integer: arithmetic that would overflow throws inside Boost; the
// helpers below turn that into std::nullopt so no exception leaves the ledger.
using Wide = boost::multiprecision::checked_int128_t;

// An exact non-negative ratio num/den with den > 0, such as an exchange rate or a fee.
struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  bool valid() const { return den > 0 && num >= 0; }
  friend bool operator==(const Rational&, const Rational&) = default;
};

// Basis points (1/10,000) as a rational: fees and incentives are configured in bps.
inline Rational FromBasisPoints(int64_t bps) {
  return Rational{bps, 10'000};
}

// a + b, or nullopt when the result leaves int64.
std::optional<Amount> AddAmounts(Amount a, Amount b);
// a - b, or nullopt when the result leaves int64.
std::optional<Amount> SubtractAmounts(Amount a, Amount b);

// Narrows a Wide to an Amount, or nullopt when it does not fit.
std::optional<Amount> ToAmount(const Wide& value);

// value * num / den rounded half to even; nullopt on overflow or den <= 0.
std::optional<Wide> MulDivHalfEven(const Wide& value, const Wide& num, const Wide& den);

// amount * rate rounded half to even, as an Amount; nullopt when it does not fit.
std::optional<Amount> ApplyRate(Amount amount, const Rational& rate);

}  // namespace kyoso::ledger
