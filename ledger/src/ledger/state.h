// The ledger's memory-resident state (internal to ledger/).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "flow_book.h"
#include "kyoso/ledger/ledger.h"
#include "release_keys.h"
#include "stock_book.h"

namespace kyoso::ledger {

// An account and the index of the last batch that changed it: how a batch knows, without
// a second lookup, which accounts it must write. It is an Account, so that the apply
// functions can hand back the account they found and the Applier can mark it changed
// without looking its id up again.
struct AccountEntry : Account {
  uint64_t changed_in_batch = 0;
};

// The accounts by id. Each lives in its own allocation, so pointers to it stay valid for
// the ledger's life, behind an open-addressing (linear probing) index that keeps each
// id's hash beside the pointer: a lookup usually touches one slot and the account
// itself, where a node-based hash map also touches a neighbour node and the node's tail.
// Accounts are never removed (closing one is a status).
class AccountTable {
 public:
  AccountTable() : slots_(kInitialSlots) {}

  AccountEntry* Find(std::string_view id) const { return slots_[Probe(id, Hash(id))].entry; }
  // Adds `account`, or replaces the one with its id (loading from the store).
  AccountEntry& Put(Account account);
  // Every account, in the order they were added: not an order replicas share, so sort
  // before numbering anything by it.
  const std::vector<std::unique_ptr<AccountEntry>>& entries() const { return entries_; }

 private:
  // The index starts with this many slots and doubles whenever it would be half full.
  static constexpr size_t kInitialSlots = 64;
  struct Slot {
    uint64_t hash = 0;
    AccountEntry* entry = nullptr;
  };

  static uint64_t Hash(std::string_view id) { return std::hash<std::string_view>{}(id); }
  // The slot holding `id`, or the empty slot where it would go.
  size_t Probe(std::string_view id, uint64_t hash) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.entry == nullptr || (slot.hash == hash && slot.entry->id == id)) return i;
    }
  }
  void Grow();

  std::vector<std::unique_ptr<AccountEntry>> entries_;
  std::vector<Slot> slots_;
};

struct Ledger::State {
  std::map<CurrencyCode, Currency> currencies;
  AccountTable accounts;
  std::map<ProgramId, Program> programs;
  // Rate versions per (from, to), ascending effective time.
  std::map<std::pair<CurrencyCode, CurrencyCode>, std::vector<ExchangeRate>> rates;

  // Lazy indexes for ticks: an entry may be stale (the lot was spent, the hold posted);
  // the tick checks the real state before acting, so stale entries are harmless.
  std::set<std::pair<TimeNs, AccountId>> lot_expiries;
  std::set<std::pair<TimeNs, TransferId>> hold_expiries;

  FlowBook flows;
  StockBook stocks;                          // Money in circulation over time, for velocity.
  release_keys::PrivacySpent privacy_spent;  // By (currency, month).

  uint64_t applied_index = 0;
  ChainHead chain_head{};
  uint64_t last_seq = 0;
  TimeNs last_timestamp = 0;
};

}  // namespace kyoso::ledger
