#include "invariants.h"

#include <cstdio>

#include "kyoso/ledger/lots.h"

namespace kyoso::testing {

using namespace ledger;

namespace {

std::string Str(const Wide& value) {
  return value.str();
}

void CheckAccount(const Account& account, std::vector<std::string>* violations) {
  auto fail = [&](const std::string& what) { violations->push_back(account.id + ": " + what); };
  Wide balance = SumLots(account.lots);
  if (balance < -Wide(account.credit_limit)) fail("balance below the credit limit");
  if (account.lots.size() > kLotsPerAccountMax) fail("more lots than the bound");
  for (size_t i = 0; i < account.lots.size(); ++i) {
    const Lot& lot = account.lots[i];
    if (lot.amount == 0) fail("an empty lot");
    if (lot.amount < 0 && (lot.restricted() || lot.expiry != kNever)) fail("a negative lot");
    if (i > 0 && !DrawnBefore(account.lots[i - 1], lot)) fail("lots out of drawing order");
  }
  if (account.monthly_spend_cap > 0 && account.spent_in_month > account.monthly_spend_cap) {
    fail("spent more than the monthly cap");
  }
  for (const ProgramUsage& usage : account.usage) {
    if (usage.topup_outstanding < 0 || usage.incentive_outstanding < 0) {
      fail("negative top-up basis");
    }
  }
}

}  // namespace

std::vector<std::string> CirculationViolations(const Ledger& ledger) {
  std::map<std::pair<CurrencyCode, ProgramId>, Wide> held;
  for (const auto& [code, currency] : ledger.currencies()) {
    held[{code, ""}];
    for (const auto& [id, program] : ledger.programs()) held[{code, id}];
  }
  ledger.ForEachAccount([&](const Account& account) {
    if (!InCirculation(account.kind)) return;
    for (const Lot& lot : account.lots) held[{account.currency, lot.program}] += lot.amount;
  });
  std::vector<std::string> violations;
  for (const auto& [stock, sum] : held) {
    StatusOr<Wide> kept = ledger.MoneyInCirculation(stock.first, stock.second);
    if (!kept.ok()) {
      violations.push_back("cannot read circulation: " + kept.status().ToString());
    } else if (*kept != sum) {
      violations.push_back(stock.first + "/" + (stock.second.empty() ? "free" : stock.second) +
                           ": in circulation " + Str(*kept) + " != held " + Str(sum));
    }
  }
  return violations;
}

std::vector<std::string> InvariantChecker::Check(const Ledger& ledger,
                                                 const std::vector<TransferId>& holds) {
  std::vector<std::string> violations;
  std::map<CurrencyCode, Wide> balances;
  ledger.ForEachAccount([&](const Account& account) {
    balances[account.currency] += SumLots(account.lots);
    CheckAccount(account, &violations);
  });
  std::map<CurrencyCode, Wide> pending;
  for (const TransferId& id : holds) {
    auto record = ledger.FindTransfer(id);
    if (!record.ok()) violations.push_back("cannot read hold: " + record.status().ToString());
    if (record.ok() && record->has_value() && (*record)->hold_state == HoldState::kPending) {
      pending[(*record)->currency] += (*record)->request.amount;
    }
  }
  for (const auto& [code, currency] : ledger.currencies()) {
    // Conservation: every unit is in a balance or a pending hold, or was burned.
    if (balances[code] + currency.held != currency.issued - currency.burned) {
      violations.push_back(code + ": balances " + Str(balances[code]) + " + held " +
                           Str(currency.held) + " != issued " + Str(currency.issued) +
                           " - burned " + Str(currency.burned));
    }
    if (!holds.empty() && pending[code] != currency.held) {
      violations.push_back(code + ": pending holds " + Str(pending[code]) + " != held " +
                           Str(currency.held));
    }
    if (currency.backed() && currency.reserve < currency.issued - currency.burned) {
      violations.push_back(code + ": reserve below the money in circulation");
    }
  }
  for (const auto& [id, program] : ledger.programs()) {
    if (program.budget_left() < 0) violations.push_back(id + ": programme over budget");
  }
  for (std::string& violation : CirculationViolations(ledger)) {
    violations.push_back(std::move(violation));
  }
  if (ledger.applied_index() < last_applied_index_) violations.push_back("applied index fell");
  if (ledger.last_seq() < last_seq_) violations.push_back("sequence number fell");
  last_applied_index_ = ledger.applied_index();
  last_seq_ = ledger.last_seq();
  return violations;
}

std::vector<std::string> CheckReplays(const Batch& batch, const std::vector<CommandResult>& results,
                                      std::map<TransferId, FirstOutcome>* first) {
  std::vector<std::string> violations;
  for (size_t i = 0; i < batch.commands.size(); ++i) {
    const auto* request = std::get_if<TransferRequest>(&batch.commands[i]);
    if (request == nullptr) continue;
    const CommandResult& result = results[i];
    // A group left open is refused as a whole before any id is looked at.
    if (result.code == ResultCode::kLinkedGroupOpen) continue;
    auto seen = first->find(request->id);
    if (seen == first->end()) {
      bool recorded = result.code != ResultCode::kInvalidTransferId && !result.duplicate;
      if (result.duplicate) violations.push_back("a new id answered as a duplicate");
      if (recorded) first->emplace(request->id, FirstOutcome{*request, result});
      continue;
    }
    const std::string id = request->id.ToHex();
    if (!(seen->second.request == *request)) {
      if (result.code != ResultCode::kDuplicateIdDifferentBody) {
        violations.push_back(id + ": same id, different body, not refused");
      }
      continue;
    }
    const CommandResult& before = seen->second.result;
    if (!result.duplicate || result.code != before.code || result.seq != before.seq ||
        result.timestamp != before.timestamp) {
      violations.push_back(id + ": a replay did not return the first result");
    }
  }
  return violations;
}

std::string Hex(const ChainHead& head) {
  std::string hex;
  char byte[3];
  for (uint8_t b : head) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    hex += byte;
  }
  return hex;
}

}  // namespace kyoso::testing
