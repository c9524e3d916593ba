// Ledger rules: administration (currencies, accounts, programmes) and the shape
// every transfer must have.
#include "ledger_rules_fixture.h"

namespace kyoso::unit {
namespace {

// --- Administration. ---

TEST_F(LedgerRulesTest, CreateCurrencyCreatesItsIssuerAndFeeAccounts) {
  EXPECT_EQ(town.Account(kIssuer).kind, AccountKind::kIssuerReserve);
  EXPECT_EQ(town.Account(kIssuer).currency, kBunji);
  EXPECT_EQ(town.Account(kFees).kind, AccountKind::kFeeIncome);
  const ledger::Currency& bunji = town.Currency(kBunji);
  EXPECT_EQ(bunji.backing, "KRW");
  EXPECT_TRUE(bunji.backed());
  EXPECT_EQ(bunji.redemption_fee_bps, 250);
  EXPECT_EQ(bunji.issuer_account, kIssuer);
  EXPECT_EQ(bunji.fee_account, kFees);
  EXPECT_EQ(bunji.issued, 0);
  EXPECT_EQ(bunji.demurrage_period_ns, 0);
}

TEST_F(LedgerRulesTest, CreateCurrencyRefusesDuplicatesAndInvalidFields) {
  EXPECT_TRUE(town.RunRejected(BunjiCurrency(), ResultCode::kCurrencyExists));
  CreateCurrency c = CurrencyNamed("HANA", "KRW");
  c.issuer_account = kIssuer;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kAccountExists));
  c = CurrencyNamed("HANA", "KRW");
  c.fee_account = kFees;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kAccountExists));

  EXPECT_TRUE(town.RunRejected(CurrencyNamed("HA", "KRW"), ResultCode::kInvalidCurrencyCode));
  EXPECT_TRUE(
      town.RunRejected(CurrencyNamed("HANAHANAH", "KRW"), ResultCode::kInvalidCurrencyCode));
  EXPECT_TRUE(town.RunRejected(CurrencyNamed("HANA", "krw"), ResultCode::kInvalidCurrencyCode));
  c = CurrencyNamed("hana", "KRW");
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidCurrencyCode));

  c = CurrencyNamed("HANA", "KRW");
  c.name = "";
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidName));
  c.name = "Hana\nwon";
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidName));
  c = CurrencyNamed("HANA", "KRW");
  c.scale = 9;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidScale));
  c.scale = -1;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidScale));
  c = CurrencyNamed("HANA", "KRW");
  c.redemption_fee_bps = 10'001;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidRate));
  c = CurrencyNamed("HANA", "KRW");
  c.demurrage_rate = Rational{2, 1};  // More than everything each period.
  c.demurrage_period_ns = 30 * kDay;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidRate));
  c.demurrage_rate = Rational{1, 100};
  c.demurrage_period_ns = 0;  // A rate needs a period.
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidRate));
  c = CurrencyNamed("HANA", "KRW");
  c.default_lot_validity_ns = -1;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidLimit));
  c = CurrencyNamed("HANA", "KRW");
  c.issuer_account = "res:hana";
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kAccountKindMismatch));
  c.issuer_account = "hana";
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidAccountId));
  EXPECT_EQ(town.get().FindCurrency("HANA"), nullptr);
}

TEST_F(LedgerRulesTest, CreateAccountTakesItsKindFromTheIdPrefix) {
  CreateAccount deli = NewAccount("mch:deli-7", kBunji, "food", "east");
  deli.balance_max = 1'000;
  deli.monthly_spend_cap = 500;
  deli.owner_key = std::string(32, 'k');
  deli.research_consent = true;
  CreateAccount clearing = NewAccount("xch:bunji", kBunji);
  clearing.credit_limit = 1'000;  // Clearing accounts may borrow even when backed.
  std::vector<CommandResult> results = town.Apply(
      {deli, NewAccount("prg:fresh", kBunji), NewAccount("opr:admin", kBunji), clearing});
  for (const CommandResult& result : results) EXPECT_EQ(result.code, ResultCode::kOk);
  const Account& account = town.Account("mch:deli-7");
  EXPECT_EQ(account.kind, AccountKind::kMerchant);
  EXPECT_EQ(account.sector, "food");
  EXPECT_EQ(account.district, "east");
  EXPECT_EQ(account.balance_max, 1'000);
  EXPECT_EQ(account.monthly_spend_cap, 500);
  EXPECT_EQ(account.owner_key, std::string(32, 'k'));
  EXPECT_TRUE(account.research_consent);
  EXPECT_EQ(account.status, AccountStatus::kActive);
  EXPECT_EQ(town.Account("prg:fresh").kind, AccountKind::kProgram);
  EXPECT_EQ(town.Account("opr:admin").kind, AccountKind::kOperator);
  EXPECT_EQ(town.Account("xch:bunji").kind, AccountKind::kExchangeClearing);
  EXPECT_EQ(town.Account("xch:bunji").credit_limit, 1'000);
  EXPECT_EQ(town.Account(kFarm).kind, AccountKind::kProducer);
  EXPECT_EQ(town.Account(kAlice).kind, AccountKind::kResident);
}

TEST_F(LedgerRulesTest, CreateAccountRefusesInvalidRequests) {
  EXPECT_TRUE(town.RunRejected(NewAccount("shop:x"), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(town.RunRejected(NewAccount("res:"), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(town.RunRejected(NewAccount("res:Carol"), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(town.RunRejected(NewAccount("carol"), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(
      town.RunRejected(NewAccount("res:" + std::string(61, 'c')), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(town.RunOk(NewAccount("res:" + std::string(60, 'c'))));  // 64 in all.
  EXPECT_TRUE(town.RunRejected(NewAccount("res:carol", "NOPE"), ResultCode::kCurrencyNotFound));
  EXPECT_TRUE(town.RunRejected(NewAccount(kAlice), ResultCode::kAccountExists));
  EXPECT_TRUE(town.RunRejected(NewAccount(kIssuer), ResultCode::kAccountExists));
  EXPECT_TRUE(
      town.RunRejected(NewAccount("res:carol", kBunji, "", "North"), ResultCode::kInvalidName));
  CreateAccount carol = NewAccount("res:carol");
  carol.credit_limit = 100;  // BUNJI is backed: no credit for wallets.
  EXPECT_TRUE(town.RunRejected(carol, ResultCode::kInvalidLimit));
  carol = NewAccount("res:carol");
  carol.balance_max = -1;
  EXPECT_TRUE(town.RunRejected(carol, ResultCode::kInvalidLimit));
  carol = NewAccount("res:carol");
  carol.monthly_spend_cap = -1;
  EXPECT_TRUE(town.RunRejected(carol, ResultCode::kInvalidLimit));
  carol = NewAccount("res:carol");
  carol.owner_key = std::string(31, 'k');
  EXPECT_TRUE(town.RunRejected(carol, ResultCode::kInvalidKey));
  carol.owner_key = std::string(33, 'k');
  EXPECT_TRUE(town.RunRejected(carol, ResultCode::kInvalidKey));
  carol.owner_key = std::string(32, 'k');
  EXPECT_TRUE(town.RunOk(carol));
}

TEST_F(LedgerRulesTest, FrozenAccountsNeitherPayNorGetPaid) {
  Fund(kAlice, 1'000);
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kAlice, AccountStatus::kFrozen}));
  EXPECT_EQ(town.Account(kAlice).status, AccountStatus::kFrozen);
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 100), ResultCode::kAccountFrozen));
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 100), ResultCode::kAccountFrozen));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kAlice, AccountStatus::kActive}));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kBakery, AccountStatus::kFrozen}));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 100), ResultCode::kAccountFrozen));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kBakery, AccountStatus::kActive}));
  EXPECT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 100)));
  EXPECT_EQ(town.Balance(kBakery), 100);
  EXPECT_TRUE(town.RunRejected(SetAccountStatus{"res:nobody", AccountStatus::kFrozen},
                               ResultCode::kAccountNotFound));
}

TEST_F(LedgerRulesTest, ClosingNeedsAnEmptyAccountAndIsFinal) {
  Fund(kAlice, 1'000);
  EXPECT_TRUE(town.RunRejected(SetAccountStatus{kAlice, AccountStatus::kClosed},
                               ResultCode::kAccountNotEmpty));
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 1'000)));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kAlice, AccountStatus::kClosed}));
  EXPECT_TRUE(town.RunRejected(town.Issue(kAlice, 100), ResultCode::kAccountClosed));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 1), ResultCode::kAccountClosed));
  EXPECT_TRUE(town.RunRejected(SetAccountStatus{kAlice, AccountStatus::kActive},
                               ResultCode::kAccountClosed));
  EXPECT_TRUE(town.RunRejected(town.Correction(kBakery, kAlice, 1, "reopen by the back door"),
                               ResultCode::kAccountClosed));
}

// Regression: money in a pending hold comes back to its payer, so an account whose
// money is all held is not empty; closing it stranded the money when the hold ended.
TEST_F(LedgerRulesTest, ClosingWaitsForPendingHolds) {
  Fund(kAlice, 1'000);
  TransferRequest hold = town.Hold(kAlice, kBakery, 1'000, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  EXPECT_THAT(town.Account(kAlice).lots, IsEmpty());
  EXPECT_TRUE(town.RunRejected(SetAccountStatus{kAlice, AccountStatus::kClosed},
                               ResultCode::kAccountNotEmpty));
  // Bob's account has no hold of its own: the bakery's incoming hold is not his.
  EXPECT_TRUE(town.RunOk(SetAccountStatus{kBob, AccountStatus::kClosed}));
  ASSERT_TRUE(town.RunOk(town.Post(hold, 1'000)));
  EXPECT_TRUE(town.RunOk(SetAccountStatus{kAlice, AccountStatus::kClosed}));
  EXPECT_EQ(town.Balance(kBakery), 1'000);
}

TEST_F(LedgerRulesTest, RotatingAResidentsKeyKeepsItsMoneyAndItsLots) {
  Fund(kAlice, 1'000);
  ASSERT_TRUE(town.RunOk(town.TopUp(kAlice, 500, kFreshFood)));
  Account before = town.Account(kAlice);
  std::string new_key(32, '\x42');
  ASSERT_NE(before.owner_key, new_key);
  ASSERT_TRUE(town.RunOk(RotateOwnerKey{kAlice, new_key}));
  Account after = town.Account(kAlice);
  EXPECT_EQ(after.owner_key, new_key);
  EXPECT_EQ(after.lots, before.lots);
  EXPECT_EQ(town.Balance(kAlice), 1'000 + 500 + 50);
  ASSERT_TRUE(town.RunOk(town.Pay(kAlice, kBakery, 100)));
  EXPECT_EQ(town.Balance(kBakery), 100);
}

TEST_F(LedgerRulesTest, OnlyAnOpenResidentsKeyRotatesAndOnlyToAKey) {
  EXPECT_TRUE(town.RunRejected(RotateOwnerKey{"res:nobody", std::string(32, 'k')},
                               ResultCode::kAccountNotFound));
  EXPECT_TRUE(town.RunRejected(RotateOwnerKey{kBakery, std::string(32, 'k')},
                               ResultCode::kAccountKindMismatch));
  EXPECT_TRUE(
      town.RunRejected(RotateOwnerKey{kAlice, std::string(31, 'k')}, ResultCode::kInvalidKey));
  EXPECT_TRUE(town.RunRejected(RotateOwnerKey{kAlice, ""}, ResultCode::kInvalidKey));
  // A frozen account (the usual first step when a device is lost) may rotate.
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kBob, AccountStatus::kFrozen}));
  EXPECT_TRUE(town.RunOk(RotateOwnerKey{kBob, std::string(32, 'k')}));
  ASSERT_TRUE(town.RunOk(SetAccountStatus{kBob, AccountStatus::kClosed}));
  EXPECT_TRUE(
      town.RunRejected(RotateOwnerKey{kBob, std::string(32, 'j')}, ResultCode::kAccountClosed));
}

TEST_F(LedgerRulesTest, ResearchConsentIsAFlagOnTheAccount) {
  EXPECT_FALSE(town.Account(kAlice).research_consent);
  ASSERT_TRUE(town.RunOk(SetResearchConsent{kAlice, true}));
  EXPECT_TRUE(town.Account(kAlice).research_consent);
  ASSERT_TRUE(town.RunOk(SetResearchConsent{kAlice, false}));
  EXPECT_FALSE(town.Account(kAlice).research_consent);
  EXPECT_TRUE(
      town.RunRejected(SetResearchConsent{"res:nobody", true}, ResultCode::kAccountNotFound));
}

TEST_F(LedgerRulesTest, CreateProgramValidatesItsFields) {
  EXPECT_TRUE(
      town.RunRejected(NewProgram("Bad Id", 1, FreshFoodRules()), ResultCode::kInvalidProgramId));
  EXPECT_TRUE(town.RunRejected(NewProgram("", 1, FreshFoodRules()), ResultCode::kInvalidProgramId));
  // The flows name money of no programme "free": a programme of that name would merge.
  EXPECT_TRUE(
      town.RunRejected(NewProgram("free", 1, FreshFoodRules()), ResultCode::kInvalidProgramId));
  CreateProgram c = NewProgram("market", 1, FreshFoodRules());
  c.name = "";
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidName));
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, FreshFoodRules(), "NOPE"),
                               ResultCode::kCurrencyNotFound));
  EXPECT_TRUE(
      town.RunRejected(NewProgram(kFreshFood, 1, FreshFoodRules()), ResultCode::kProgramExists));
  EXPECT_TRUE(
      town.RunRejected(NewProgram("market", -1, FreshFoodRules()), ResultCode::kInvalidLimit));
  c = NewProgram("market", 1, FreshFoodRules());
  c.valid_from = c.valid_until = kMarch1;
  EXPECT_TRUE(town.RunRejected(c, ResultCode::kInvalidWindow));
  ProgramRules rules = FreshFoodRules();
  rules.bonus_bps = 10'001;
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidRate));
  rules = FreshFoodRules();
  rules.cashback_bps = -1;
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidRate));
  rules = FreshFoodRules();
  rules.payee_sectors = {"Food"};
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidName));
  rules = FreshFoodRules();
  rules.payee_kinds = 1u << 8;
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidLimit));
  rules = FreshFoodRules();
  rules.lot_validity_ns = -1;
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidLimit));
  rules = FreshFoodRules();
  rules.resident_monthly_cap = -1;
  EXPECT_TRUE(town.RunRejected(NewProgram("market", 1, rules), ResultCode::kInvalidLimit));

  // The first version takes effect when the programme opens.
  c = NewProgram("market", 1, FreshFoodRules());
  c.valid_from = kMarch1 + 5 * kDay;
  c.rules.effective_at = 123;
  ASSERT_TRUE(town.RunOk(c));
  ASSERT_EQ(town.Program("market").versions.size(), 1u);
  EXPECT_EQ(town.Program("market").versions[0].effective_at, kMarch1 + 5 * kDay);
}

TEST_F(LedgerRulesTest, SetProgramRulesValidates) {
  ProgramRules rules = FreshFoodRules();
  rules.effective_at = town.time() + kDay;
  EXPECT_TRUE(town.RunRejected(SetProgramRules{"nope", rules}, ResultCode::kProgramNotFound));
  rules.effective_at = town.time() - 1;
  EXPECT_TRUE(
      town.RunRejected(SetProgramRules{kFreshFood, rules}, ResultCode::kEffectiveTimeInPast));
  rules.effective_at = town.time() + kDay;
  rules.bonus_bps = -5;
  EXPECT_TRUE(town.RunRejected(SetProgramRules{kFreshFood, rules}, ResultCode::kInvalidRate));
  rules = FreshFoodRules();
  rules.effective_at = town.time() + kDay;
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, rules}));
  rules.bonus_bps = 2'000;  // The same effective time replaces the version not yet in force.
  ASSERT_TRUE(town.RunOk(SetProgramRules{kFreshFood, rules}));
  ASSERT_EQ(town.Program(kFreshFood).versions.size(), 2u);
  EXPECT_EQ(town.Program(kFreshFood).versions[1].bonus_bps, 2'000);
}

// --- Transfer shape. ---

TEST_F(LedgerRulesTest, MalformedTransfersAreRefused) {
  Fund(kAlice, 1'000);
  TransferRequest pay = town.Pay(kAlice, kBakery, 100);
  pay.id = TransferId{};
  EXPECT_TRUE(town.RunRejected(pay, ResultCode::kInvalidTransferId));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 0), ResultCode::kAmountNotPositive));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, -5), ResultCode::kAmountNotPositive));
  pay = town.Pay(kAlice, kBakery, 100);
  pay.memo = std::string(ledger::kMemoLengthMax + 1, 'm');
  EXPECT_TRUE(town.RunRejected(pay, ResultCode::kMemoTooLong));
  pay = town.Pay(kAlice, kBakery, 100);
  pay.terminal = std::string(ledger::kTerminalIdLengthMax + 1, 't');
  EXPECT_TRUE(town.RunRejected(pay, ResultCode::kTerminalIdTooLong));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, "bakery", 100), ResultCode::kInvalidAccountId));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kBakery, 100, "Fresh Food"),
                               ResultCode::kInvalidProgramId));
  EXPECT_TRUE(
      town.RunRejected(town.Pay(kAlice, kBakery, 100, "no-such"), ResultCode::kProgramNotFound));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, kAlice, 100), ResultCode::kSameAccount));
  EXPECT_TRUE(town.RunRejected(town.Pay(kAlice, "mch:nobody", 100), ResultCode::kAccountNotFound));
  EXPECT_TRUE(town.RunRejected(town.Transfer(TransferKind::kRefund, kBakery, kAlice, 100),
                               ResultCode::kReferenceRequired));
  // Entries the ledger makes itself cannot be submitted.
  EXPECT_TRUE(town.RunRejected(town.Transfer(TransferKind::kExpiry, kAlice, kBakery, 100),
                               ResultCode::kPayerNotAllowed));
  EXPECT_TRUE(town.RunRejected(town.Transfer(TransferKind::kDemurrage, kAlice, kBakery, 100),
                               ResultCode::kPayerNotAllowed));
  EXPECT_EQ(town.Balance(kAlice), 1'000);
}

}  // namespace
}  // namespace kyoso::unit
