// MemoryStore: a Store held entirely in memory, for tests and benchmarks.
//
// It behaves like the RocksDB store (atomic batches, ordered scans) but keeps nothing
// across processes. Point reads and writes go to an open-addressing hash index over
// entries that hold key and value in one allocation; the ordered view that
// scans need is rebuilt lazily, only for columns written since the last scan.
// Not thread-safe.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kyoso/ledger/store.h"

namespace kyoso::ledger {

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;

  Status Write(const WriteBatch& batch) override;
  Status Get(Column column, std::string_view key, std::string* value) const override;
  Status Scan(Column column, std::string_view start, std::string_view end, bool reverse,
              const ScanVisitor& visit) const override;

  // Number of keys in `column` (for tests).
  size_t CountKeys(Column column) const;

 private:
  struct ColumnData;
  std::array<std::unique_ptr<ColumnData>, kColumnCount> columns_;
};

}  // namespace kyoso::ledger
