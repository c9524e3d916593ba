// The ledger's memory-resident state (internal to ledger/).
#pragma once

#include <map>
#include <set>
#include <unordered_map>

#include "kyoso/ledger/ledger.h"

namespace kyoso::ledger {

// Hashes strings and string_views alike, so lookups by string_view copy nothing.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// An account and the index of the last batch that changed it: how a batch knows, without
// a second lookup, which accounts it must write. It is an Account, so that the apply
// functions can hand back the account they found and the Applier can mark it changed
// without looking its id up again.
struct AccountEntry : Account {
  uint64_t changed_in_batch = 0;
};

struct Ledger::State {
  std::map<CurrencyCode, Currency> currencies;
  std::unordered_map<AccountId, AccountEntry, StringHash, std::equal_to<>> accounts;
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
