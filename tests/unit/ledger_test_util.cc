#include "ledger_test_util.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "kyoso/ledger/lots.h"
#include "support/invariants.h"

namespace kyoso::unit {

using namespace ledger;

namespace {

std::string Lower(const std::string& text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

template <typename Map>
void DescribeMap(const char* what, const Map& before, const Map& after, std::ostream* out) {
  for (const auto& [key, value] : before) {
    auto it = after.find(key);
    if (it == after.end()) {
      *out << what << " " << key << " disappeared; ";
    } else if (!(it->second == value)) {
      *out << what << " " << key << " changed; ";
    }
  }
  for (const auto& [key, value] : after) {
    if (!before.contains(key)) *out << what << " " << key << " appeared; ";
  }
}

}  // namespace

CreateCurrency BunjiCurrency() {
  CreateCurrency c = CurrencyNamed(kBunji, "KRW");
  c.name = "Bunji local won";
  c.redemption_fee_bps = 250;
  return c;
}

CreateCurrency CurrencyNamed(const std::string& code, const std::string& backing) {
  CreateCurrency c;
  c.code = code;
  c.name = code + " currency";
  c.scale = 0;
  c.issuer_account = "iss:" + Lower(code);
  c.fee_account = "fee:" + Lower(code);
  c.backing = backing;
  return c;
}

CreateAccount NewAccount(const AccountId& id, const CurrencyCode& currency,
                         const std::string& sector, const std::string& district) {
  CreateAccount c;
  c.id = id;
  c.currency = currency;
  c.sector = sector;
  c.district = district;
  return c;
}

ProgramRules FreshFoodRules() {
  ProgramRules rules;
  rules.bonus_bps = 1'000;
  rules.payee_kinds = kBusinesses;
  rules.payee_sectors = {"food"};
  rules.redeemer_kinds = kBusinesses;
  rules.lot_validity_ns = 90 * kDay;
  rules.cash_out_allowed = true;
  return rules;
}

CreateProgram NewProgram(const ProgramId& id, Amount budget, ProgramRules rules,
                         const CurrencyCode& currency) {
  CreateProgram c;
  c.id = id;
  c.name = id + " programme";
  c.currency = currency;
  c.budget = budget;
  c.valid_from = 0;
  c.valid_until = kNever;
  c.rules = std::move(rules);
  return c;
}

std::string DescribeChanges(const Snapshot& before, const Snapshot& after) {
  std::ostringstream out;
  DescribeMap("account", before.accounts, after.accounts, &out);
  DescribeMap("currency", before.currencies, after.currencies, &out);
  DescribeMap("programme", before.programs, after.programs, &out);
  if (before.last_seq != after.last_seq) {
    out << "last_seq " << before.last_seq << " -> " << after.last_seq << "; ";
  }
  return out.str();
}

TestLedger::TestLedger() {
  Reopen();
}

void TestLedger::Reopen() {
  StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(&store_);
  if (!opened.ok()) {
    std::fprintf(stderr, "Ledger::Open failed: %s\n", opened.status().ToString().c_str());
    std::abort();
  }
  ledger_ = std::move(opened).value();
}

BatchResult TestLedger::ApplyBatch(std::vector<Command> commands) {
  Batch batch;
  batch.index = next_index_++;
  batch.timestamp = time_;
  batch.commands = std::move(commands);
  StatusOr<BatchResult> result = ledger_->Apply(batch);
  if (!result.ok()) {
    std::fprintf(stderr, "Ledger::Apply failed: %s\n", result.status().ToString().c_str());
    std::abort();
  }
  return std::move(result).value();
}

std::vector<CommandResult> TestLedger::Apply(std::vector<Command> commands) {
  return ApplyBatch(std::move(commands)).results;
}

CommandResult TestLedger::Run(Command command) {
  return Apply({std::move(command)}).at(0);
}

::testing::AssertionResult TestLedger::RunRejected(Command command, ResultCode expected) {
  Snapshot before = Snap();
  CommandResult result = Run(std::move(command));
  Snapshot after = Snap();
  if (result.code != expected) {
    return ::testing::AssertionFailure()
           << "code " << ResultCodeName(result.code) << ", expected " << ResultCodeName(expected);
  }
  if (result.seq != 0) return ::testing::AssertionFailure() << "a rejection got seq " << result.seq;
  std::string changes = DescribeChanges(before, after);
  if (!changes.empty()) return ::testing::AssertionFailure() << "state changed: " << changes;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult TestLedger::RunOk(Command command) {
  CommandResult result = Run(std::move(command));
  if (result.code != ResultCode::kOk) {
    return ::testing::AssertionFailure() << "code " << ResultCodeName(result.code);
  }
  return ::testing::AssertionSuccess();
}

void TestLedger::SetUpTown() {
  std::vector<CommandResult> results = Apply({
      BunjiCurrency(),
      NewAccount(kAlice, kBunji, "", "north"),
      NewAccount(kBob, kBunji, "", "north"),
      NewAccount(kBakery, kBunji, "food", "north"),
      NewAccount(kCafe, kBunji, "food", "south"),
      NewAccount(kHardware, kBunji, "tools", "north"),
      NewAccount(kFarm, kBunji, "food", "south"),
      NewProgram(kFreshFood, 1'000'000, FreshFoodRules()),
  });
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].code, ResultCode::kOk) << "town set-up command " << i;
  }
}

TransferRequest TestLedger::Transfer(TransferKind kind, const AccountId& from, const AccountId& to,
                                     Amount amount, const ProgramId& program) {
  TransferRequest request;
  request.id = NextId();
  request.kind = kind;
  request.from = from;
  request.to = to;
  request.amount = amount;
  request.program = program;
  request.terminal = "pos-1";
  return request;
}

TransferRequest TestLedger::Issue(const AccountId& to, Amount amount, const ProgramId& program,
                                  const AccountId& issuer) {
  return Transfer(TransferKind::kIssue, issuer, to, amount, program);
}

TransferRequest TestLedger::TopUp(const AccountId& to, Amount amount, const ProgramId& program,
                                  const AccountId& issuer) {
  return Transfer(TransferKind::kTopUp, issuer, to, amount, program);
}

TransferRequest TestLedger::Pay(const AccountId& from, const AccountId& to, Amount amount,
                                const ProgramId& program) {
  return Transfer(TransferKind::kPayment, from, to, amount, program);
}

TransferRequest TestLedger::Purchase(const AccountId& from, const AccountId& to, Amount amount) {
  return Transfer(TransferKind::kPurchase, from, to, amount);
}

TransferRequest TestLedger::Refund(const TransferRequest& original, Amount amount) {
  TransferRequest request = Transfer(TransferKind::kRefund, original.to, original.from, amount);
  request.ref = original.id;
  return request;
}

TransferRequest TestLedger::Redeem(const AccountId& from, Amount amount, const AccountId& issuer) {
  return Transfer(TransferKind::kRedeem, from, issuer, amount);
}

TransferRequest TestLedger::CashOut(const AccountId& from, Amount amount, const AccountId& issuer) {
  return Transfer(TransferKind::kCashOut, from, issuer, amount);
}

TransferRequest TestLedger::Exchange(const AccountId& from, const AccountId& to, Amount amount) {
  return Transfer(TransferKind::kExchange, from, to, amount);
}

TransferRequest TestLedger::Hold(const AccountId& from, const AccountId& to, Amount amount,
                                 TimeNs timeout_ns) {
  TransferRequest request = Transfer(TransferKind::kHold, from, to, amount);
  request.hold_timeout_ns = timeout_ns;
  return request;
}

TransferRequest TestLedger::Post(const TransferRequest& hold, Amount amount) {
  TransferRequest request = Transfer(TransferKind::kPost, hold.from, hold.to, amount);
  request.ref = hold.id;
  return request;
}

TransferRequest TestLedger::Void(const TransferRequest& hold) {
  TransferRequest request = Transfer(TransferKind::kVoid, hold.from, hold.to, 0);
  request.ref = hold.id;
  return request;
}

TransferRequest TestLedger::Correction(const AccountId& from, const AccountId& to, Amount amount,
                                       const std::string& memo) {
  TransferRequest request = Transfer(TransferKind::kCorrection, from, to, amount);
  request.memo = memo;
  return request;
}

Amount TestLedger::Balance(const AccountId& id) const {
  return BalanceOf(Account(id));
}

const ledger::Account& TestLedger::Account(const AccountId& id) const {
  const ledger::Account* account = ledger_->FindAccount(id);
  if (account == nullptr) {
    std::fprintf(stderr, "no account %s\n", id.c_str());
    std::abort();
  }
  return *account;
}

const ledger::Currency& TestLedger::Currency(const CurrencyCode& code) const {
  const ledger::Currency* currency = ledger_->FindCurrency(code);
  if (currency == nullptr) {
    std::fprintf(stderr, "no currency %s\n", code.c_str());
    std::abort();
  }
  return *currency;
}

const ledger::Program& TestLedger::Program(const ProgramId& id) const {
  const ledger::Program* program = ledger_->FindProgram(id);
  if (program == nullptr) {
    std::fprintf(stderr, "no programme %s\n", id.c_str());
    std::abort();
  }
  return *program;
}

TransferRecord TestLedger::Record(const TransferId& id) const {
  StatusOr<std::optional<TransferRecord>> found = ledger_->FindTransfer(id);
  if (!found.ok() || !found->has_value()) {
    std::fprintf(stderr, "no transfer record %s\n", id.ToHex().c_str());
    std::abort();
  }
  return **found;
}

Snapshot TestLedger::Snap() const {
  Snapshot snapshot;
  ledger_->ForEachAccount(
      [&](const ledger::Account& account) { snapshot.accounts.emplace(account.id, account); });
  snapshot.currencies = ledger_->currencies();
  snapshot.programs = ledger_->programs();
  snapshot.last_seq = ledger_->last_seq();
  return snapshot;
}

std::vector<std::string> TestLedger::ConservationViolations() const {
  std::map<CurrencyCode, Wide> balances;
  ledger_->ForEachAccount(
      [&](const ledger::Account& account) { balances[account.currency] += SumLots(account.lots); });
  std::vector<std::string> violations;
  for (const auto& [code, currency] : ledger_->currencies()) {
    if (balances[code] + currency.held != currency.issued - currency.burned) {
      violations.push_back(code + ": balances " + balances[code].str() + " + held " +
                           currency.held.str() + " != issued " + currency.issued.str() +
                           " - burned " + currency.burned.str());
    }
  }
  for (std::string& violation : kyoso::testing::CirculationViolations(*ledger_)) {
    violations.push_back(std::move(violation));
  }
  return violations;
}

}  // namespace kyoso::unit
