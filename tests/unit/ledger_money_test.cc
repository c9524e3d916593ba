// Ledger rules: issue, top-up, payments and purchases, rule versions, idempotency
// and linked groups.
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

// --- Issue. ---

TEST_F(LedgerRulesTest, IssueCreatesFreeMoneyFromTheIssuer) {
  TransferRequest issue = town.Issue(kAlice, 5'000);
  CommandResult result = town.Run(issue);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.seq, 1u);
  EXPECT_EQ(result.timestamp, kOpening);
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Free(5'000)));
  EXPECT_EQ(town.Currency(kBunji).issued, 5'000);
  EXPECT_EQ(town.Currency(kBunji).reserve, 5'000);
  ledger::TransferRecord record = town.Record(issue.id);
  EXPECT_EQ(record.request, issue);
  EXPECT_EQ(record.currency, kBunji);
  EXPECT_THAT(record.lots, ElementsAre(Free(5'000)));
  EXPECT_EQ(record.seq, 1u);
  EXPECT_EQ(town.get().last_seq(), 1u);
}

TEST_F(LedgerRulesTest, OnlyTheIssuerIssues) {
  Fund(kAlice, 5'000);
  EXPECT_TRUE(
      town.RunRejected(town.Issue(kBob, 100, "", kAlice), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(town.RunRejected(town.Issue(kBob, 100, "", kFees), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(town.RunRejected(town.Issue(kIssuer, 100), ResultCode::kSameAccount));
  SetUpHana();
  EXPECT_TRUE(town.RunRejected(town.Issue("res:alice.h", 100), ResultCode::kCurrencyMismatch));
  EXPECT_TRUE(town.RunRejected(town.Issue("res:nobody", 100), ResultCode::kAccountNotFound));
}

TEST_F(LedgerRulesTest, FreeMoneyTakesTheCurrencysDefaultValidity) {
  CreateCurrency hana = CurrencyNamed("HANA", "KRW");
  hana.default_lot_validity_ns = 365 * kDay;
  ASSERT_TRUE(town.RunOk(hana));
  ASSERT_TRUE(town.RunOk(NewAccount("res:alice.h", "HANA")));
  ASSERT_TRUE(town.RunOk(town.Issue("res:alice.h", 10, "", "iss:hana")));
  EXPECT_THAT(town.Account("res:alice.h").lots, ElementsAre(Lot{"", kMarch1 + 366 * kDay, 10}));
}

TEST_F(LedgerRulesTest, IssueUnderAProgrammeCarriesItsProgrammeAndExpiry) {
  ASSERT_TRUE(town.RunOk(town.Issue(kAlice, 2'000, kFreshFood)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(2'000)));
  EXPECT_EQ(town.Program(kFreshFood).paid_out, 2'000);
  EXPECT_EQ(town.Program(kFreshFood).budget_left(), 998'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).received_in_month, 2'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).topup_outstanding, 0);
}

TEST_F(LedgerRulesTest, IssueUnderAProgrammeRespectsItsBudget) {
  ASSERT_TRUE(town.RunOk(NewProgram("tiny", 1'000, FreshFoodRules())));
  ASSERT_TRUE(town.RunOk(town.Issue(kAlice, 600, "tiny")));
  EXPECT_TRUE(town.RunRejected(town.Issue(kBob, 401, "tiny"), ResultCode::kBudgetExhausted));
  ASSERT_TRUE(town.RunOk(town.Issue(kBob, 400, "tiny")));
  EXPECT_EQ(town.Program("tiny").budget_left(), 0);
  EXPECT_TRUE(town.RunRejected(town.Issue(kBob, 1, "tiny"), ResultCode::kBudgetExhausted));
}

TEST_F(LedgerRulesTest, IssueUnderAProgrammeOnlyWithinItsWindow) {
  CreateProgram later = NewProgram("later", 10'000, FreshFoodRules());
  later.valid_from = kOpening + 10 * kDay;
  later.valid_until = kOpening + 20 * kDay;
  ASSERT_TRUE(town.RunOk(later));
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 100, "later"), ResultCode::kProgramNotActive));
  town.SetTime(kOpening + 10 * kDay);
  EXPECT_TRUE(town.RunOk(town.Issue(kAlice, 100, "later")));
  town.SetTime(kOpening + 20 * kDay);
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 100, "later"), ResultCode::kProgramNotActive));
  // Payments under a closed programme are refused too (no cash-back outside the window).
  Fund(kAlice, 500);
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, kBakery, 100, "later"), ResultCode::kProgramNotActive));
}

TEST_F(LedgerRulesTest, ResidentMonthlyCapOnProgrammeMoney) {
  ProgramRules rules = FreshFoodRules();
  rules.resident_monthly_cap = 1'000;
  ASSERT_TRUE(town.RunOk(NewProgram("capped", 100'000, rules)));
  ASSERT_TRUE(town.RunOk(town.Issue(kAlice, 800, "capped")));
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 201, "capped"), ResultCode::kCapExceeded));
  ASSERT_TRUE(town.RunOk(town.Issue(kAlice, 200, "capped")));
  // Businesses are not capped.
  EXPECT_TRUE(town.RunOk(town.Issue(kBakery, 5'000, "capped")));
  // A new month starts a new allowance.
  town.SetTime(kMarch1 + 31 * kDay + 9 * kHour);  // 1 April.
  EXPECT_TRUE(town.RunOk(town.Issue(kAlice, 1'000, "capped")));
  EXPECT_EQ(Usage(kAlice, "capped").received_in_month, 1'000);
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 1, "capped"), ResultCode::kCapExceeded));
}

// --- Top-up. ---

TEST_F(LedgerRulesTest, TopUpAddsTheProgrammesIncentiveAsAProgrammeLot) {
  TransferRequest top_up = town.TopUp(kAlice, 100'000, kFreshFood);
  CommandResult result = town.Run(top_up);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 10'000);
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(10'000), Free(100'000)));
  EXPECT_EQ(town.Balance(kAlice), 110'000);
  const ledger::Currency& bunji = town.Currency(kBunji);
  EXPECT_EQ(bunji.issued, 110'000);
  // Every unit created in a backed currency is backed (rules.h BookIssuance), the
  // incentive included.
  EXPECT_EQ(bunji.reserve, 110'000);
  EXPECT_EQ(town.Program(kFreshFood).budget_left(), 990'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).topup_outstanding, 100'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).incentive_outstanding, 10'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).received_in_month, 10'000);
  EXPECT_EQ(town.Record(top_up.id).incentive, 10'000);
}

TEST_F(LedgerRulesTest, TopUpWithoutAProgrammeIsFreeMoneyOnly) {
  CommandResult result = town.Run(town.TopUp(kBakery, 7'000));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 0);
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Free(7'000)));
  EXPECT_EQ(town.Currency(kBunji).reserve, 7'000);
}

TEST_F(LedgerRulesTest, TopUpIncentiveIsLimitedByBudgetAndCap) {
  ASSERT_TRUE(town.RunOk(NewProgram("small", 5'000, FreshFoodRules())));
  CommandResult result = town.Run(town.TopUp(kAlice, 100'000, "small"));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 5'000);
  EXPECT_EQ(town.Program("small").budget_left(), 0);
  result = town.Run(town.TopUp(kAlice, 10'000, "small"));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 0);
  EXPECT_EQ(town.Balance(kAlice), 115'000);
  EXPECT_EQ(town.Currency(kBunji).issued, 115'000);

  ProgramRules rules = FreshFoodRules();
  rules.resident_monthly_cap = 3'000;
  ASSERT_TRUE(town.RunOk(NewProgram("capped", 1'000'000, rules)));
  result = town.Run(town.TopUp(kBob, 50'000, "capped"));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 3'000);
  EXPECT_THAT(town.Account(kBob).lots,
              ElementsAre(Lot{"capped", kFreshExpiry, 3'000}, Free(50'000)));
}

TEST_F(LedgerRulesTest, TopUpNeedsABackedCurrencyAndAWallet) {
  SetUpTime();
  EXPECT_TRUE(
      town.RunRejected(town.TopUp("res:ann.t", 100, "", "iss:time"), ResultCode::kNotBacked));
  EXPECT_TRUE(town.RunRejected(town.TopUp(kFees, 100), ResultCode::kAccountKindMismatch));
}

// --- Payments and purchases. ---

TEST_F(LedgerRulesTest, PaymentMovesLotsInDrawingOrderWithTheirProgrammeAndExpiry) {
  ASSERT_TRUE(town.RunOk(NewProgram("market", 100'000, RulesFor(kBusinesses, 30 * kDay))));
  Fund(kAlice, 5'000);
  Fund(kAlice, 1'000, kFreshFood);
  Fund(kAlice, 2'000, "market");
  const Lot market{"market", kMarch1 + 31 * kDay, 2'000};
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(market, Fresh(1'000), Free(5'000)));

  TransferRequest pay = town.Pay(kAlice, kBakery, 2'500);
  CommandResult result = town.Run(pay);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_THAT(town.Record(pay.id).lots, ElementsAre(market, Fresh(500)));
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(market, Fresh(500)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(500), Free(5'000)));

  // The bakery buys from the farm with the same money: the programme travels on.
  ASSERT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 2'200)));
  EXPECT_THAT(town.Account(kFarm).lots,
              ElementsAre(Lot{"market", kMarch1 + 31 * kDay, 2'000}, Fresh(200)));
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Fresh(300)));
  ASSERT_TRUE(town.RunOk(town.Purchase(kFarm, kCafe, 100)));
  EXPECT_EQ(town.Balance(kCafe), 100);
}

TEST_F(LedgerRulesTest, WhoMayPayWhom) {
  Fund(kAlice, 1'000);
  Fund(kBakery, 1'000);
  EXPECT_TRUE(town.RunRejected(town.Pay(kBakery, kCafe, 100), ResultCode::kPayerNotAllowed));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBob, 100), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kFees, 100), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(town.RunRejected(town.Purchase(kAlice, kFarm, 100), ResultCode::kPayerNotAllowed));
  EXPECT_TRUE(
      town.RunRejected(town.Purchase(kBakery, kAlice, 100), ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 1'001), ResultCode::kInsufficientFunds));
  SetUpHana();
  ASSERT_TRUE(town.RunOk(NewAccount("mch:shop.h", "HANA")));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, "mch:shop.h", 100), ResultCode::kCurrencyMismatch));
  EXPECT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 600)));
  EXPECT_TRUE(town.RunOk(town.Purchase(kFarm, kBakery, 100)));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kFarm, 1'000)));
  EXPECT_EQ(town.Balance(kFarm), 1'500);
  EXPECT_EQ(town.Balance(kBakery), 500);
}

TEST_F(LedgerRulesTest, ProgrammeMoneyGoesOnlyToEligiblePayees) {
  Fund(kAlice, 1'000, kFreshFood);
  // Sector: fresh-food money is for food businesses.
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kHardware, 500), ResultCode::kPayeeNotEligible));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kCafe, 500)));
  // Free money next to it pays anyone; the programme money stays.
  Fund(kAlice, 300);
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kHardware, 300)));
  EXPECT_THAT(town.Account(kHardware).lots, ElementsAre(Free(300)));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kHardware, 1), ResultCode::kPayeeNotEligible));

  // District.
  ProgramRules north = RulesFor(kBusinesses);
  north.payee_districts = {"north"};
  ASSERT_TRUE(town.RunOk(NewProgram("north-only", 10'000, north)));
  Fund(kBob, 1'000, "north-only");
  EXPECT_TRUE(town.RunRejected(town.Pay(kBob, kCafe, 100), ResultCode::kPayeeNotEligible));
  EXPECT_TRUE(town.RunOk(town.Pay(kBob, kHardware, 100)));

  // Kind.
  ASSERT_TRUE(
      town.RunOk(NewProgram("producers-only", 10'000, RulesFor(KindBit(AccountKind::kProducer)))));
  Fund(kBakery, 1'000, "producers-only");
  EXPECT_TRUE(town.RunRejected(town.Purchase(kBakery, kCafe, 100), ResultCode::kPayeeNotEligible));
  EXPECT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 100)));
  EXPECT_THAT(town.Account(kFarm).lots, ElementsAre(Lot{"producers-only", kNever, 100}));
}

TEST_F(LedgerRulesTest, ExpiredLotsCannotBeSpentAndATickBurnsThem) {
  ASSERT_TRUE(town.RunOk(NewProgram("short", 10'000, RulesFor(kBusinesses, kDay))));
  Fund(kAlice, 1'000, "short");
  Fund(kAlice, 500);
  Fund(kBob, 300, "short");
  const Lot short_lot{"short", kMarch1 + 2 * kDay, 1'000};
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(short_lot, Free(500)));
  EXPECT_EQ(town.Program("short").budget_left(), 8'700);

  // A tick just before the expiry leaves the lots alone.
  town.SetTime(kMarch1 + 2 * kDay - 1);
  ASSERT_EQ(town.Run(Tick{}).code, ResultCode::kOk);
  EXPECT_EQ(town.Balance(kAlice), 1'500);

  town.SetTime(kMarch1 + 2 * kDay);
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 600), ResultCode::kLotExpired));
  EXPECT_TRUE(town.RunRejected(town.Pay(kBob, kBakery, 1), ResultCode::kLotExpired));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 100)));  // Free money still pays.

  uint64_t seq_before = town.get().last_seq();
  ASSERT_EQ(town.Run(Tick{}).code, ResultCode::kOk);
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Free(400)));
  EXPECT_THAT(town.Account(kBob).lots, IsEmpty());
  EXPECT_EQ(town.Currency(kBunji).burned, 1'300);
  EXPECT_EQ(town.Program("short").returned, 1'300);
  EXPECT_EQ(town.Program("short").budget_left(), 10'000);
  EXPECT_EQ(town.get().last_seq(), seq_before + 2);  // One expiry entry per account.
  auto page = town.get().History(kAlice, HistoryQuery{});
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->entries.empty());
  EXPECT_EQ(page->entries[0].kind, TransferKind::kExpiry);
  EXPECT_EQ(page->entries[0].delta, -1'000);
  EXPECT_EQ(page->entries[0].balance_after, 400);
}

TEST_F(LedgerRulesTest, MonthlySpendCapResetsNextMonth) {
  CreateAccount carol = NewAccount("res:carol");
  carol.monthly_spend_cap = 10'000;
  ASSERT_TRUE(town.RunOk(carol));
  Fund("res:carol", 30'000);
  ASSERT_TRUE(town.RunOk(town.Pay("res:carol", kBakery, 6'000)));
  EXPECT_TRUE(town.RunRejected(town.Pay("res:carol", kBakery, 4'001), ResultCode::kCapExceeded));
  ASSERT_TRUE(town.RunOk(town.Pay("res:carol", kBakery, 4'000)));
  EXPECT_TRUE(town.RunRejected(town.Pay("res:carol", kCafe, 1), ResultCode::kCapExceeded));
  EXPECT_TRUE(town.RunRejected(town.Hold("res:carol", kCafe, 1, kHour), ResultCode::kCapExceeded));
  EXPECT_EQ(town.Account("res:carol").spent_in_month, 10'000);
  town.SetTime(kMarch1 + 31 * kDay + 9 * kHour);  // 1 April.
  ASSERT_TRUE(town.RunOk(town.Pay("res:carol", kBakery, 5'000)));
  EXPECT_EQ(town.Account("res:carol").spent_in_month, 5'000);
  EXPECT_EQ(town.Balance("res:carol"), 15'000);
}

TEST_F(LedgerRulesTest, BalanceMaxLimitsWhatAnAccountMayHold) {
  CreateAccount kiosk = NewAccount("mch:kiosk", kBunji, "food");
  kiosk.balance_max = 10'000;
  CreateAccount dan = NewAccount("res:dan");
  dan.balance_max = 500;
  ASSERT_TRUE(town.RunOk(kiosk));
  ASSERT_TRUE(town.RunOk(dan));
  Fund(kAlice, 20'000);
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, "mch:kiosk", 10'001), ResultCode::kBalanceLimitExceeded));
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, "mch:kiosk", 10'000)));
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, "mch:kiosk", 1), ResultCode::kBalanceLimitExceeded));
  EXPECT_TRUE(town.RunRejected(town.Issue("res:dan", 501), ResultCode::kBalanceLimitExceeded));
  EXPECT_TRUE(town.RunOk(town.Issue("res:dan", 500)));
}

TEST_F(LedgerRulesTest, CashBackUnderAProgrammeIsProgrammeMoneyForThePayer) {
  ProgramRules rules = RulesFor(kBusinesses, 30 * kDay);
  rules.cashback_bps = 500;
  ASSERT_TRUE(town.RunOk(NewProgram("cashback", 10'000, rules)));
  Fund(kAlice, 10'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 2'000, "cashback");
  CommandResult result = town.Run(pay);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 100);
  const Lot cash_back{"cashback", kMarch1 + 31 * kDay, 100};
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(cash_back, Free(8'000)));
  EXPECT_EQ(town.Balance(kBakery), 2'000);
  EXPECT_EQ(town.Currency(kBunji).issued, 10'100);
  EXPECT_EQ(town.Program("cashback").budget_left(), 9'900);
  EXPECT_EQ(town.Record(pay.id).incentive, 100);

  // 5% of 50 is 2.5 -> 2; of 70 is 3.5 -> 4. The cash-back lot is spent first: 50 of
  // it, then its remaining 52 and 18 of free money.
  EXPECT_EQ(town.Run(town.Pay(kAlice, kBakery, 50, "cashback")).incentive, 2);
  EXPECT_EQ(town.Run(town.Pay(kAlice, kBakery, 70, "cashback")).incentive, 4);
  EXPECT_THAT(town.Account(kAlice).lots,
              ElementsAre(Lot{"cashback", kMarch1 + 31 * kDay, 4}, Free(7'982)));

  ProgramRules food = rules;
  food.payee_sectors = {"food"};
  ASSERT_TRUE(town.RunOk(NewProgram("cb-food", 10'000, food)));
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, kHardware, 100, "cb-food"), ResultCode::kPayeeNotEligible));
}

// --- Rule versions. ---

TEST_F(LedgerRulesTest, ATransferIsJudgedByTheRulesInForceAtItsTime) {
  Fund(kAlice, 1'000, kFreshFood);
  ProgramRules wider = FreshFoodRules();
  wider.payee_sectors = {"food", "tools"};
  wider.effective_at = kOpening + 5 * kDay;
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, wider}));
  ProgramRules narrower = FreshFoodRules();
  narrower.payee_sectors = {"tools"};
  narrower.effective_at = kOpening + 10 * kDay;
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, narrower}));
  ASSERT_EQ(town.Program(kFreshFood).versions.size(), 3u);

  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kHardware, 100), ResultCode::kPayeeNotEligible));
  town.SetTime(kOpening + 5 * kDay - 1);
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kHardware, 100), ResultCode::kPayeeNotEligible));
  town.SetTime(kOpening + 5 * kDay);
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kHardware, 100)));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 100)));
  town.SetTime(kOpening + 10 * kDay);
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 100), ResultCode::kPayeeNotEligible));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kHardware, 100)));

  ProgramRules past = FreshFoodRules();
  past.effective_at = kOpening + 5 * kDay;
  EXPECT_TRUE(
      town.RunRejected(SetProgramRules{kFreshFood, past}, ResultCode::kEffectiveTimeInPast));
}

TEST_F(LedgerRulesTest, AnIncentiveFollowsTheBonusInForce) {
  ProgramRules doubled = FreshFoodRules();
  doubled.bonus_bps = 2'000;
  doubled.effective_at = kOpening + kDay;
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, doubled}));
  EXPECT_EQ(town.Run(town.TopUp(kAlice, 1'000, kFreshFood)).incentive, 100);
  town.Advance(kDay);
  EXPECT_EQ(town.Run(town.TopUp(kAlice, 1'000, kFreshFood)).incentive, 200);
}

// --- Idempotency. ---

TEST_F(LedgerRulesTest, SameIdSameBodyReturnsTheFirstResult) {
  Fund(kAlice, 1'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 400);
  CommandResult first = town.Run(pay);
  ASSERT_EQ(first.code, ResultCode::kOk);
  EXPECT_FALSE(first.duplicate);
  town.Advance(kHour);
  Snapshot before = town.Snap();
  CommandResult again = town.Run(pay);
  EXPECT_EQ(again.code, ResultCode::kOk);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(again.timestamp, first.timestamp);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");
  EXPECT_EQ(town.Balance(kAlice), 600);

  // In the same batch, the second copy is the duplicate.
  TransferRequest twice = town.Pay(kAlice, kBakery, 100);
  std::vector<CommandResult> results = town.Apply({twice, twice});
  EXPECT_EQ(results[0].code, ResultCode::kOk);
  EXPECT_FALSE(results[0].duplicate);
  EXPECT_TRUE(results[1].duplicate);
  EXPECT_EQ(results[1].seq, results[0].seq);
  EXPECT_EQ(town.Balance(kAlice), 500);
}

TEST_F(LedgerRulesTest, SameIdDifferentBodyIsRefused) {
  Fund(kAlice, 1'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 400);
  ASSERT_TRUE(town.RunOk(pay));
  TransferRequest changed = pay;
  changed.amount = 500;
  EXPECT_TRUE(town.RunRejected(changed, ResultCode::kDuplicateIdDifferentBody));
  changed = pay;
  changed.memo = "different";
  EXPECT_TRUE(town.RunRejected(changed, ResultCode::kDuplicateIdDifferentBody));
  changed = pay;
  changed.to = kCafe;
  EXPECT_TRUE(town.RunRejected(changed, ResultCode::kDuplicateIdDifferentBody));
  // The first record is untouched.
  EXPECT_EQ(town.Record(pay.id).request, pay);
}

TEST_F(LedgerRulesTest, AFailedTransfersRetryReturnsTheSameFailure) {
  TransferRequest pay = town.Pay(kAlice, kBakery, 5'000);
  EXPECT_TRUE(town.RunRejected(pay, ResultCode::kInsufficientFunds));
  Fund(kAlice, 10'000);
  Snapshot before = town.Snap();
  CommandResult retry = town.Run(pay);
  EXPECT_EQ(retry.code, ResultCode::kInsufficientFunds);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.seq, 0u);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");
}

// --- Linked groups. ---

TEST_F(LedgerRulesTest, LinkedGroupIsAllOrNothing) {
  Fund(kAlice, 1'000);
  Fund(kBob, 100);
  TransferRequest first = town.Pay(kAlice, kBakery, 500);
  first.linked = true;
  TransferRequest second = town.Pay(kAlice, kCafe, 300);
  second.linked = true;
  TransferRequest third = town.Pay(kBob, kBakery, 200);  // Bob has only 100.
  Snapshot before = town.Snap();
  std::vector<CommandResult> results = town.Apply({first, second, third});
  EXPECT_EQ(results[0].code, ResultCode::kLinkedEventFailed);
  EXPECT_EQ(results[1].code, ResultCode::kLinkedEventFailed);
  EXPECT_EQ(results[2].code, ResultCode::kInsufficientFunds);
  for (const CommandResult& result : results) EXPECT_EQ(result.seq, 0u);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");
  EXPECT_EQ(town.Record(first.id).result, ResultCode::kLinkedEventFailed);

  // A retry of the same group gets the same answers.
  results = town.Apply({first, second, third});
  EXPECT_EQ(results[0].code, ResultCode::kLinkedEventFailed);
  EXPECT_EQ(results[2].code, ResultCode::kInsufficientFunds);
  EXPECT_TRUE(results[0].duplicate);
  EXPECT_TRUE(results[2].duplicate);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");

  // When the first member fails, the others are not applied either.
  TransferRequest broke = town.Pay(kBob, kBakery, 101);
  broke.linked = true;
  TransferRequest fine = town.Pay(kAlice, kBakery, 100);
  results = town.Apply({broke, fine});
  EXPECT_EQ(results[0].code, ResultCode::kInsufficientFunds);
  EXPECT_EQ(results[1].code, ResultCode::kLinkedEventFailed);
  EXPECT_EQ(DescribeChanges(before, town.Snap()), "");

  // A group that succeeds applies every member.
  TransferRequest a = town.Pay(kAlice, kBakery, 500);
  a.linked = true;
  TransferRequest b = town.Pay(kBob, kBakery, 100);
  results = town.Apply({a, b});
  EXPECT_EQ(results[0].code, ResultCode::kOk);
  EXPECT_EQ(results[1].code, ResultCode::kOk);
  EXPECT_EQ(results[1].seq, results[0].seq + 1);
  EXPECT_EQ(town.Balance(kAlice), 500);
  EXPECT_EQ(town.Balance(kBob), 0);
  EXPECT_EQ(town.Balance(kBakery), 600);
}

TEST_F(LedgerRulesTest, LinkedGroupLeftOpenIsNotApplied) {
  Fund(kAlice, 1'000);
  TransferRequest open = town.Pay(kAlice, kBakery, 500);
  open.linked = true;
  EXPECT_TRUE(town.RunRejected(open, ResultCode::kLinkedGroupOpen));
  // A group cut short by a command that is not a transfer is open too; the command runs.
  TransferRequest cut = town.Pay(kAlice, kBakery, 500);
  cut.linked = true;
  std::vector<CommandResult> results =
      town.Apply({cut, SetResearchConsent{kAlice, true}, town.Pay(kAlice, kCafe, 10)});
  EXPECT_EQ(results[0].code, ResultCode::kLinkedGroupOpen);
  EXPECT_EQ(results[1].code, ResultCode::kOk);
  EXPECT_EQ(results[2].code, ResultCode::kOk);
  EXPECT_TRUE(town.Account(kAlice).research_consent);
  EXPECT_EQ(town.Balance(kAlice), 990);
}

}  // namespace
}  // namespace kyoso::unit
