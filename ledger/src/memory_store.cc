#include "kyoso/ledger/memory_store.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <iterator>
#include <string_view>

namespace kyoso::ledger {
namespace {

// Lets the hash index look up a std::string_view without building a std::string, so a
// put that overwrites an existing key allocates nothing for the key.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using KeyList = std::vector<std::string>;

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

// Removes from `keys` (sorted) every key in `doomed` (sorted, unique) in one pass.
void RemoveSorted(KeyList& keys, const KeyList& doomed) {
  auto next_doomed = doomed.begin();
  std::erase_if(keys, [&](const std::string& key) {
    while (next_doomed != doomed.end() && *next_doomed < key) ++next_doomed;
    return next_doomed != doomed.end() && *next_doomed == key;
  });
}

}  // namespace

// One column: a hash index that holds the data, and a sorted list of its keys for scans.
// Writes only touch the index and record what changed (added_, deleted_); the next scan
// folds those changes into sorted_, so a run of writes costs no ordering work.
struct MemoryStore::ColumnData {
  void Put(std::string_view key, std::string_view value) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      it->second.assign(value);
      return;
    }
    map_.emplace(std::string(key), std::string(value));
    added_.emplace_back(key);
  }

  void Delete(std::string_view key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    deleted_.push_back(std::move(map_.extract(it).key()));
  }

  // Brings sorted_ up to date with map_, so that it holds exactly map_'s keys.
  void Refresh() const {
    // A scan running its visitor is iterating sorted_; reshaping it now would pull the
    // ground from under that scan. A nested scan sees the keys as of the outer scan.
    if (active_scans_ > 0) return;
    if (added_.empty() && deleted_.empty()) return;
    const bool had_deletes = !deleted_.empty();
    if (had_deletes) DropDeleted();
    std::sort(added_.begin(), added_.end());
    const auto middle = static_cast<std::ptrdiff_t>(sorted_.size());
    sorted_.insert(sorted_.end(), std::make_move_iterator(added_.begin()),
                   std::make_move_iterator(added_.end()));
    std::inplace_merge(sorted_.begin(), sorted_.begin() + middle, sorted_.end());
    // A key deleted and put again since the last refresh is both still in sorted_ and in
    // added_ (maybe more than once); without deletes every added key is new.
    if (had_deletes) sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
    added_.clear();
  }

  // Removes from sorted_ and added_ the keys deleted and not put again since.
  void DropDeleted() const {
    std::erase_if(deleted_, [&](const std::string& key) { return map_.contains(key); });
    std::sort(deleted_.begin(), deleted_.end());
    deleted_.erase(std::unique(deleted_.begin(), deleted_.end()), deleted_.end());
    RemoveSorted(sorted_, deleted_);
    std::erase_if(added_, [&](const std::string& key) {
      return std::binary_search(deleted_.begin(), deleted_.end(), key);
    });
    deleted_.clear();
  }

  Status Scan(std::string_view start, std::string_view end, bool reverse,
              const ScanVisitor& visit) const {
    Refresh();
    const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), start);
    const auto last = end.empty() ? sorted_.end() : std::lower_bound(first, sorted_.end(), end);
    if (first >= last) return Status::Ok();
    ScanGuard guard(active_scans_);
    if (reverse) {
      for (auto it = last; it != first && VisitKey(*std::prev(it), visit);) --it;
    } else {
      for (auto it = first; it != last && VisitKey(*it, visit);) ++it;
    }
    return Status::Ok();
  }

  // Returns false when the visitor asks to stop. A key the visitor deleted during the
  // scan is no longer in map_ and is skipped.
  bool VisitKey(const std::string& key, const ScanVisitor& visit) const {
    auto it = map_.find(key);
    if (it == map_.end()) return true;
    return visit(it->first, it->second);
  }

  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> map_;
  // The ordered view and the changes not yet folded into it; see Refresh.
  mutable KeyList sorted_;
  mutable KeyList added_;
  mutable KeyList deleted_;
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
    if (op.is_delete) {
      columns_[index]->Delete(op.key);
    } else {
      columns_[index]->Put(op.key, op.value);
    }
  }
  return Status::Ok();
}

Status MemoryStore::Get(Column column, std::string_view key, std::string* value) const {
  assert(value != nullptr);
  const auto& map = columns_[static_cast<size_t>(column)]->map_;
  auto it = map.find(key);
  // The message is just the column's name: misses are common (a new transfer id is one)
  // and a name that short fits std::string's inline buffer, so a miss allocates nothing.
  if (it == map.end()) return Status::NotFound(std::string(ColumnName(column)));
  value->assign(it->second);
  return Status::Ok();
}

Status MemoryStore::Scan(Column column, std::string_view start, std::string_view end, bool reverse,
                         const ScanVisitor& visit) const {
  assert(static_cast<size_t>(column) < columns_.size());
  return columns_[static_cast<size_t>(column)]->Scan(start, end, reverse, visit);
}

size_t MemoryStore::CountKeys(Column column) const {
  return columns_[static_cast<size_t>(column)]->map_.size();
}

}  // namespace kyoso::ledger
