// Test support for the ledger's unit tests: a ledger on a memory store fed one batch at
// a time at a controllable ledger time, and builders for the commands of a demo town.
//
// The town: currency BUNJI backed by KRW (issuer iss:bunji, fees to fee:bunji, 2.5%
// redemption fee), residents res:alice and res:bob, merchants mch:bakery (food, north),
// mch:cafe (food, south) and mch:hardware (tools, north), producer prd:farm (food,
// south), and the programme "fresh-food" (10% top-up bonus, spendable at food
// businesses, 90-day lots, budget 1,000,000, cash-out allowed).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"

namespace kyoso::ledger {
// Lets GoogleTest print codes by name ("insufficient_funds") rather than as numbers.
inline void PrintTo(ResultCode code, std::ostream* os) {
  *os << ResultCodeName(code);
}
inline void PrintTo(const Lot& lot, std::ostream* os) {
  *os << "Lot{'" << lot.program << "', "
      << (lot.expiry == kNever ? std::string("never") : std::to_string(lot.expiry)) << ", "
      << lot.amount << "}";
}
}  // namespace kyoso::ledger

namespace kyoso::unit {

using ledger::AccountId;
using ledger::Amount;
using ledger::Command;
using ledger::CommandResult;
using ledger::CurrencyCode;
using ledger::ProgramId;
using ledger::ResultCode;
using ledger::TimeNs;
using ledger::TransferKind;
using ledger::TransferRequest;

inline constexpr TimeNs kSecond = 1'000'000'000;
inline constexpr TimeNs kHour = 3'600 * kSecond;
inline constexpr TimeNs kDay = ledger::kNsPerDay;
// 2026-03-01T00:00:00Z.
inline constexpr TimeNs kMarch1 = 1'772'323'200LL * kSecond;
// The town opens at 09:00 on 1 March, so lots created on a day expire at a midnight
// strictly after their validity: a lot valid 90 days expires at kMarch1 + 91 days.
inline constexpr TimeNs kOpening = kMarch1 + 9 * kHour;

inline constexpr char kBunji[] = "BUNJI";
inline constexpr char kIssuer[] = "iss:bunji";
inline constexpr char kFees[] = "fee:bunji";
inline constexpr char kAlice[] = "res:alice";
inline constexpr char kBob[] = "res:bob";
inline constexpr char kBakery[] = "mch:bakery";
inline constexpr char kCafe[] = "mch:cafe";
inline constexpr char kHardware[] = "mch:hardware";
inline constexpr char kFarm[] = "prd:farm";
inline constexpr char kFreshFood[] = "fresh-food";

inline constexpr ledger::AccountKindMask kBusinesses =
    ledger::KindBit(ledger::AccountKind::kMerchant) |
    ledger::KindBit(ledger::AccountKind::kProducer);

// --- Admin command builders. ---

// BUNJI: scale 0, backed by KRW, 2.5% redemption fee, no demurrage, free money never expires.
ledger::CreateCurrency BunjiCurrency();
// A currency `code` with issuer iss:<code> and fees fee:<code> (lower case).
ledger::CreateCurrency CurrencyNamed(const std::string& code, const std::string& backing);
ledger::CreateAccount NewAccount(const AccountId& id, const CurrencyCode& currency = kBunji,
                                 const std::string& sector = "", const std::string& district = "");
// fresh-food's rules: 10% bonus, food businesses, businesses redeem, 90-day lots, cash-out ok.
ledger::ProgramRules FreshFoodRules();
ledger::CreateProgram NewProgram(const ProgramId& id, Amount budget, ledger::ProgramRules rules,
                                 const CurrencyCode& currency = kBunji);

// A record of everything a rejected command must leave alone.
struct Snapshot {
  std::map<AccountId, ledger::Account> accounts;
  std::map<CurrencyCode, ledger::Currency> currencies;
  std::map<ProgramId, ledger::Program> programs;
  uint64_t last_seq = 0;
};
// Describes how `after` differs from `before`; empty when equal.
std::string DescribeChanges(const Snapshot& before, const Snapshot& after);

class TestLedger {
 public:
  TestLedger();

  ledger::Ledger& get() { return *ledger_; }
  ledger::MemoryStore& store() { return store_; }
  // Opens a new Ledger on the same store, as after a restart.
  void Reopen();

  // The ledger time of the next batch.
  TimeNs time() const { return time_; }
  void SetTime(TimeNs time) { time_ = time; }
  void Advance(TimeNs duration) { time_ += duration; }
  uint64_t next_index() const { return next_index_; }

  // Applies `commands` as the next batch at time(); aborts the test binary if the ledger
  // reports a Status error, which a memory store and an ordered index never cause.
  ledger::BatchResult ApplyBatch(std::vector<Command> commands);
  std::vector<CommandResult> Apply(std::vector<Command> commands);
  CommandResult Run(Command command);
  // Runs `command` alone; succeeds when its code is `expected` and nothing changed but
  // (for transfers) the transfer's record.
  ::testing::AssertionResult RunRejected(Command command, ResultCode expected);
  // Runs `command` alone and checks it succeeded.
  ::testing::AssertionResult RunOk(Command command);

  // Creates the demo town (see the file comment); checks that every command succeeded.
  void SetUpTown();

  // --- Transfer builders; each takes a fresh id TransferId{0, n}. ---
  ledger::TransferId NextId() { return ledger::TransferId{0, ++next_id_}; }
  TransferRequest Transfer(TransferKind kind, const AccountId& from, const AccountId& to,
                           Amount amount, const ProgramId& program = "");
  TransferRequest Issue(const AccountId& to, Amount amount, const ProgramId& program = "",
                        const AccountId& issuer = kIssuer);
  TransferRequest TopUp(const AccountId& to, Amount amount, const ProgramId& program = "",
                        const AccountId& issuer = kIssuer);
  TransferRequest Pay(const AccountId& from, const AccountId& to, Amount amount,
                      const ProgramId& program = "");
  TransferRequest Purchase(const AccountId& from, const AccountId& to, Amount amount);
  TransferRequest Refund(const TransferRequest& original, Amount amount);
  TransferRequest Redeem(const AccountId& from, Amount amount, const AccountId& issuer = kIssuer);
  TransferRequest CashOut(const AccountId& from, Amount amount, const AccountId& issuer = kIssuer);
  TransferRequest Exchange(const AccountId& from, const AccountId& to, Amount amount);
  TransferRequest Hold(const AccountId& from, const AccountId& to, Amount amount,
                       TimeNs timeout_ns);
  TransferRequest Post(const TransferRequest& hold, Amount amount);
  TransferRequest Void(const TransferRequest& hold);
  TransferRequest Correction(const AccountId& from, const AccountId& to, Amount amount,
                             const std::string& memo);

  // --- Inspection. ---
  Amount Balance(const AccountId& id) const;
  const ledger::Account& Account(const AccountId& id) const;
  const ledger::Currency& Currency(const CurrencyCode& code) const;
  const ledger::Program& Program(const ProgramId& id) const;
  ledger::TransferRecord Record(const ledger::TransferId& id) const;
  Snapshot Snap() const;
  // Conservation per currency: balances + held == issued - burned. Empty when it holds.
  std::vector<std::string> ConservationViolations() const;

 private:
  ledger::MemoryStore store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  TimeNs time_ = kOpening;
  uint64_t next_index_ = 1;
  uint64_t next_id_ = 0;
};

}  // namespace kyoso::unit
