// Lots: drawing order, drawing, merging under the per-account bound, shares and splits.
#include "kyoso/ledger/lots.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "ledger_test_util.h"

namespace kyoso::ledger {
namespace {

using ::testing::ElementsAre;
using unit::kDay;
using unit::kMarch1;

constexpr TimeNs kNow = kMarch1 + 9 * unit::kHour;

Lot L(const std::string& program, TimeNs expiry, Amount amount) {
  return Lot{program, expiry, amount};
}

// Builds an account's lot list the way the ledger does: merged and in drawing order.
std::vector<Lot> Lots(const std::vector<Lot>& lots) {
  std::vector<Lot> out;
  EXPECT_TRUE(AddLots(&out, lots));
  return out;
}

DrawRequest Draw(Amount amount, Amount credit_limit = 0,
                 std::function<bool(const Lot&)> eligible = nullptr) {
  return DrawRequest{amount, kNow, credit_limit, std::move(eligible)};
}

TEST(DrawnBeforeTest, RestrictedBeforeFreeThenSoonestExpiryThenProgramme) {
  EXPECT_TRUE(DrawnBefore(L("a", kNever, 1), L("", kNow + kDay, 1)));
  EXPECT_FALSE(DrawnBefore(L("", kNow + kDay, 1), L("a", kNever, 1)));
  EXPECT_TRUE(DrawnBefore(L("b", kNow + kDay, 1), L("a", kNow + 2 * kDay, 1)));
  EXPECT_TRUE(DrawnBefore(L("a", kNow + kDay, 1), L("b", kNow + kDay, 1)));
  EXPECT_TRUE(DrawnBefore(L("", kNow + kDay, 1), L("", kNever, 1)));
  EXPECT_FALSE(DrawnBefore(L("a", kNow + kDay, 5), L("a", kNow + kDay, 7)));
}

TEST(AddLotsTest, KeepsDrawingOrderAndMergesSameProgrammeAndExpiry) {
  std::vector<Lot> lots = Lots({L("", kNever, 500), L("late", kNow + 30 * kDay, 100),
                                L("", kNow + 3 * kDay, 40), L("soon", kNow + 10 * kDay, 200)});
  EXPECT_THAT(lots, ElementsAre(L("soon", kNow + 10 * kDay, 200), L("late", kNow + 30 * kDay, 100),
                                L("", kNow + 3 * kDay, 40), L("", kNever, 500)));
  ASSERT_TRUE(AddLots(&lots, {L("late", kNow + 30 * kDay, 11), L("", kNever, 1)}));
  EXPECT_THAT(lots, ElementsAre(L("soon", kNow + 10 * kDay, 200), L("late", kNow + 30 * kDay, 111),
                                L("", kNow + 3 * kDay, 40), L("", kNever, 501)));
  // A merge that empties a lot removes it; zero lots are ignored.
  ASSERT_TRUE(AddLots(&lots, {L("soon", kNow + 10 * kDay, -200), L("x", kNever, 0)}));
  EXPECT_THAT(lots, ElementsAre(L("late", kNow + 30 * kDay, 111), L("", kNow + 3 * kDay, 40),
                                L("", kNever, 501)));
}

TEST(AddLotsTest, MergeThatWouldLeaveInt64FailsAndChangesNothing) {
  std::vector<Lot> lots = Lots({L("", kNever, INT64_MAX)});
  EXPECT_FALSE(AddLots(&lots, {L("", kNever, 1)}));
  EXPECT_THAT(lots, ElementsAre(L("", kNever, INT64_MAX)));
}

TEST(AddLotsTest, PastTheBoundMergesTheNearestExpiriesOfAProgramme) {
  // 32 lots of one programme, 10 days apart except day 195, 5 days after day 190.
  std::vector<Lot> lots;
  for (int i = 1; i <= 32; ++i) {
    TimeNs expiry = kMarch1 + (i == 20 ? 195 : 10 * i) * kDay;
    ASSERT_TRUE(AddLots(&lots, {L("p", expiry, i)}));
  }
  ASSERT_EQ(lots.size(), kLotsPerAccountMax);
  ASSERT_TRUE(AddLots(&lots, {L("p", kMarch1 + 400 * kDay, 1'000)}));
  ASSERT_EQ(lots.size(), kLotsPerAccountMax);
  // Days 190 (amount 19) and 195 (amount 20) merged at the earlier expiry.
  EXPECT_EQ(lots[18], L("p", kMarch1 + 190 * kDay, 39));
  EXPECT_EQ(lots[19], L("p", kMarch1 + 210 * kDay, 21));
  EXPECT_EQ(lots.back(), L("p", kMarch1 + 400 * kDay, 1'000));
  EXPECT_EQ(SumLots(lots), Wide(32 * 33 / 2 + 1'000));
}

TEST(AddLotsTest, FailsUnchangedWhenNoProgrammeLotsCanMerge) {
  std::vector<Lot> programmes;
  for (int i = 0; i < 32; ++i) {
    ASSERT_TRUE(AddLots(&programmes, {L("p" + std::to_string(i), kNever, 1)}));
  }
  std::vector<Lot> before = programmes;
  EXPECT_FALSE(AddLots(&programmes, {L("another", kNever, 1)}));
  EXPECT_EQ(programmes, before);
  // Free lots are never merged across expiries either.
  std::vector<Lot> free;
  for (int i = 1; i <= 32; ++i) ASSERT_TRUE(AddLots(&free, {L("", kMarch1 + i * kDay, 1)}));
  before = free;
  EXPECT_FALSE(AddLots(&free, {L("", kMarch1 + 40 * kDay, 1)}));
  EXPECT_EQ(free, before);
  // Merging into an existing lot needs no new slot.
  EXPECT_TRUE(AddLots(&free, {L("", kMarch1 + 5 * kDay, 10)}));
  EXPECT_EQ(free[4], L("", kMarch1 + 5 * kDay, 11));
}

TEST(DrawLotsTest, DrawsRestrictedFirstSoonestExpiryFirst) {
  std::vector<Lot> lots = Lots({L("", kNever, 500), L("a", kNow + 30 * kDay, 100),
                                L("", kNow + 3 * kDay, 40), L("b", kNow + 10 * kDay, 200)});
  DrawResult result = DrawLots(lots, Draw(350));
  EXPECT_EQ(result.code, ResultCode::kOk);
  EXPECT_THAT(result.lots, ElementsAre(L("b", kNow + 10 * kDay, 200), L("a", kNow + 30 * kDay, 100),
                                       L("", kNow + 3 * kDay, 40), L("", kNever, 10)));
  result = DrawLots(lots, Draw(150));
  EXPECT_THAT(result.lots, ElementsAre(L("b", kNow + 10 * kDay, 150)));
}

TEST(DrawLotsTest, SkipsIneligibleAndExpiredLots) {
  std::vector<Lot> lots =
      Lots({L("a", kNow + kDay, 100), L("b", kNow - 1, 70), L("c", kNow, 5), L("", kNever, 50)});
  auto not_a = [](const Lot& lot) { return lot.program != "a"; };
  DrawResult result = DrawLots(lots, Draw(50, 0, not_a));
  EXPECT_EQ(result.code, ResultCode::kOk);
  EXPECT_THAT(result.lots, ElementsAre(L("", kNever, 50)));
}

TEST(DrawLotsTest, FailureCodesSayWhy) {
  std::vector<Lot> free = Lots({L("", kNever, 100)});
  EXPECT_EQ(DrawLots(free, Draw(101)).code, ResultCode::kInsufficientFunds);
  EXPECT_TRUE(DrawLots(free, Draw(101)).lots.empty());

  std::vector<Lot> expired = Lots({L("a", kNow, 100), L("", kNever, 10)});
  EXPECT_EQ(DrawLots(expired, Draw(50)).code, ResultCode::kLotExpired);
  EXPECT_EQ(DrawLots(expired, Draw(111)).code, ResultCode::kInsufficientFunds);

  std::vector<Lot> restricted = Lots({L("a", kNow + kDay, 100), L("", kNever, 10)});
  auto nothing_restricted = [](const Lot&) { return false; };
  EXPECT_EQ(DrawLots(restricted, Draw(50, 0, nothing_restricted)).code,
            ResultCode::kPayeeNotEligible);
  EXPECT_EQ(DrawLots(restricted, Draw(10, 0, nothing_restricted)).code, ResultCode::kOk);
  EXPECT_EQ(DrawLots(restricted, Draw(111, 0, nothing_restricted)).code,
            ResultCode::kInsufficientFunds);
  // With no eligibility filter, every unexpired lot is drawn.
  EXPECT_EQ(DrawLots(restricted, Draw(110)).code, ResultCode::kOk);
}

TEST(DrawLotsTest, MutualCreditDrawsBelowZeroWithinTheLimit) {
  std::vector<Lot> lots = Lots({L("", kNever, 100)});
  DrawResult result = DrawLots(lots, Draw(400, 500));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_THAT(result.lots, ElementsAre(L("", kNever, 400)));
  RemoveLots(&lots, result.lots);
  EXPECT_THAT(lots, ElementsAre(L("", kNever, -300)));

  EXPECT_EQ(DrawLots(lots, Draw(201, 500)).code, ResultCode::kInsufficientFunds);
  result = DrawLots(lots, Draw(200, 500));
  ASSERT_EQ(result.code, ResultCode::kOk);
  RemoveLots(&lots, result.lots);
  EXPECT_THAT(lots, ElementsAre(L("", kNever, -500)));
  EXPECT_EQ(DrawLots(lots, Draw(1, 500)).code, ResultCode::kInsufficientFunds);
  // Without a credit limit nothing goes below zero.
  EXPECT_EQ(DrawLots(Lots({L("", kNever, 100)}), Draw(101, 0)).code,
            ResultCode::kInsufficientFunds);
}

TEST(DrawLotsTest, MutualCreditSpendsPositiveLotsFirst) {
  std::vector<Lot> lots = Lots({L("gift", kNow + kDay, 30), L("", kNever, 20)});
  DrawResult result = DrawLots(lots, Draw(100, 60));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_THAT(result.lots, ElementsAre(L("gift", kNow + kDay, 30), L("", kNever, 70)));
  RemoveLots(&lots, result.lots);
  EXPECT_THAT(lots, ElementsAre(L("", kNever, -50)));
  EXPECT_EQ(DrawLots(Lots({L("gift", kNow + kDay, 30), L("", kNever, 20)}), Draw(111, 60)).code,
            ResultCode::kInsufficientFunds);
}

TEST(RemoveLotsTest, DropsEmptiedLots) {
  std::vector<Lot> lots = Lots({L("a", kNow + kDay, 100), L("", kNever, 50)});
  RemoveLots(&lots, {L("a", kNow + kDay, 100), L("", kNever, 20)});
  EXPECT_THAT(lots, ElementsAre(L("", kNever, 30)));
  RemoveLots(&lots, {L("", kNever, 30)});
  EXPECT_TRUE(lots.empty());
}

TEST(ShareOfLotsTest, LargestRemainderSumsExactly) {
  std::vector<Lot> lots = {L("a", kNow + kDay, 333), L("", kNever, 667)};
  // 166.5 and 333.5: one leftover unit, the tie goes to the earlier-drawn lot.
  EXPECT_THAT(ShareOfLots(lots, 1'000, 500),
              ElementsAre(L("a", kNow + kDay, 167), L("", kNever, 333)));
  // 1/3 of each: remainders 1 and 2, the larger wins; zero shares are dropped.
  EXPECT_THAT(ShareOfLots({L("a", kNow + kDay, 1), L("", kNever, 2)}, 3, 1),
              ElementsAre(L("", kNever, 1)));
  EXPECT_THAT(ShareOfLots({L("a", kNever, 1), L("b", kNever, 1), L("", kNever, 1)}, 3, 2),
              ElementsAre(L("a", kNever, 1), L("b", kNever, 1)));
  EXPECT_TRUE(ShareOfLots(lots, 1'000, 0).empty());
  EXPECT_EQ(ShareOfLots(lots, 1'000, 1'000), lots);
}

TEST(ShareOfLotsTest, EveryPartSumsExactlyAndNoShareExceedsItsLot) {
  std::vector<Lot> lots = {L("a", kNow + kDay, 7), L("b", kNow + 2 * kDay, 13), L("", kNever, 17)};
  for (Amount part = 0; part <= 37; ++part) {
    std::vector<Lot> shares = ShareOfLots(lots, 37, part);
    EXPECT_EQ(SumLots(shares), Wide(part)) << part;
    for (const Lot& share : shares) {
      auto source = std::find_if(lots.begin(), lots.end(), [&](const Lot& lot) {
        return lot.program == share.program && lot.expiry == share.expiry;
      });
      ASSERT_NE(source, lots.end());
      EXPECT_LE(share.amount, source->amount);
      EXPECT_GT(share.amount, 0);
    }
  }
}

TEST(SplitLotsTest, SplitsInDrawingOrder) {
  std::vector<Lot> lots = {L("a", kNow + kDay, 100), L("", kNever, 50)};
  auto [first, rest] = SplitLots(lots, 120);
  EXPECT_THAT(first, ElementsAre(L("a", kNow + kDay, 100), L("", kNever, 20)));
  EXPECT_THAT(rest, ElementsAre(L("", kNever, 30)));
  auto [none, all] = SplitLots(lots, 0);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(all, lots);
  auto [part, remainder] = SplitLots(lots, 40);
  EXPECT_THAT(part, ElementsAre(L("a", kNow + kDay, 40)));
  EXPECT_THAT(remainder, ElementsAre(L("a", kNow + kDay, 60), L("", kNever, 50)));
}

TEST(ExpiryAfterTest, RoundsUpToTheEndOfTheUtcDay) {
  EXPECT_EQ(ExpiryAfter(kNow, 0), kNever);
  EXPECT_EQ(ExpiryAfter(kMarch1, kDay), kMarch1 + kDay);  // Already a day boundary.
  EXPECT_EQ(ExpiryAfter(kMarch1 + 1, kDay), kMarch1 + 2 * kDay);
  EXPECT_EQ(ExpiryAfter(kNow, 90 * kDay), kMarch1 + 91 * kDay);
  EXPECT_EQ(ExpiryAfter(kMarch1 - 1, kDay), kMarch1 + kDay);
  EXPECT_EQ(ExpiryAfter(kNow, unit::kHour), kMarch1 + kDay);
  // Near the end of time the lot simply never expires rather than overflowing.
  EXPECT_EQ(ExpiryAfter(kNever - kDay, kDay), kNever);
}

TEST(SumLotsTest, SumsIncludingNegativeAndBeyondInt64) {
  EXPECT_EQ(SumLots({}), Wide(0));
  EXPECT_EQ(SumLots({L("", kNever, -300), L("a", kNever, 100)}), Wide(-200));
  EXPECT_EQ(SumLots({L("a", kNever, INT64_MAX), L("b", kNever, INT64_MAX)}), Wide(INT64_MAX) * 2);
}

}  // namespace
}  // namespace kyoso::ledger
