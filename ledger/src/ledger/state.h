// The ledger's memory-resident state (internal to ledger/).
#pragma once

#include <map>
#include <set>
#include <unordered_map>

#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

struct Ledger::State {
  std::map<CurrencyCode, Currency> currencies;
  std::unordered_map<AccountId, Account> accounts;
  std::map<ProgramId, Program> programs;
  // Rate versions per (from, to), ascending effective time.
  std::map<std::pair<CurrencyCode, CurrencyCode>, std::vector<ExchangeRate>> rates;

  // Lazy indexes for ticks: an entry may be stale (the lot was spent, the hold posted);
  // the tick checks the real state before acting, so stale entries are harmless.
  std::set<std::pair<TimeNs, AccountId>> lot_expiries;
  std::set<std::pair<TimeNs, TransferId>> hold_expiries;

  uint64_t applied_index = 0;
  ChainHead chain_head{};
  uint64_t last_seq = 0;
  TimeNs last_timestamp = 0;
};

}  // namespace kyoso::ledger
