// Store: the ledger's durable, ordered key-value storage, in a few named columns.
//
// The ledger writes each applied batch as one WriteBatch, atomically: either every put
// and delete of the batch is visible after a crash, or none is. Keys within a column are
// ordered bytewise, so scans over a key prefix return entries in key order. All OS access
// of the ledger goes through this interface; MemoryStore (tests, benchmarks) and
// RocksDbStore (production) implement it.
//
// Thread-safety: a Store is used by one writer at a time; reads may run concurrently with
// each other but the ledger serialises reads and writes itself.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kyoso/ledger/status.h"

namespace kyoso::ledger {

// The columns the ledger keeps. Their number is part of the durable format.
enum class Column : uint8_t {
  kMeta = 0,       // Format version, applied index, chain head, sequence counters.
  kState = 1,      // Currencies, accounts with their lots, programmes, exchange rates.
                   // Read only when the ledger opens: it keeps them all in memory, and
                   // RocksDbStore makes this column's writes cheap at reads' expense.
  kTransfers = 2,  // Transfer records by transfer id.
  kHistory = 3,    // Per-account entries by sequence number (history, past balances).
  kHolds = 4,      // Pending holds, so ticks can expire them after a restart.
  kBatches = 5,    // Per applied batch: first timestamp -> first sequence number.
  kJournal = 6,    // Per applied batch: its index -> the bytes hashed into the chain.
  kFlows = 7,      // Flow pair records per period (kyoso/ledger/flows.h).
  kReleases = 8,   // Published releases and the privacy budget (kyoso/ledger/releases.h).
};
inline constexpr int kColumnCount = 9;
// The column's name as a RocksDB column family ("meta", "state", …).
std::string_view ColumnName(Column column);

// An ordered list of puts and deletes applied atomically by Store::Write, each op after
// those before it. Keys and values are copied into one buffer, so building a batch
// allocates rarely.
class WriteBatch {
 public:
  enum class OpKind : uint8_t { kPut, kDelete, kDeleteRange };
  struct Op {
    Column column;
    OpKind kind;
    std::string_view key;    // A range's first key.
    std::string_view value;  // Empty for a delete; a range's end (excluded).
  };

  void Put(Column column, std::string_view key, std::string_view value);
  // Puts a value that `encode(std::string* out)` appends to *out: it is encoded straight
  // into the batch's buffer, with no copy. `encode` must only append.
  template <typename Encode>
  void PutWith(Column column, std::string_view key, Encode&& encode) {
    const size_t entry = StartPut(column, key);
    encode(&data_);
    FinishPut(entry);
  }
  void Delete(Column column, std::string_view key);
  // Deletes every key k of `column` with begin <= k < end that is there when the op
  // applies: keys put earlier in the batch too, not those put after it.
  void DeleteRange(Column column, std::string_view begin, std::string_view end);
  // Empties the batch; its buffers keep their capacity for the next one.
  void Clear();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  size_t byte_size() const { return data_.size(); }
  Op op(size_t i) const;

 private:
  struct Entry {
    Column column;
    OpKind kind;
    uint32_t key_offset;
    uint32_t key_size;
    uint32_t value_size;  // The value follows the key in data_.
  };
  void Add(Column column, OpKind kind, std::string_view key, std::string_view value);
  // Adds an entry for `key` with an empty value; FinishPut sets the value's size.
  size_t StartPut(Column column, std::string_view key);
  void FinishPut(size_t entry);

  std::string data_;
  std::vector<Entry> entries_;
};

// Visits one entry of a scan; returns false to stop the scan.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  // Applies every op of `batch` atomically and durably (synced before returning ok).
  // On error nothing of the batch is visible.
  virtual Status Write(const WriteBatch& batch) = 0;

  // Reads the value of `key` into *value. NotFound when absent; other codes on failure.
  virtual Status Get(Column column, std::string_view key, std::string* value) const = 0;

  // Visits the entries with start <= key < end in ascending key order (descending when
  // `reverse`). An empty `end` means "to the end of the column".
  virtual Status Scan(Column column, std::string_view start, std::string_view end, bool reverse,
                      const ScanVisitor& visit) const = 0;
};

}  // namespace kyoso::ledger
