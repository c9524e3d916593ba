// Ledger rules: redemption, cash-out, exchange, mutual credit, demurrage,
// corrections, and the bounds that keep amounts inside int64.
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

// --- Redemption. ---

TEST_F(LedgerRulesTest, RedeemBurnsTheNetAndPaysTheFeeHalfEven) {
  Fund(kAlice, 1'000);
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 1'000)));
  TransferRequest redeem = town.Redeem(kBakery, 100);
  CommandResult result = town.Run(redeem);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 2);  // 2.5 -> 2
  EXPECT_EQ(result.settled, 98);
  EXPECT_EQ(town.Balance(kBakery), 900);
  EXPECT_EQ(town.Balance(kFees), 2);
  EXPECT_EQ(town.Currency(kBunji).burned, 98);
  EXPECT_EQ(town.Currency(kBunji).reserve, 902);
  EXPECT_EQ(town.Record(redeem.id).settled, 98);

  result = town.Run(town.Redeem(kBakery, 140));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 4);  // 3.5 -> 4
  EXPECT_EQ(result.settled, 136);
  EXPECT_EQ(town.Balance(kBakery), 760);
  EXPECT_EQ(town.Balance(kFees), 6);
  EXPECT_EQ(town.Currency(kBunji).burned, 234);
  EXPECT_EQ(town.Currency(kBunji).reserve, 766);

  EXPECT_TRUE(town.RunRejected(town.Redeem(kBakery, 761), ResultCode::kInsufficientFunds));
  Fund(kAlice, 100);
  EXPECT_TRUE(town.RunRejected(town.Redeem(kAlice, 100), ResultCode::kPayerNotAllowed));
  EXPECT_TRUE(town.RunRejected(town.Redeem(kBakery, 100, kFees), ResultCode::kAccountKindMismatch));
}

TEST_F(LedgerRulesTest, ProgrammeMoneyIsRedeemableOnlyByItsRedeemers) {
  ProgramRules rules = RulesFor(kBusinesses);
  rules.redeemer_kinds = KindBit(AccountKind::kProducer);
  ASSERT_TRUE(town.RunOk(NewProgram("farm-gate", 10'000, rules)));
  Fund(kAlice, 1'000, "farm-gate");
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 1'000)));
  EXPECT_TRUE(town.RunRejected(town.Redeem(kBakery, 500), ResultCode::kNotRedeemable));
  ASSERT_TRUE(town.RunOk(town.Purchase(kBakery, kFarm, 1'000)));
  CommandResult result = town.Run(town.Redeem(kFarm, 500));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 12);  // 12.5 -> 12
  EXPECT_EQ(result.settled, 488);
  EXPECT_THAT(town.Account(kFees).lots, ElementsAre(Lot{"farm-gate", kNever, 12}));
  EXPECT_EQ(town.Balance(kFarm), 500);
}

TEST_F(LedgerRulesTest, MutualCreditCannotBeRedeemedOrCashedOut) {
  SetUpTime();
  ASSERT_TRUE(town.RunOk(town.Pay("res:ann.t", "mch:garden.t", 300)));
  EXPECT_TRUE(
      town.RunRejected(town.Redeem("mch:garden.t", 100, "iss:time"), ResultCode::kNotBacked));
  EXPECT_TRUE(town.RunRejected(town.CashOut("res:ann.t", 100, "iss:time"), ResultCode::kNotBacked));
}

// --- Cash-out. ---

TEST_F(LedgerRulesTest, CashOutClawsBackTheIncentiveOnUnspentMoney) {
  ASSERT_EQ(town.Run(town.TopUp(kAlice, 100'000, kFreshFood)).incentive, 10'000);
  // The 10,000 bonus lot is drawn first, then 40,000 of the top-up.
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 50'000)));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Free(60'000)));
  EXPECT_THAT(town.Account(kBakery).lots, ElementsAre(Fresh(10'000), Free(40'000)));
  // Spent money has earned its incentive: 60,000 unspent principal carries 6,000.
  EXPECT_EQ(Usage(kAlice, kFreshFood).topup_outstanding, 60'000);
  EXPECT_EQ(Usage(kAlice, kFreshFood).incentive_outstanding, 6'000);

  TransferRequest cash_out = town.CashOut(kAlice, 60'000);
  CommandResult result = town.Run(cash_out);
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 6'000);
  EXPECT_EQ(result.settled, 54'000);
  EXPECT_THAT(town.Account(kAlice).lots, IsEmpty());
  EXPECT_EQ(Usage(kAlice, kFreshFood).topup_outstanding, 0);
  EXPECT_EQ(Usage(kAlice, kFreshFood).incentive_outstanding, 0);
  const ledger::Currency& bunji = town.Currency(kBunji);
  EXPECT_EQ(bunji.issued, 110'000);
  EXPECT_EQ(bunji.burned, 60'000);
  EXPECT_EQ(bunji.reserve, 110'000 - 54'000);
  EXPECT_EQ(town.Program(kFreshFood).returned, 6'000);
  EXPECT_EQ(town.Program(kFreshFood).budget_left(), 996'000);
  ledger::TransferRecord record = town.Record(cash_out.id);
  EXPECT_EQ(record.incentive, 6'000);
  EXPECT_EQ(record.settled, 54'000);
}

TEST_F(LedgerRulesTest, CashOutClawbackRoundsHalfEven) {
  ASSERT_EQ(town.Run(town.TopUp(kAlice, 1'000, kFreshFood)).incentive, 100);
  CommandResult result = town.Run(town.CashOut(kAlice, 15));  // 100 * 15/1000 = 1.5 -> 2
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.incentive, 2);
  EXPECT_EQ(result.settled, 13);
  EXPECT_EQ(Usage(kAlice, kFreshFood).topup_outstanding, 985);
  EXPECT_EQ(Usage(kAlice, kFreshFood).incentive_outstanding, 98);
  result = town.Run(town.CashOut(kAlice, 5));  // 98 * 5/985 = 0.497 -> 0
  EXPECT_EQ(result.incentive, 0);
  EXPECT_EQ(result.settled, 5);
  result = town.Run(town.CashOut(kAlice, 25));  // 98 * 25/980 = 2.5 -> 2
  EXPECT_EQ(result.incentive, 2);
  EXPECT_EQ(result.settled, 23);
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(100), Free(955)));
  EXPECT_EQ(town.Program(kFreshFood).returned, 4);
}

TEST_F(LedgerRulesTest, CashOutOnlyOfFreeMoneyWhereTheProgrammeAllows) {
  ProgramRules rules = FreshFoodRules();
  rules.cash_out_allowed = false;
  ASSERT_TRUE(town.RunOk(NewProgram("no-cash", 100'000, rules)));
  ASSERT_TRUE(town.RunOk(town.TopUp(kAlice, 1'000, "no-cash")));
  EXPECT_TRUE(town.RunRejected(town.CashOut(kAlice, 100), ResultCode::kCashOutNotAllowed));
  // Programme money was never national money.
  Fund(kBob, 1'000, kFreshFood);
  EXPECT_TRUE(town.RunRejected(town.CashOut(kBob, 100), ResultCode::kCashOutNotAllowed));
  Fund(kBob, 50);
  EXPECT_TRUE(town.RunRejected(town.CashOut(kBob, 51), ResultCode::kCashOutNotAllowed));
  EXPECT_TRUE(town.RunOk(town.CashOut(kBob, 50)));
  EXPECT_TRUE(town.RunRejected(town.CashOut(kBob, 1), ResultCode::kCashOutNotAllowed));
  Fund(kBakery, 100);
  EXPECT_TRUE(town.RunRejected(town.CashOut(kBakery, 100), ResultCode::kPayerNotAllowed));
  Fund("res:bob", 10);
  EXPECT_TRUE(town.RunRejected(town.CashOut(kBob, 100), ResultCode::kCashOutNotAllowed));
  ASSERT_TRUE(town.RunOk(NewAccount("res:carol")));
  Fund("res:carol", 10);
  EXPECT_TRUE(town.RunRejected(town.CashOut("res:carol", 11), ResultCode::kInsufficientFunds));
}

// --- Exchange. ---

TEST_F(LedgerRulesTest, ExchangeGoesThroughClearingAccountsAtTheRateInForce) {
  SetUpHana();
  Fund(kAlice, 5'000);
  ASSERT_TRUE(town.RunOk(town.Issue("xch:hana", 2'000, "", "iss:hana")));
  town.Advance(kSecond);
  const TimeNs start = town.time();
  std::vector<CommandResult> results = town.Apply({
      SetExchangeRate{ExchangeRate{kBunji, "HANA", start, Rational{3, 2}, 100}},
      SetExchangeRate{ExchangeRate{kBunji, "HANA", start + kDay, Rational{1, 2}, 0}},
  });
  ASSERT_EQ(results[0].code, ResultCode::kOk);
  ASSERT_EQ(results[1].code, ResultCode::kOk);

  CommandResult result = town.Run(town.Exchange(kAlice, "res:alice.h", 1'000));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 10);
  EXPECT_EQ(result.credited, 1'485);  // 990 * 3/2
  EXPECT_EQ(town.Balance(kAlice), 4'000);
  EXPECT_EQ(town.Balance(kFees), 10);
  EXPECT_EQ(town.Balance("xch:bunji"), 990);
  EXPECT_EQ(town.Balance("xch:hana"), 515);
  EXPECT_EQ(town.Balance("res:alice.h"), 1'485);
  // The payer's history shows one line for the whole amount, fee included.
  auto page = town.get().History(kAlice, HistoryQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->entries[0].kind, TransferKind::kExchange);
  EXPECT_EQ(page->entries[0].delta, -1'000);
  EXPECT_EQ(page->entries[0].balance_after, 4'000);

  // The clearing account pays out only what it has.
  EXPECT_TRUE(
      town.RunRejected(town.Exchange(kAlice, "res:alice.h", 400), ResultCode::kInsufficientFunds));
  result = town.Run(town.Exchange(kAlice, "res:alice.h", 300));  // 297 * 3/2 = 445.5 -> 446
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 3);
  EXPECT_EQ(result.credited, 446);
  EXPECT_EQ(town.Balance("xch:hana"), 69);

  // The next day's rate: 1/2 and no fee, half-even.
  town.Advance(kDay);
  EXPECT_EQ(town.Run(town.Exchange(kAlice, "res:alice.h", 7)).credited, 4);  // 3.5
  EXPECT_EQ(town.Run(town.Exchange(kAlice, "res:alice.h", 5)).credited, 2);  // 2.5
  EXPECT_TRUE(
      town.RunRejected(town.Exchange(kAlice, "res:alice.h", 1), ResultCode::kAmountNotPositive));
  EXPECT_EQ(town.Balance("xch:hana"), 63);
  EXPECT_EQ(town.Balance(kFees), 13);

  // No rate the other way; a rate only in the future is missing too.
  EXPECT_TRUE(
      town.RunRejected(town.Exchange("res:alice.h", kAlice, 100), ResultCode::kRateMissing));
  ASSERT_TRUE(town.RunOk(
      SetExchangeRate{ExchangeRate{"HANA", kBunji, town.time() + kDay, Rational{2, 3}, 0}}));
  EXPECT_TRUE(
      town.RunRejected(town.Exchange("res:alice.h", kAlice, 100), ResultCode::kRateMissing));
  EXPECT_TRUE(town.RunRejected(town.Exchange(kAlice, kBob, 100), ResultCode::kCurrencyMismatch));
  EXPECT_TRUE(
      town.RunRejected(town.Exchange(kFees, "res:alice.h", 100), ResultCode::kPayerNotAllowed));
}

TEST_F(LedgerRulesTest, ExchangeRatesAreValidated) {
  SetUpHana();
  TimeNs at = town.time() + kDay;
  auto rate_now = [&] { return town.get().RateAt(kBunji, "HANA", at); };
  EXPECT_TRUE(town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, kBunji, at, {1, 1}, 0}},
                               ResultCode::kSameAccount));
  EXPECT_TRUE(town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, "NOPE", at, {1, 1}, 0}},
                               ResultCode::kCurrencyNotFound));
  EXPECT_TRUE(town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, "HANA", at, {0, 1}, 0}},
                               ResultCode::kInvalidRate));
  EXPECT_TRUE(town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, "HANA", at, {1, 0}, 0}},
                               ResultCode::kInvalidRate));
  EXPECT_TRUE(town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, "HANA", at, {1, 1}, 10'001}},
                               ResultCode::kInvalidRate));
  EXPECT_TRUE(
      town.RunRejected(SetExchangeRate{ExchangeRate{kBunji, "HANA", town.time() - 1, {1, 1}, 0}},
                       ResultCode::kEffectiveTimeInPast));
  EXPECT_EQ(rate_now(), std::nullopt);
  ASSERT_TRUE(town.RunOk(SetExchangeRate{ExchangeRate{kBunji, "HANA", at, {1, 1}, 0}}));
  EXPECT_EQ(rate_now()->rate, (Rational{1, 1}));
  EXPECT_EQ(town.get().RateAt(kBunji, "HANA", at - 1), std::nullopt);
}

// A client cannot know the ledger time in advance: effective time 0 means "when applied".
TEST_F(LedgerRulesTest, EffectiveNowTakesTheLedgerTime) {
  ProgramRules rules = FreshFoodRules();
  rules.effective_at = ledger::kEffectiveNow;
  rules.bonus_bps = 1'234;
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, rules}));
  const ProgramRules* in_force = town.Program(kFreshFood).RulesAt(town.time());
  ASSERT_NE(in_force, nullptr);
  EXPECT_EQ(in_force->bonus_bps, 1'234);
  EXPECT_GE(in_force->effective_at, town.time());

  SetUpHana();
  ASSERT_TRUE(
      town.RunOk(SetExchangeRate{ExchangeRate{kBunji, "HANA", ledger::kEffectiveNow, {2, 1}, 0}}));
  std::optional<ExchangeRate> rate = town.get().RateAt(kBunji, "HANA", town.time());
  ASSERT_TRUE(rate.has_value());
  EXPECT_EQ(rate->rate, (Rational{2, 1}));
  EXPECT_GE(rate->effective_at, town.time());
}

// --- Mutual credit. ---

TEST_F(LedgerRulesTest, MutualCreditGoesBelowZeroWithinTheLimitAndSumsToZero) {
  SetUpTime();
  EXPECT_FALSE(town.Currency("TIME").backed());
  ASSERT_TRUE(town.RunOk(town.Pay("res:ann.t", "mch:garden.t", 300)));
  EXPECT_EQ(town.Balance("res:ann.t"), -300);
  EXPECT_EQ(town.Balance("mch:garden.t"), 300);
  EXPECT_TRUE(
      town.RunRejected(town.Pay("res:ann.t", "mch:garden.t", 201), ResultCode::kInsufficientFunds));
  ASSERT_TRUE(town.RunOk(town.Pay("res:ann.t", "mch:garden.t", 200)));
  EXPECT_EQ(town.Balance("res:ann.t"), -500);
  ASSERT_TRUE(town.RunOk(town.Purchase("mch:garden.t", "prd:mill.t", 800)));
  EXPECT_EQ(town.Balance("mch:garden.t"), -300);
  EXPECT_EQ(town.Balance("prd:mill.t"), 800);
  EXPECT_TRUE(town.RunRejected(town.Purchase("mch:garden.t", "prd:mill.t", 201),
                               ResultCode::kInsufficientFunds));
  EXPECT_EQ(town.Currency("TIME").issued, 0);
  EXPECT_EQ(town.Currency("TIME").burned, 0);
  EXPECT_EQ(town.Balance("res:ann.t") + town.Balance("mch:garden.t") + town.Balance("prd:mill.t"),
            0);
  // Paying back moves the debtor towards zero.
  ASSERT_TRUE(town.RunOk(town.Purchase("prd:mill.t", "mch:garden.t", 800)));
  EXPECT_EQ(town.Balance("mch:garden.t"), 500);
}

// --- Demurrage. ---

TEST_F(LedgerRulesTest, DemurrageChargesPositiveBalancesOncePerPeriod) {
  CreateCurrency seed = CurrencyNamed("SEED", "KRW");
  seed.demurrage_rate = Rational{1, 100};
  seed.demurrage_period_ns = 30 * kDay;
  std::vector<CommandResult> results =
      town.Apply({seed, NewAccount("res:sam.s", "SEED"), NewAccount("res:tia.s", "SEED"),
                  NewAccount("mch:shop.s", "SEED")});
  for (const CommandResult& result : results) ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(town.Currency("SEED").demurrage_next_at, kOpening + 30 * kDay);
  ASSERT_TRUE(town.RunOk(town.Issue("res:sam.s", 1'050, "", "iss:seed")));
  ASSERT_TRUE(town.RunOk(town.Issue("res:tia.s", 150, "", "iss:seed")));

  town.SetTime(kOpening + 29 * kDay);
  town.Run(Tick{});
  EXPECT_EQ(town.Currency("SEED").burned, 0);

  town.SetTime(kOpening + 30 * kDay);
  town.Run(Tick{});
  EXPECT_EQ(town.Balance("res:sam.s"), 1'040);  // 10.5 -> 10
  EXPECT_EQ(town.Balance("res:tia.s"), 148);    // 1.5 -> 2
  EXPECT_EQ(town.Balance("iss:seed"), 0);
  EXPECT_EQ(town.Currency("SEED").burned, 12);
  EXPECT_EQ(town.Currency("SEED").demurrage_next_at, kOpening + 60 * kDay);
  town.Advance(kHour);
  town.Run(Tick{});
  EXPECT_EQ(town.Currency("SEED").burned, 12);

  // Two periods caught up by one tick.
  town.SetTime(kOpening + 90 * kDay);
  town.Run(Tick{});
  EXPECT_EQ(town.Balance("res:sam.s"), 1'020);  // 10.4 -> 10, then 10.3 -> 10
  EXPECT_EQ(town.Balance("res:tia.s"), 146);    // 1.48 -> 1, then 1.47 -> 1
  EXPECT_EQ(town.Currency("SEED").burned, 34);
  EXPECT_EQ(town.Currency("SEED").demurrage_next_at, kOpening + 120 * kDay);
  auto page = town.get().History("res:sam.s", HistoryQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->entries[0].kind, TransferKind::kDemurrage);
  EXPECT_EQ(page->entries[0].delta, -10);
  // BUNJI has no demurrage.
  EXPECT_EQ(town.Currency(kBunji).burned, 0);
}

// --- Corrections. ---

TEST_F(LedgerRulesTest, CorrectionsNeedAMemoAndReachFrozenAccounts) {
  Fund(kAlice, 1'000, kFreshFood);
  EXPECT_TRUE(
      town.RunRejected(town.Correction(kAlice, kHardware, 300, ""), ResultCode::kMemoRequired));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kAlice, AccountStatus::kFrozen}));
  // Eligibility does not bind an operator's correction.
  TransferRequest fix = town.Correction(kAlice, kHardware, 300, "paid the wrong shop");
  ASSERT_TRUE(town.RunOk(fix));
  EXPECT_THAT(town.Account(kAlice).lots, ElementsAre(Fresh(700)));
  EXPECT_THAT(town.Account(kHardware).lots, ElementsAre(Fresh(300)));
  EXPECT_EQ(town.Record(fix.id).request.kind, TransferKind::kCorrection);
  EXPECT_TRUE(town.RunRejected(town.Correction(kAlice, kHardware, 701, "too much"),
                               ResultCode::kInsufficientFunds));
  EXPECT_TRUE(
      town.RunRejected(town.Correction(kAlice, kAlice, 1, "self"), ResultCode::kSameAccount));
  EXPECT_TRUE(town.RunRejected(town.Correction(kAlice, "res:nobody", 1, "who"),
                               ResultCode::kAccountNotFound));
}

// --- Bounds and overflow. ---

TEST_F(LedgerRulesTest, AnAccountHoldsAtMostTheLotBound) {
  std::vector<Command> programmes;
  for (int i = 0; i <= 32; ++i) {
    programmes.push_back(NewProgram("p" + std::to_string(i), 1'000, RulesFor(kBusinesses)));
  }
  for (const CommandResult& result : town.Apply(programmes))
    ASSERT_EQ(result.code, ResultCode::kOk);
  for (int i = 0; i < 32; ++i) Fund(kAlice, 10, "p" + std::to_string(i));
  EXPECT_EQ(town.Account(kAlice).lots.size(), ledger::kLotsPerAccountMax);
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 10, "p32"), ResultCode::kLotsLimitExceeded));
  EXPECT_TRUE(town.RunOk(town.Issue(kAlice, 10, "p0")));  // Merges into its lot.
  EXPECT_EQ(town.Balance(kAlice), 330);
}

TEST_F(LedgerRulesTest, AmountsNearInt64MaxNeverWrap) {
  Fund(kAlice, kMax);
  EXPECT_EQ(town.Balance(kAlice), kMax);
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 1), ResultCode::kOverflow));
  EXPECT_TRUE(town.RunRejected(town.TopUp(kAlice, 1), ResultCode::kOverflow));
  Fund(kBob, kMax);
  EXPECT_EQ(town.Currency(kBunji).issued, Wide(kMax) * 2);
  EXPECT_TRUE(
      town.RunRejected(town.Correction(kBob, kAlice, 1, "overflow"), ResultCode::kOverflow));
  ASSERT_TRUE(town.RunOk(town.Pay(kBob, kBakery, kMax)));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 1), ResultCode::kOverflow));

  ASSERT_TRUE(town.RunOk(NewAccount("res:carol")));
  EXPECT_TRUE(town.RunRejected(town.TopUp("res:carol", kMax, kFreshFood), ResultCode::kOverflow));
  CreateAccount kiosk = NewAccount("mch:kiosk", kBunji, "food");
  kiosk.balance_max = kMax - 1;
  ASSERT_TRUE(town.RunOk(kiosk));
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, "mch:kiosk", kMax), ResultCode::kBalanceLimitExceeded));

  CommandResult result = town.Run(town.Redeem(kBakery, kMax));
  ASSERT_EQ(result.code, ResultCode::kOk);
  EXPECT_EQ(result.fee, 230'584'300'921'369'395);  // kMax * 250 / 10,000 = ...395.175
  EXPECT_EQ(result.settled, kMax - 230'584'300'921'369'395);
  EXPECT_EQ(town.Balance(kFees), 230'584'300'921'369'395);
}

}  // namespace
}  // namespace kyoso::unit
