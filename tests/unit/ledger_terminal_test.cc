// Ledger rules: what terminals do — holds, captures, voids, timeouts and refunds.
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

// --- Holds. ---

TEST_F(LedgerRulesTest, HoldThenPartialPostReturnsTheRest) {
  Fund(kAlice, 10'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  CommandResult held = town.Run(hold);
  ASSERT_EQ(held.code, ResultCode::kOk);
  EXPECT_EQ(town.Balance(kAlice), 7'000);
  EXPECT_EQ(town.Balance(kBakery), 0);
  EXPECT_EQ(town.Currency(kBunji).held, 3'000);
  ledger::TransferRecord record = town.Record(hold.id);
  EXPECT_EQ(record.hold_state, HoldState::kPending);
  EXPECT_EQ(record.hold_expires_at, held.timestamp + kHour);
  EXPECT_EQ(town.Account(kAlice).spent_in_month, 3'000);

  EXPECT_TRUE(town.RunRejected(town.Post(hold, 3'001), ResultCode::kPostExceedsHold));
  TransferRequest wrong = town.Post(hold, 1'000);
  wrong.to = kCafe;
  EXPECT_TRUE(town.RunRejected(wrong, ResultCode::kPartiesMismatch));

  ASSERT_TRUE(town.RunOk(town.Post(hold, 2'000)));
  EXPECT_EQ(town.Balance(kBakery), 2'000);
  EXPECT_EQ(town.Balance(kAlice), 8'000);
  EXPECT_EQ(town.Currency(kBunji).held, 0);
  EXPECT_EQ(town.Account(kAlice).spent_in_month, 2'000);
  record = town.Record(hold.id);
  EXPECT_EQ(record.hold_state, HoldState::kPosted);
  EXPECT_EQ(record.posted, 2'000);
  EXPECT_TRUE(town.RunRejected(town.Post(hold, 1), ResultCode::kHoldNotPending));
  EXPECT_TRUE(town.RunRejected(town.Void(hold), ResultCode::kHoldNotPending));
}

// Regression: a partial post stored the hold with its amount cut to the returned rest,
// so the hold's own record no longer matched the request that created it.
TEST_F(LedgerRulesTest, PartialPostKeepsTheHoldsRequestIntact) {
  Fund(kAlice, 10'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  CommandResult held = town.Run(hold);
  ASSERT_EQ(held.code, ResultCode::kOk);
  ASSERT_TRUE(town.RunOk(town.Post(hold, 2'000)));
  ledger::TransferRecord record = town.Record(hold.id);
  EXPECT_EQ(record.request, hold);
  EXPECT_THAT(record.lots, ElementsAre(Free(3'000)));
  Snapshot before = town.Snap();
  CommandResult replay = town.Run(hold);
  EXPECT_EQ(replay.code, ResultCode::kOk);
  EXPECT_TRUE(replay.duplicate);
  EXPECT_EQ(replay.seq, held.seq);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");
}

TEST_F(LedgerRulesTest, VoidReleasesTheWholeHold) {
  Fund(kAlice, 10'000, kFreshFood);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  EXPECT_THAT(town.Record(hold.id).lots, ElementsAre(Fresh(3'000)));
  TransferRequest partial = town.Void(hold);
  partial.amount = 2'999;
  EXPECT_TRUE(town.RunRejected(partial, ResultCode::kPostExceedsHold));
  ASSERT_TRUE(town.RunOk(town.Void(hold)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(10'000)));
  EXPECT_EQ(town.Currency(kBunji).held, 0);
  EXPECT_EQ(town.Record(hold.id).hold_state, HoldState::kVoided);
  EXPECT_EQ(town.Account(kAlice).spent_in_month, 0);
  EXPECT_TRUE(town.RunRejected(town.Post(hold, 100), ResultCode::kHoldNotPending));
  EXPECT_TRUE(town.RunRejected(town.Void(hold), ResultCode::kHoldNotPending));
}

TEST_F(LedgerRulesTest, HoldTimesOutAndATickReleasesIt) {
  Fund(kAlice, 10'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  town.Advance(30 * 60 * kSecond);
  ASSERT_EQ(town.Run(Tick{}).code, ResultCode::kOk);
  EXPECT_EQ(town.Record(hold.id).hold_state, HoldState::kPending);
  town.Advance(2 * kHour);
  EXPECT_TRUE(town.RunRejected(town.Post(hold, 1'000), ResultCode::kHoldExpired));
  EXPECT_EQ(town.Balance(kAlice), 7'000);
  ASSERT_EQ(town.Run(Tick{}).code, ResultCode::kOk);
  EXPECT_EQ(town.Record(hold.id).hold_state, HoldState::kExpired);
  EXPECT_EQ(town.Balance(kAlice), 10'000);
  EXPECT_EQ(town.Currency(kBunji).held, 0);
  EXPECT_TRUE(town.RunRejected(town.Void(hold), ResultCode::kHoldNotPending));
  auto page = town.get().History(kAlice, HistoryQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->entries[0].kind, TransferKind::kHoldExpiry);
  EXPECT_EQ(page->entries[0].delta, 3'000);
}

// Found by the crash test (seed 4070681641): a hold expired back to a payer who had
// received so much since that the return passed int64; the balance sum threw. The hold
// now stays pending (the terminal may still capture it) and no money is dropped.
TEST_F(LedgerRulesTest, AHoldThatCannotGoBackWithoutOverflowStaysPending) {
  constexpr Amount kLargest = std::numeric_limits<Amount>::max();
  Fund(kAlice, 10'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  Fund(kAlice, kLargest - 7'000 - 1'000);  // Now 1,000 short of the largest balance.
  town.Advance(2 * kHour);
  ASSERT_EQ(town.Run(Tick{}).code, ResultCode::kOk);
  EXPECT_EQ(town.Record(hold.id).hold_state, HoldState::kPending);
  EXPECT_EQ(town.Balance(kAlice), kLargest - 1'000);
  EXPECT_EQ(town.Currency(kBunji).held, 3'000);
  EXPECT_TRUE(town.ConservationViolations().empty());
}

TEST_F(LedgerRulesTest, LotsThatExpireInAHoldAreBurnedOnceReleased) {
  ASSERT_TRUE(town.RunOk(NewProgram("short", 10'000, RulesFor(kBusinesses, kDay))));
  Fund(kAlice, 1'000, "short");
  TransferRequest hold = town.Hold(kAlice, kBakery, 1'000, 7 * kDay);
  ASSERT_TRUE(town.RunOk(hold));
  town.SetTime(kMarch1 + 3 * kDay);  // The lot expired at kMarch1 + 2 days, inside the hold.
  town.Run(Tick{});
  EXPECT_EQ(town.Currency(kBunji).burned, 0);
  EXPECT_EQ(town.Currency(kBunji).held, 1'000);
  ASSERT_TRUE(town.RunOk(town.Void(hold)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Lot{"short", kMarch1 + 2 * kDay, 1'000}));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 1), ResultCode::kLotExpired));
  town.Run(Tick{});
  EXPECT_THAT(town.Account(kAlice).lots, IsEmpty());
  EXPECT_EQ(town.Currency(kBunji).burned, 1'000);
  EXPECT_EQ(town.Program("short").budget_left(), 10'000);
}

TEST_F(LedgerRulesTest, HoldRequestsAreChecked) {
  Fund(kAlice, 10'000);
  EXPECT_TRUE(town.RunRejected(town.Hold(kAlice, kBakery, 100, 0), ResultCode::kInvalidTimeout));
  EXPECT_TRUE(
      town.RunRejected(town.Hold(kAlice, kBakery, 100, 7 * kDay + 1), ResultCode::kInvalidTimeout));
  EXPECT_TRUE(town.RunOk(town.Hold(kAlice, kBakery, 100, 7 * kDay)));
  EXPECT_TRUE(
      town.RunRejected(town.Hold(kAlice, kBob, 100, kHour), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(
      town.RunRejected(town.Hold(kFees, kBakery, 100, kHour), ResultCode::kPayerNotAllowed));
  EXPECT_TRUE(
      town.RunRejected(town.Hold(kAlice, kBakery, 10'000, kHour), ResultCode::kInsufficientFunds));
  TransferRequest pay = town.Pay(kAlice, kBakery, 100);
  ASSERT_TRUE(town.RunOk(pay));
  EXPECT_TRUE(town.RunRejected(town.Post(pay, 100), ResultCode::kTransferNotFound));
  TransferRequest post = town.Post(pay, 100);
  post.ref = TransferId{};
  EXPECT_TRUE(town.RunRejected(post, ResultCode::kReferenceRequired));
}

// --- Refunds. ---

TEST_F(LedgerRulesTest, RefundReturnsTheVeryLotsInProportion) {
  Fund(kAlice, 1'000, kFreshFood);
  Fund(kAlice, 2'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 3'000);
  ASSERT_TRUE(town.RunOk(pay));
  EXPECT_EQ(town.Account(kAlice).spent_in_month, 3'000);

  ASSERT_TRUE(town.RunOk(town.Refund(pay, 1'500)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(500), Free(1'000)));
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Fresh(500), Free(1'000)));
  EXPECT_EQ(town.Record(pay.id).refunded, 1'500);
  EXPECT_EQ(town.Account(kAlice).spent_in_month, 1'500);

  EXPECT_TRUE(town.RunRejected(town.Refund(pay, 1'501), ResultCode::kRefundExceedsPayment));
  ASSERT_TRUE(town.RunOk(town.Refund(pay, 1'500)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(1'000), Free(2'000)));
  EXPECT_THAT(town.Account(kBakery).lots, IsEmpty());
  EXPECT_EQ(town.Record(pay.id).refunded, 3'000);
  EXPECT_TRUE(town.RunRejected(town.Refund(pay, 1), ResultCode::kRefundExceedsPayment));
}

TEST_F(LedgerRulesTest, RefundsOnlyOfPaymentsBetweenTheSameParties) {
  Fund(kAlice, 2'000);
  TransferRequest top_up = town.TopUp(kAlice, 1'000);
  ASSERT_TRUE(town.RunOk(top_up));
  EXPECT_TRUE(town.RunRejected(town.Refund(top_up, 100), ResultCode::kNotRefundable));
  TransferRequest never = town.Pay(kAlice, kBakery, 100);
  EXPECT_TRUE(town.RunRejected(town.Refund(never, 100), ResultCode::kTransferNotFound));
  TransferRequest failed = town.Pay(kAlice, kBakery, 1'000'000);
  EXPECT_TRUE(town.RunRejected(failed, ResultCode::kInsufficientFunds));
  EXPECT_TRUE(town.RunRejected(town.Refund(failed, 100), ResultCode::kTransferNotFound));
  TransferRequest pay = town.Pay(kAlice, kBakery, 500);
  ASSERT_TRUE(town.RunOk(pay));
  TransferRequest wrong = town.Refund(pay, 100);
  wrong.from = kCafe;
  EXPECT_TRUE(town.RunRejected(wrong, ResultCode::kPartiesMismatch));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kBakery, AccountStatus::kFrozen}));
  EXPECT_TRUE(town.RunRejected(town.Refund(pay, 100), ResultCode::kAccountFrozen));
}

TEST_F(LedgerRulesTest, RefundAfterTheMerchantSpentTheLotsUsesItsOtherMoney) {
  Fund(kAlice, 1'000, kFreshFood);
  Fund(kAlice, 2'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 3'000);
  ASSERT_TRUE(town.RunOk(pay));
  ASSERT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 1'000)));  // Spends the fresh lot.
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Free(2'000)));
  ASSERT_TRUE(town.RunOk(town.Refund(pay, 1'500)));
  // The payer still gets the very lots back; the merchant pays with what it has.
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(500), Free(1'000)));
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Free(500)));
  EXPECT_TRUE(town.RunRejected(town.Refund(pay, 1'000), ResultCode::kInsufficientFunds));
}

TEST_F(LedgerRulesTest, APostedHoldIsRefundableUpToThePostedAmount) {
  Fund(kAlice, 10'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 3'000, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  TransferRequest post = town.Post(hold, 2'000);
  ASSERT_TRUE(town.RunOk(post));
  EXPECT_TRUE(town.RunRejected(town.Refund(hold, 100), ResultCode::kNotRefundable));
  EXPECT_TRUE(town.RunRejected(town.Refund(post, 2'001), ResultCode::kRefundExceedsPayment));
  ASSERT_TRUE(town.RunOk(town.Refund(post, 2'000)));
  EXPECT_EQ(town.Balance(kAlice), 10'000);
  EXPECT_EQ(town.Balance(kBakery), 0);
}

}  // namespace
}  // namespace kyoso::unit
