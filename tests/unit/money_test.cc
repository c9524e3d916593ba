// Money maths: half-even rounding, exact rationals, overflow as a value.
#include "kyoso/ledger/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace kyoso::ledger {
namespace {

constexpr Amount kMax = std::numeric_limits<Amount>::max();
constexpr Amount kMin = std::numeric_limits<Amount>::min();

std::optional<Wide> HalfEven(int64_t value, int64_t num, int64_t den) {
  return MulDivHalfEven(Wide(value), Wide(num), Wide(den));
}

TEST(MulDivHalfEvenTest, TiesGoToTheEvenNeighbour) {
  EXPECT_EQ(HalfEven(5, 1, 2), Wide(2));    // 2.5 -> 2
  EXPECT_EQ(HalfEven(7, 1, 2), Wide(4));    // 3.5 -> 4
  EXPECT_EQ(HalfEven(1, 1, 2), Wide(0));    // 0.5 -> 0
  EXPECT_EQ(HalfEven(3, 1, 2), Wide(2));    // 1.5 -> 2
  EXPECT_EQ(HalfEven(25, 1, 10), Wide(2));  // 2.5 -> 2
  EXPECT_EQ(HalfEven(35, 1, 10), Wide(4));  // 3.5 -> 4
}

TEST(MulDivHalfEvenTest, NonTiesRoundToNearest) {
  EXPECT_EQ(HalfEven(26, 1, 10), Wide(3));  // 2.6
  EXPECT_EQ(HalfEven(24, 1, 10), Wide(2));  // 2.4
  EXPECT_EQ(HalfEven(2, 1, 3), Wide(1));    // 0.667
  EXPECT_EQ(HalfEven(1, 1, 3), Wide(0));    // 0.333
}

TEST(MulDivHalfEvenTest, NegativeValuesRoundHalfEvenToo) {
  EXPECT_EQ(HalfEven(-5, 1, 2), Wide(-2));  // -2.5 -> -2
  EXPECT_EQ(HalfEven(-7, 1, 2), Wide(-4));  // -3.5 -> -4
  EXPECT_EQ(HalfEven(-3, 1, 2), Wide(-2));  // -1.5 -> -2
  EXPECT_EQ(HalfEven(-1, 1, 2), Wide(0));   // -0.5 -> 0
  EXPECT_EQ(HalfEven(-26, 1, 10), Wide(-3));
  EXPECT_EQ(HalfEven(-24, 1, 10), Wide(-2));
  EXPECT_EQ(HalfEven(5, -1, 2), Wide(-2));
}

TEST(MulDivHalfEvenTest, ExactResultsAreUnchanged) {
  EXPECT_EQ(HalfEven(6, 1, 2), Wide(3));
  EXPECT_EQ(HalfEven(100'000, 1'000, 10'000), Wide(10'000));
  EXPECT_EQ(HalfEven(0, 7, 3), Wide(0));
  EXPECT_EQ(HalfEven(kMax, 1, 1), Wide(kMax));
  // Products beyond int64 are fine while the quotient is representable.
  EXPECT_EQ(HalfEven(kMax, kMax, kMax), Wide(kMax));
  EXPECT_EQ(HalfEven(kMin, 2, 2), Wide(kMin));
}

TEST(MulDivHalfEvenTest, BadDenominatorOrOverflowIsNullopt) {
  EXPECT_EQ(HalfEven(5, 1, 0), std::nullopt);
  EXPECT_EQ(HalfEven(5, 1, -2), std::nullopt);
  Wide huge = Wide(1) << 100;
  EXPECT_EQ(MulDivHalfEven(huge, huge, Wide(1)), std::nullopt);
  EXPECT_EQ(MulDivHalfEven(huge, huge, huge), std::nullopt);  // The product overflows first.
}

TEST(ApplyRateTest, RoundsHalfEvenAndFitsInt64) {
  EXPECT_EQ(ApplyRate(25, Rational{1, 10}), 2);
  EXPECT_EQ(ApplyRate(35, Rational{1, 10}), 4);
  EXPECT_EQ(ApplyRate(100, FromBasisPoints(250)), 2);  // 2.5 -> 2
  EXPECT_EQ(ApplyRate(140, FromBasisPoints(250)), 4);  // 3.5 -> 4
  EXPECT_EQ(ApplyRate(100'000, FromBasisPoints(1'000)), 10'000);
  EXPECT_EQ(ApplyRate(7, Rational{3, 2}), 10);  // 10.5 -> 10
  EXPECT_EQ(ApplyRate(9, Rational{3, 2}), 14);  // 13.5 -> 14
  EXPECT_EQ(ApplyRate(kMax, Rational{1, 1}), kMax);
  EXPECT_EQ(ApplyRate(kMax, Rational{10'000, 10'000}), kMax);
}

TEST(ApplyRateTest, OverflowAndInvalidRatesAreNullopt) {
  EXPECT_EQ(ApplyRate(kMax, Rational{2, 1}), std::nullopt);
  EXPECT_EQ(ApplyRate(kMax / 2 + 1, Rational{2, 1}), std::nullopt);
  EXPECT_EQ(ApplyRate(kMax / 2, Rational{2, 1}), kMax - 1);
  EXPECT_EQ(ApplyRate(10, Rational{1, 0}), std::nullopt);
  EXPECT_EQ(ApplyRate(10, Rational{-1, 2}), std::nullopt);
  EXPECT_EQ(ApplyRate(10, Rational{1, -2}), std::nullopt);
}

TEST(RationalTest, Validity) {
  EXPECT_TRUE((Rational{0, 1}).valid());
  EXPECT_TRUE((Rational{3, 2}).valid());
  EXPECT_FALSE((Rational{1, 0}).valid());
  EXPECT_FALSE((Rational{-1, 1}).valid());
  EXPECT_EQ(FromBasisPoints(250), (Rational{250, 10'000}));
}

TEST(AmountArithmeticTest, AddAndSubtractReportOverflow) {
  EXPECT_EQ(AddAmounts(2, 3), 5);
  EXPECT_EQ(AddAmounts(kMax, 0), kMax);
  EXPECT_EQ(AddAmounts(kMax, 1), std::nullopt);
  EXPECT_EQ(AddAmounts(kMin, -1), std::nullopt);
  EXPECT_EQ(AddAmounts(kMax, kMin), -1);
  EXPECT_EQ(SubtractAmounts(5, 7), -2);
  EXPECT_EQ(SubtractAmounts(kMin, 1), std::nullopt);
  EXPECT_EQ(SubtractAmounts(0, kMin), std::nullopt);
  EXPECT_EQ(SubtractAmounts(-1, kMin), kMax);
  EXPECT_EQ(SubtractAmounts(kMax, -1), std::nullopt);
}

TEST(AmountArithmeticTest, ToAmountNarrowsOnlyWhatFits) {
  EXPECT_EQ(ToAmount(Wide(kMax)), kMax);
  EXPECT_EQ(ToAmount(Wide(kMin)), kMin);
  EXPECT_EQ(ToAmount(Wide(kMax) + 1), std::nullopt);
  EXPECT_EQ(ToAmount(Wide(kMin) - 1), std::nullopt);
}

}  // namespace
}  // namespace kyoso::ledger
