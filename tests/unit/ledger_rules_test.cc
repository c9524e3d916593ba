// The domain rules of the ledger (DESIGN.md §2-3), command by command. Every scenario
// ends with the conservation check: per currency, balances + held == issued - burned.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/lots.h"
#include "ledger_test_util.h"

namespace kyoso::unit {
namespace {

using ledger::Account;
using ledger::AccountKind;
using ledger::AccountStatus;
using ledger::CreateAccount;
using ledger::CreateCurrency;
using ledger::CreateProgram;
using ledger::ExchangeRate;
using ledger::HistoryQuery;
using ledger::HoldState;
using ledger::KindBit;
using ledger::kNever;
using ledger::Lot;
using ledger::ProgramRules;
using ledger::ProgramUsage;
using ledger::Rational;
using ledger::SetAccountStatus;
using ledger::SetExchangeRate;
using ledger::SetProgramRules;
using ledger::SetResearchConsent;
using ledger::Tick;
using ledger::TransferId;
using ledger::Wide;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr Amount kMax = std::numeric_limits<Amount>::max();
// Lots created on 1 March under a programme valid 90 days expire at this midnight.
constexpr TimeNs kFreshExpiry = kMarch1 + 91 * kDay;

Lot Free(Amount amount) {
  return Lot{"", kNever, amount};
}
Lot Fresh(Amount amount) {
  return Lot{kFreshFood, kFreshExpiry, amount};
}

ProgramRules RulesFor(ledger::AccountKindMask payees, TimeNs validity = 0) {
  ProgramRules rules;
  rules.payee_kinds = payees;
  rules.redeemer_kinds = kBusinesses;
  rules.lot_validity_ns = validity;
  rules.cash_out_allowed = true;
  return rules;
}

class LedgerRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { town.SetUpTown(); }
  void TearDown() override { EXPECT_THAT(town.ConservationViolations(), IsEmpty()); }

  // Issues free money to `to` and checks it worked.
  void Fund(const AccountId& to, Amount amount, const ProgramId& program = "") {
    ASSERT_TRUE(town.RunOk(town.Issue(to, amount, program)));
  }
  const ledger::ProgramUsage& Usage(const AccountId& account, const ProgramId& program) {
    for (const ProgramUsage& usage : town.Account(account).usage) {
      if (usage.program == program) return usage;
    }
    static const ProgramUsage kNone;
    ADD_FAILURE() << account << " has no usage of " << program;
    return kNone;
  }
  // A second backed currency, HANA, with a resident and the two clearing accounts.
  void SetUpHana() {
    std::vector<CommandResult> results = town.Apply({
        CurrencyNamed("HANA", "KRW"),
        NewAccount("res:alice.h", "HANA"),
        NewAccount("xch:bunji", kBunji),
        NewAccount("xch:hana", "HANA"),
    });
    for (const CommandResult& result : results) ASSERT_EQ(result.code, ResultCode::kOk);
  }
  // A mutual-credit currency TIME with members who may go 500 below zero.
  void SetUpTime() {
    CreateAccount ann = NewAccount("res:ann.t", "TIME");
    ann.credit_limit = 500;
    CreateAccount garden = NewAccount("mch:garden.t", "TIME", "food");
    garden.credit_limit = 500;
    CreateAccount mill = NewAccount("prd:mill.t", "TIME", "food");
    mill.credit_limit = 100;
    std::vector<CommandResult> results = town.Apply({CurrencyNamed("TIME", ""), ann, garden, mill});
    for (const CommandResult& result : results) ASSERT_EQ(result.code, ResultCode::kOk);
  }

  TestLedger town;
};

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

// --- Reads. ---

class LedgerReadsTest : public LedgerRulesTest {
 protected:
  // Five entries of alice, one an hour from the opening: +1000, -100, -200, -300, +50.
  void SetUp() override {
    LedgerRulesTest::SetUp();
    ids_.push_back(town.Issue(kAlice, 1'000));
    for (Amount amount : {100, 200, 300}) ids_.push_back(town.Pay(kAlice, kBakery, amount));
    ids_.push_back(town.Issue(kAlice, 50));
    for (size_t i = 0; i < ids_.size(); ++i) {
      town.SetTime(kOpening + static_cast<TimeNs>(i) * kHour);
      ASSERT_EQ(town.Run(ids_[i]).seq, i + 1);
    }
  }
  std::vector<uint64_t> Seqs(const ledger::HistoryPage& page) {
    std::vector<uint64_t> seqs;
    for (const auto& entry : page.entries) seqs.push_back(entry.seq);
    return seqs;
  }
  ledger::HistoryPage Page(const AccountId& account, HistoryQuery query) {
    auto page = town.get().History(account, query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : ledger::HistoryPage{};
  }
  std::vector<TransferRequest> ids_;
};

TEST_F(LedgerReadsTest, HistoryEntriesCarryTheMovement) {
  ledger::HistoryPage page = Page(kAlice, HistoryQuery{});
  ASSERT_EQ(page.entries.size(), 5u);
  EXPECT_EQ(page.next_cursor, 0u);
  const ledger::HistoryEntry& payment = page.entries[3];  // Newest first: seq 2.
  EXPECT_EQ(payment.seq, 2u);
  EXPECT_EQ(payment.account, kAlice);
  EXPECT_EQ(payment.timestamp, kOpening + kHour);
  EXPECT_EQ(payment.transfer, ids_[1].id);
  EXPECT_EQ(payment.kind, TransferKind::kPayment);
  EXPECT_EQ(payment.delta, -100);
  EXPECT_EQ(payment.balance_after, 900);
  std::vector<Amount> balances;
  for (const auto& entry : page.entries) balances.push_back(entry.balance_after);
  EXPECT_THAT(balances, ElementsAre(450, 400, 700, 900, 1'000));
  EXPECT_THAT(Seqs(Page(kBakery, HistoryQuery{})), ElementsAre(4, 3, 2));
}

TEST_F(LedgerReadsTest, HistoryPagesWithACursorBothWays) {
  HistoryQuery query;
  query.limit = 2;
  ledger::HistoryPage page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(5, 4));
  EXPECT_EQ(page.next_cursor, 3u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(3, 2));
  EXPECT_EQ(page.next_cursor, 1u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(1));
  EXPECT_EQ(page.next_cursor, 0u);

  query = HistoryQuery{};
  query.limit = 2;
  query.newest_first = false;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(1, 2));
  EXPECT_EQ(page.next_cursor, 3u);
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(3, 4));
  query.cursor = page.next_cursor;
  page = Page(kAlice, query);
  EXPECT_THAT(Seqs(page), ElementsAre(5));
  EXPECT_EQ(page.next_cursor, 0u);
}

TEST_F(LedgerReadsTest, HistoryByTimeWindow) {
  HistoryQuery query;
  query.from = kOpening + kHour;
  query.until = kOpening + 3 * kHour;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(4, 3, 2));
  query.newest_first = false;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(2, 3, 4));
  query.from = kOpening + kHour + 1;
  query.until = kOpening + 3 * kHour - 1;
  EXPECT_THAT(Seqs(Page(kAlice, query)), ElementsAre(3));
  query.from = kOpening + 10 * kHour;
  query.until = INT64_MAX;
  EXPECT_THAT(Seqs(Page(kAlice, query)), IsEmpty());
  query = HistoryQuery{};
  query.until = kOpening - 1;
  EXPECT_THAT(Seqs(Page(kAlice, query)), IsEmpty());

  query = HistoryQuery{};
  query.limit = 0;
  EXPECT_FALSE(town.get().History(kAlice, query).ok());
  query.limit = ledger::kHistoryPageMax + 1;
  EXPECT_FALSE(town.get().History(kAlice, query).ok());
  EXPECT_TRUE(town.get().History("res:nobody", HistoryQuery{}).status().IsNotFound());
}

TEST_F(LedgerReadsTest, BalancesAndSequenceNumbersInThePast) {
  auto at_seq = [&](const AccountId& account, uint64_t seq) {
    auto balance = town.get().BalanceAtSeq(account, seq);
    EXPECT_TRUE(balance.ok());
    return balance.ok() ? *balance : -1;
  };
  EXPECT_EQ(at_seq(kAlice, 0), 0);
  EXPECT_EQ(at_seq(kAlice, 1), 1'000);
  EXPECT_EQ(at_seq(kAlice, 3), 700);
  EXPECT_EQ(at_seq(kAlice, 5), 450);
  EXPECT_EQ(at_seq(kAlice, UINT64_MAX), 450);
  EXPECT_EQ(at_seq(kBakery, 1), 0);
  EXPECT_EQ(at_seq(kBakery, 3), 300);
  EXPECT_TRUE(town.get().BalanceAtSeq("res:nobody", 1).status().IsNotFound());

  auto last_seq_at = [&](TimeNs at) {
    auto seq = town.get().LastSeqAt(at);
    EXPECT_TRUE(seq.ok());
    return seq.ok() ? *seq : UINT64_MAX;
  };
  EXPECT_EQ(last_seq_at(kOpening - 1), 0u);
  EXPECT_EQ(last_seq_at(kOpening), 1u);
  EXPECT_EQ(last_seq_at(kOpening + 90 * 60 * kSecond), 2u);
  EXPECT_EQ(last_seq_at(kOpening + 4 * kHour), 5u);
  EXPECT_EQ(last_seq_at(INT64_MAX), 5u);

  auto at_time = [&](TimeNs at) {
    auto balance = town.get().BalanceAtTime(kAlice, at);
    EXPECT_TRUE(balance.ok());
    return balance.ok() ? *balance : -1;
  };
  EXPECT_EQ(at_time(kOpening - 1), 0);
  EXPECT_EQ(at_time(kOpening + 2 * kHour - 1), 900);
  EXPECT_EQ(at_time(kOpening + 2 * kHour), 700);
  EXPECT_EQ(at_time(kOpening + 100 * kHour), 450);
}

TEST_F(LedgerReadsTest, FindTransfer) {
  auto found = town.get().FindTransfer(ids_[2].id);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const ledger::TransferRecord& record = **found;
  EXPECT_EQ(record.request, ids_[2]);
  EXPECT_EQ(record.result, ResultCode::kOk);
  EXPECT_EQ(record.seq, 3u);
  EXPECT_EQ(record.timestamp, kOpening + 2 * kHour);
  EXPECT_EQ(record.currency, kBunji);
  EXPECT_THAT(record.lots, ElementsAre(Free(200)));
  auto missing = town.get().FindTransfer(TransferId{9, 9});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

// --- Batches, chain head, reopening. ---

TEST(LedgerBatchTest, StaleOrOversizedBatchesAreRefused) {
  TestLedger town;
  town.SetUpTown();
  ledger::Batch batch;
  batch.index = 1;  // Already applied by the set-up.
  batch.timestamp = kOpening;
  batch.commands = {Tick{}};
  EXPECT_FALSE(town.get().Apply(batch).ok());
  batch.index = 0;
  EXPECT_FALSE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 1u);
  batch.index = 2;
  batch.commands.assign(ledger::kBatchCommandsMax + 1, Tick{});
  EXPECT_FALSE(town.get().Apply(batch).ok());
  batch.commands = {Tick{}};
  EXPECT_TRUE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 2u);
  batch.index = 10;  // Gaps are fine; only order matters.
  EXPECT_TRUE(town.get().Apply(batch).ok());
  EXPECT_EQ(town.get().applied_index(), 10u);
}

// Feeds `town` a short fixed story; the transfer ids come from its own counter.
void Story(TestLedger& town, std::vector<ledger::ChainHead>* heads) {
  town.SetUpTown();
  heads->push_back(town.get().chain_head());
  for (int day = 0; day < 3; ++day) {
    town.Apply({town.TopUp(kAlice, 10'000, kFreshFood), town.Pay(kAlice, kBakery, 2'500 + day)});
    heads->push_back(town.get().chain_head());
    town.Advance(kDay);
    town.Apply({Tick{}, town.Redeem(kBakery, 1'000)});
    heads->push_back(town.get().chain_head());
  }
}

TEST(LedgerBatchTest, ChainHeadChangesEveryBatchAndIsDeterministic) {
  TestLedger a;
  TestLedger b;
  EXPECT_EQ(a.get().chain_head(), ledger::ChainHead{});
  std::vector<ledger::ChainHead> heads_a;
  std::vector<ledger::ChainHead> heads_b;
  Story(a, &heads_a);
  Story(b, &heads_b);
  EXPECT_EQ(heads_a, heads_b);
  std::set<ledger::ChainHead> distinct(heads_a.begin(), heads_a.end());
  EXPECT_EQ(distinct.size(), heads_a.size());
  EXPECT_NE(heads_a.front(), ledger::ChainHead{});
  // An empty batch still moves the head: it commits to the index and time.
  a.Apply({});
  EXPECT_NE(a.get().chain_head(), heads_a.back());

  // One different amount gives a different head from then on.
  TestLedger c;
  c.SetUpTown();
  EXPECT_EQ(c.get().chain_head(), heads_a[0]);
  c.Apply({c.TopUp(kAlice, 10'000, kFreshFood), c.Pay(kAlice, kBakery, 2'499)});
  EXPECT_NE(c.get().chain_head(), heads_a[1]);
}

TEST(LedgerBatchTest, ReopeningRestoresTheState) {
  TestLedger town;
  std::vector<ledger::ChainHead> heads;
  Story(town, &heads);
  TransferRequest hold = town.Hold(kAlice, kCafe, 100, kHour);
  ASSERT_TRUE(town.RunOk(hold));
  auto reopened = ledger::Ledger::Open(&town.store());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ledger::Ledger& again = **reopened;
  EXPECT_EQ(again.applied_index(), town.get().applied_index());
  EXPECT_EQ(again.chain_head(), town.get().chain_head());
  EXPECT_EQ(again.last_seq(), town.get().last_seq());
  EXPECT_EQ(again.last_timestamp(), town.get().last_timestamp());
  EXPECT_TRUE(again.currencies() == town.get().currencies());
  EXPECT_TRUE(again.programs() == town.get().programs());
  town.get().ForEachAccount([&](const Account& account) {
    const Account* loaded = again.FindAccount(account.id);
    ASSERT_NE(loaded, nullptr);
    EXPECT_TRUE(*loaded == account) << account.id;
  });
  // The pending hold expires after the reopen too.
  ledger::Batch tick{town.next_index(), town.time() + 2 * kHour, {Tick{}}};
  ASSERT_TRUE(again.Apply(tick).ok());
  EXPECT_EQ(BalanceOf(*again.FindAccount(kAlice)), BalanceOf(town.Account(kAlice)) + 100);
  EXPECT_EQ(again.FindCurrency(kBunji)->held, 0);
}

// A store whose writes or reads can be made to fail.
class FlakyStore final : public ledger::Store {
 public:
  ledger::Status Write(const ledger::WriteBatch& batch) override {
    if (fail_writes) return ledger::Status::IOError("disk full");
    return inner.Write(batch);
  }
  ledger::Status Get(ledger::Column column, std::string_view key,
                     std::string* value) const override {
    if (fail_reads) return ledger::Status::IOError("bad sector");
    return inner.Get(column, key, value);
  }
  ledger::Status Scan(ledger::Column column, std::string_view start, std::string_view end,
                      bool reverse, const ledger::ScanVisitor& visit) const override {
    return inner.Scan(column, start, end, reverse, visit);
  }

  ledger::MemoryStore inner;
  bool fail_writes = false;
  bool fail_reads = false;
};

TEST(LedgerStoreFailureTest, AFailedWriteLeavesTheStoreAtTheLastBatch) {
  FlakyStore store;
  auto opened = ledger::Ledger::Open(&store);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<ledger::Ledger> first = std::move(opened).value();
  TestLedger builder;  // Only for its command builders.
  auto apply = [](ledger::Ledger& target, uint64_t index, std::vector<Command> commands) {
    return target.Apply(ledger::Batch{index, kOpening, std::move(commands)});
  };
  ASSERT_TRUE(
      apply(*first, 1, {BunjiCurrency(), NewAccount(kAlice), NewAccount(kBakery, kBunji, "food")})
          .ok());
  ASSERT_TRUE(apply(*first, 2, {builder.Issue(kAlice, 1'000)}).ok());
  TransferRequest pay = builder.Pay(kAlice, kBakery, 400);

  store.fail_writes = true;
  EXPECT_FALSE(apply(*first, 3, {pay}).ok());
  store.fail_writes = false;
  // The ledger's memory ran ahead of the store: it refuses to go on.
  EXPECT_FALSE(apply(*first, 4, {Tick{}}).ok());

  opened = ledger::Ledger::Open(&store);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<ledger::Ledger> second = std::move(opened).value();
  EXPECT_EQ(second->applied_index(), 2u);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kAlice)), 1'000);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kBakery)), 0);
  auto retried = apply(*second, 3, {pay});
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->results[0].code, ResultCode::kOk);
  EXPECT_FALSE(retried->results[0].duplicate);
  EXPECT_EQ(BalanceOf(*second->FindAccount(kAlice)), 600);

  // A read failure while applying is an error too, never a silent "new transfer".
  store.fail_reads = true;
  EXPECT_FALSE(apply(*second, 4, {pay}).ok());
}

TEST(LedgerStoreFailureTest, AStoreOfANewerFormatIsRefused) {
  ledger::MemoryStore store;
  ledger::WriteBatch batch;
  batch.Put(ledger::Column::kMeta, ledger::keys::kFormat,
            std::string(1, static_cast<char>(ledger::kFormatVersion + 1)));
  ASSERT_TRUE(store.Write(batch).ok());
  EXPECT_FALSE(ledger::Ledger::Open(&store).ok());
}

}  // namespace
}  // namespace kyoso::unit
