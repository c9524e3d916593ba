#include "kyoso/ledger/store.h"

#include <cassert>
#include <limits>

namespace kyoso::ledger {
namespace {

// Entries address data_ with 32-bit offsets and sizes to keep them small; a batch is
// bounded far below 4 GiB by the ledger's batch limits, so reaching this is a bug.
[[maybe_unused]] constexpr size_t kBatchBytesMax = std::numeric_limits<uint32_t>::max();

}  // namespace

std::string_view ColumnName(Column column) {
  switch (column) {
    case Column::kMeta:
      return "meta";
    case Column::kState:
      return "state";
    case Column::kTransfers:
      return "transfers";
    case Column::kHistory:
      return "history";
    case Column::kHolds:
      return "holds";
    case Column::kBatches:
      return "batches";
    case Column::kJournal:
      return "journal";
    case Column::kFlows:
      return "flows";
    case Column::kReleases:
      return "releases";
  }
  // Only reachable with a Column cast from an out-of-range integer.
  assert(false);
  return "";
}

void WriteBatch::Add(Column column, OpKind kind, std::string_view key, std::string_view value) {
  assert(key.size() <= kBatchBytesMax);
  assert(value.size() <= kBatchBytesMax - key.size());
  assert(data_.size() <= kBatchBytesMax - key.size() - value.size());
  entries_.push_back(Entry{column, kind, static_cast<uint32_t>(data_.size()),
                           static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())});
  data_.append(key);
  data_.append(value);
}

void WriteBatch::Put(Column column, std::string_view key, std::string_view value) {
  Add(column, OpKind::kPut, key, value);
}

size_t WriteBatch::StartPut(Column column, std::string_view key) {
  Put(column, key, {});
  return entries_.size() - 1;
}

void WriteBatch::FinishPut(size_t entry) {
  Entry& e = entries_[entry];
  // The value is everything appended after the key; it must be the batch's last bytes.
  assert(entry + 1 == entries_.size());
  assert(data_.size() <= kBatchBytesMax);
  e.value_size = static_cast<uint32_t>(data_.size() - e.key_offset - e.key_size);
}

void WriteBatch::Delete(Column column, std::string_view key) {
  Add(column, OpKind::kDelete, key, {});
}

void WriteBatch::DeleteRange(Column column, std::string_view begin, std::string_view end) {
  assert(begin <= end);  // RocksDB refuses a batch with a range that ends before it begins.
  Add(column, OpKind::kDeleteRange, begin, end);
}

void WriteBatch::Clear() {
  data_.clear();
  entries_.clear();
}

WriteBatch::Op WriteBatch::op(size_t i) const {
  assert(i < entries_.size());
  const Entry& entry = entries_[i];
  assert(size_t{entry.key_offset} + entry.key_size + entry.value_size <= data_.size());
  std::string_view data(data_);
  return Op{entry.column, entry.kind, data.substr(entry.key_offset, entry.key_size),
            data.substr(entry.key_offset + entry.key_size, entry.value_size)};
}

}  // namespace kyoso::ledger
