// The fixture of the ledger's rule tests (DESIGN.md §2-3): a small town (see
// ledger_test_util.h) and the helpers the tests by area share. Every scenario ends with
// the conservation check: per currency, balances + held == issued - burned.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "kyoso/ledger/codec.h"
#include "kyoso/ledger/lots.h"
#include "ledger_test_util.h"

namespace kyoso::unit {

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
using ledger::RotateOwnerKey;
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

inline Lot Free(Amount amount) {
  return Lot{"", kNever, amount};
}
inline Lot Fresh(Amount amount) {
  return Lot{kFreshFood, kFreshExpiry, amount};
}

inline ProgramRules RulesFor(ledger::AccountKindMask payees, TimeNs validity = 0) {
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

}  // namespace kyoso::unit
