#include "kyoso/ledger/memory_store.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string_view>

namespace kyoso::ledger {
namespace {

using EntryIndex = uint32_t;
constexpr EntryIndex kNoEntry = std::numeric_limits<EntryIndex>::max();
// Entries are allocated in chunks of 4,096 that never move, so the views a scan hands
// its visitor stay valid whatever the visitor writes.
constexpr unsigned kChunkBits = 12;
constexpr EntryIndex kChunkSize = EntryIndex{1} << kChunkBits;
// The index starts with this many slots and doubles whenever it would be half full.
constexpr size_t kInitialSlots = 16;

// Counts a running scan for as long as it visits, however it is left.
class ScanGuard {
 public:
  explicit ScanGuard(int& active_scans) : active_scans_(active_scans) { ++active_scans_; }
  ~ScanGuard() { --active_scans_; }
  ScanGuard(const ScanGuard&) = delete;
  ScanGuard& operator=(const ScanGuard&) = delete;

 private:
  int& active_scans_;
};

// One key and its value, in one allocation.
struct Entry {
  std::string bytes;  // The key, then the value.
  uint32_t key_size = 0;
  bool live = false;  // False once deleted, until a refresh recycles the entry.

  std::string_view key() const { return std::string_view(bytes).substr(0, key_size); }
  std::string_view value() const { return std::string_view(bytes).substr(key_size); }
};

// A slot of the open-addressing index: the key's hash, so that a probe rarely touches
// an entry that is not the one sought, and the entry's number.
struct Slot {
  uint64_t hash = 0;
  EntryIndex entry = kNoEntry;
};

}  // namespace

// One column: entries in stable chunks, an open-addressing (linear probing) hash index
// over them, and a sorted list of entry numbers for scans. A put of a new key costs one
// allocation (the entry's bytes, when they do not fit inline) and usually one cache miss
// in the index. Writes only touch the index and record what changed (added_, deleted_);
// the next scan folds those changes into sorted_, so a run of writes costs no ordering.
struct MemoryStore::ColumnData {
  ColumnData() : slots_(kInitialSlots) {}

  void Put(std::string_view key, std::string_view value) {
    const uint64_t hash = Hash(key);
    size_t slot = Probe(key, hash);
    if (slots_[slot].entry != kNoEntry) {
      Entry& entry = At(slots_[slot].entry);
      entry.bytes.resize(entry.key_size);
      entry.bytes.append(value);
      return;
    }
    if (2 * (live_ + 1) > slots_.size()) {
      Grow();
      slot = Probe(key, hash);
    }
    const EntryIndex index = NewEntry(key, value);
    slots_[slot] = Slot{hash, index};
    ++live_;
    added_.push_back(index);
  }

  void Delete(std::string_view key) {
    const size_t slot = Probe(key, Hash(key));
    const EntryIndex index = slots_[slot].entry;
    if (index == kNoEntry) return;
    EraseSlot(slot);
    --live_;
    // The bytes stay until the next refresh: a visitor may still hold views of them.
    At(index).live = false;
    deleted_.push_back(index);
  }

  // Deletes the live keys in [begin, end): those folded into sorted_ and those added
  // since (a refresh may have waited for a scan).
  void DeleteRange(std::string_view begin, std::string_view end) {
    Refresh();
    std::vector<EntryIndex> doomed;
    for (auto it = LowerBound(sorted_.begin(), begin); it != sorted_.end() && At(*it).key() < end;
         ++it) {
      doomed.push_back(*it);
    }
    for (EntryIndex index : added_) {
      if (At(index).key() >= begin && At(index).key() < end) doomed.push_back(index);
    }
    for (EntryIndex index : doomed) {
      // Deleting leaves the entry's bytes until the next refresh, so the key stays readable.
      if (At(index).live) Delete(At(index).key());
    }
  }

  const Entry* Find(std::string_view key) const {
    const EntryIndex index = slots_[Probe(key, Hash(key))].entry;
    return index == kNoEntry ? nullptr : &At(index);
  }

  // Brings sorted_ up to date, so that it holds exactly the live entries, in key order.
  void Refresh() const {
    // A scan running its visitor is iterating sorted_; reshaping it now would pull the
    // ground from under that scan. A nested scan sees the keys as of the outer scan.
    if (active_scans_ > 0) return;
    if (!deleted_.empty()) DropDeleted();
    if (added_.empty()) return;
    auto by_key = [this](EntryIndex a, EntryIndex b) { return At(a).key() < At(b).key(); };
    std::sort(added_.begin(), added_.end(), by_key);
    const auto middle = static_cast<std::ptrdiff_t>(sorted_.size());
    sorted_.insert(sorted_.end(), added_.begin(), added_.end());
    std::inplace_merge(sorted_.begin(), sorted_.begin() + middle, sorted_.end(), by_key);
    added_.clear();
  }

  // Removes deleted entries from sorted_ and added_, and recycles them. A key deleted
  // and put again has a new entry, so every live key has exactly one.
  void DropDeleted() const {
    auto dead = [this](EntryIndex index) { return !At(index).live; };
    std::erase_if(sorted_, dead);
    std::erase_if(added_, dead);
    for (EntryIndex index : deleted_) {
      std::string().swap(At(index).bytes);
      free_.push_back(index);
    }
    deleted_.clear();
  }

  Status Scan(std::string_view start, std::string_view end, bool reverse,
              const ScanVisitor& visit) const {
    Refresh();
    const auto first = LowerBound(sorted_.begin(), start);
    const auto last = end.empty() ? sorted_.end() : LowerBound(first, end);
    if (first >= last) return Status::Ok();
    ScanGuard guard(active_scans_);
    if (reverse) {
      for (auto it = last; it != first && VisitEntry(*std::prev(it), visit);) --it;
    } else {
      for (auto it = first; it != last && VisitEntry(*it, visit);) ++it;
    }
    return Status::Ok();
  }

  // Returns false when the visitor asks to stop. An entry the visitor deleted during the
  // scan is skipped.
  bool VisitEntry(EntryIndex index, const ScanVisitor& visit) const {
    const Entry& entry = At(index);
    if (!entry.live) return true;
    return visit(entry.key(), entry.value());
  }

  size_t size() const { return live_; }

 private:
  static uint64_t Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

  // The first entry of sorted_ from `from` on whose key is not below `key`.
  std::vector<EntryIndex>::const_iterator LowerBound(std::vector<EntryIndex>::const_iterator from,
                                                     std::string_view key) const {
    return std::lower_bound(
        from, sorted_.cend(), key,
        [this](EntryIndex index, std::string_view k) { return At(index).key() < k; });
  }

  Entry& At(EntryIndex index) const {
    return chunks_[index >> kChunkBits][index & (kChunkSize - 1)];
  }

  // The slot holding `key`, or the empty slot where it would go.
  size_t Probe(std::string_view key, uint64_t hash) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.entry == kNoEntry) return i;
      if (slot.hash == hash && At(slot.entry).key() == key) return i;
    }
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.entry == kNoEntry) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].entry != kNoEntry) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  // Empties `slot`, shifting later slots of the same probe run back so that every key
  // stays reachable from its home slot without tombstones.
  void EraseSlot(size_t hole) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = (hole + 1) & mask; slots_[i].entry != kNoEntry; i = (i + 1) & mask) {
      const size_t home = slots_[i].hash & mask;
      // The slot at i may fill the hole if the hole lies between its home and i.
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = Slot{};
  }

  EntryIndex NewEntry(std::string_view key, std::string_view value) {
    EntryIndex index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      assert(entry_count_ < kNoEntry);
      index = entry_count_++;
      if ((index & (kChunkSize - 1)) == 0) chunks_.push_back(std::make_unique<Entry[]>(kChunkSize));
    }
    Entry& entry = At(index);
    entry.bytes.reserve(key.size() + value.size());
    entry.bytes.assign(key);
    entry.bytes.append(value);
    entry.key_size = static_cast<uint32_t>(key.size());
    entry.live = true;
    return index;
  }

  std::vector<std::unique_ptr<Entry[]>> chunks_;
  EntryIndex entry_count_ = 0;
  std::vector<Slot> slots_;
  size_t live_ = 0;
  // The ordered view and the changes not yet folded into it; see Refresh. Entries
  // deleted since the last refresh wait in deleted_, recycled ones in free_.
  mutable std::vector<EntryIndex> sorted_;
  mutable std::vector<EntryIndex> added_;
  mutable std::vector<EntryIndex> deleted_;
  mutable std::vector<EntryIndex> free_;
  mutable int active_scans_ = 0;
};

MemoryStore::MemoryStore() {
  for (auto& column : columns_) column = std::make_unique<ColumnData>();
}

MemoryStore::~MemoryStore() = default;

Status MemoryStore::Write(const WriteBatch& batch) {
  for (size_t i = 0; i < batch.size(); ++i) {
    const WriteBatch::Op op = batch.op(i);
    const auto index = static_cast<size_t>(op.column);
    assert(index < columns_.size());
    switch (op.kind) {
      case WriteBatch::OpKind::kPut:
        columns_[index]->Put(op.key, op.value);
        break;
      case WriteBatch::OpKind::kDelete:
        columns_[index]->Delete(op.key);
        break;
      case WriteBatch::OpKind::kDeleteRange:
        columns_[index]->DeleteRange(op.key, op.value);
        break;
    }
  }
  return Status::Ok();
}

Status MemoryStore::Get(Column column, std::string_view key, std::string* value) const {
  assert(value != nullptr);
  const Entry* entry = columns_[static_cast<size_t>(column)]->Find(key);
  // The message is just the column's name: misses are common (a new transfer id is one)
  // and a name that short fits std::string's inline buffer, so a miss allocates nothing.
  if (entry == nullptr) return Status::NotFound(std::string(ColumnName(column)));
  value->assign(entry->value());
  return Status::Ok();
}

Status MemoryStore::Scan(Column column, std::string_view start, std::string_view end, bool reverse,
                         const ScanVisitor& visit) const {
  assert(static_cast<size_t>(column) < columns_.size());
  return columns_[static_cast<size_t>(column)]->Scan(start, end, reverse, visit);
}

size_t MemoryStore::CountKeys(Column column) const {
  return columns_[static_cast<size_t>(column)]->size();
}

}  // namespace kyoso::ledger
