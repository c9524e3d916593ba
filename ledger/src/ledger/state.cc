#include "state.h"

namespace kyoso::ledger {

AccountEntry& AccountTable::Put(Account account) {
  const uint64_t hash = Hash(account.id);
  size_t slot = Probe(account.id, hash);
  if (AccountEntry* entry = slots_[slot].entry) {
    static_cast<Account&>(*entry) = std::move(account);
    return *entry;
  }
  if (2 * (entries_.size() + 1) > slots_.size()) {
    Grow();
    slot = Probe(account.id, hash);
  }
  entries_.push_back(std::make_unique<AccountEntry>(AccountEntry{std::move(account), 0}));
  slots_[slot] = Slot{hash, entries_.back().get()};
  return *entries_.back();
}

void AccountTable::Grow() {
  std::vector<Slot> old(2 * slots_.size());
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.entry == nullptr) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].entry != nullptr) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace kyoso::ledger
