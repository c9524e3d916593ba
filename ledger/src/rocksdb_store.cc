#include "kyoso/ledger/rocksdb_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <vector>

namespace kyoso::ledger {
namespace {

// Bloom filter density: 10 bits per key gives about 1% false positives, so a point read
// of an absent key (a new transfer id, say) rarely touches a data block.
constexpr double kBloomBitsPerKey = 10;
// The share of a memtable's budget spent on its bloom filter, where it has one.
constexpr double kMemtableBloomRatio = 0.05;
// Levels 0 and 1 hold recent, soon-rewritten data: compressing them would cost CPU on
// every compaction for little space. Deeper levels hold the bulk and are compressed.
constexpr int kUncompressedLevels = 2;
// A rocksdb::WriteBatch spends a 12-byte header and a few bytes per record (tag, column
// family id, varint lengths) on top of the keys and values.
constexpr size_t kRocksBatchHeaderBytes = 12;
constexpr size_t kRocksRecordOverheadBytes = 16;

Status FromRocksDb(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + status.ToString();
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return Status::NotFound(std::move(message));
    case rocksdb::Status::kCorruption:
      return Status::Corruption(std::move(message));
    case rocksdb::Status::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    default:
      // IOError and every code we have no closer match for (Busy, Aborted, ...): the
      // store could not do what was asked, and the caller cannot fix it by retrying
      // differently.
      return Status::IOError(std::move(message));
  }
}

rocksdb::CompressionType DeepLevelCompression() {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  const bool has_lz4 =
      std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  return has_lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
}

rocksdb::DBOptions MakeDbOptions() {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.paranoid_checks = true;
  // The ledger writes from one thread; two jobs keep flushes and compactions moving
  // without competing with the raft and gRPC threads.
  options.max_background_jobs = 2;
  // The ledger is the only writer, so concurrent memtable inserts buy nothing; turning
  // them off is also what lets a family use a memtable other than the skip list.
  options.allow_concurrent_memtable_write = false;
  return options;
}

// Every family shares one block cache, so block_cache_bytes bounds the whole store.
rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(const RocksDbOptions& options) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  table.whole_key_filtering = true;
  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Lookups of absent keys are common (duplicate checks), so the last level keeps its
  // filters too.
  family.optimize_filters_for_hits = false;
  family.write_buffer_size = options.memtable_bytes;
  family.compression_per_level.assign(static_cast<size_t>(family.num_levels),
                                      DeepLevelCompression());
  std::fill_n(family.compression_per_level.begin(), kUncompressedLevels, rocksdb::kNoCompression);
  return family;
}

// What two families do differently from the rest:
// - Column kState is written on every batch (each changed account) and read only when
//   the ledger opens (store.h). Its recent writes are kept in arrival order in a vector
//   memtable, sorted once when flushed: an insert is an append instead of a skip-list
//   search. A read of the family sorts a copy of its memtable first, which is why only
//   a family never read at run time uses it.
// - Column kTransfers is asked for every new transfer id, which is almost never there:
//   a bloom filter over its memtable's keys answers most of those asks without
//   searching the memtable (the table files have their own filters).
rocksdb::ColumnFamilyOptions OptionsFor(const std::string& family_name,
                                        const rocksdb::ColumnFamilyOptions& family) {
  rocksdb::ColumnFamilyOptions options = family;
  if (family_name == ColumnName(Column::kState)) {
    options.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  }
  if (family_name == ColumnName(Column::kTransfers)) {
    options.memtable_prefix_bloom_size_ratio = kMemtableBloomRatio;
    options.memtable_whole_key_filtering = true;
  }
  return options;
}

// The families to open: the mandatory default one, one per Column, and any other the
// database already has (RocksDB refuses to open a database without all of them).
std::vector<std::string> FamilyNames(const rocksdb::DBOptions& options, const std::string& path) {
  std::vector<std::string> names{rocksdb::kDefaultColumnFamilyName};
  for (int i = 0; i < kColumnCount; ++i) names.emplace_back(ColumnName(static_cast<Column>(i)));
  std::vector<std::string> existing;
  // Failing to list means there is no database yet, or one DB::Open will report on.
  if (!rocksdb::DB::ListColumnFamilies(options, path, &existing).ok()) return names;
  for (std::string& name : existing) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

}  // namespace

struct RocksDbStore::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Handles must go before the database; Close waits for background work to finish.
  ~Impl() {
    if (db == nullptr) return;
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    // A failed close loses nothing: every acknowledged batch is in the write-ahead log,
    // which the next Open replays. A destructor has no one to report to.
    db->Close().PermitUncheckedError();
  }

  rocksdb::ColumnFamilyHandle* Handle(Column column) const {
    const auto index = static_cast<size_t>(column);
    assert(index < columns.size());
    assert(columns[index] != nullptr);
    return columns[index];
  }

  std::unique_ptr<rocksdb::DB> db;
  // Every open family, default and unknown ones included, as DB::Open returned them.
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  // The handle of each Column, indexed by its value; owned by `handles`.
  std::array<rocksdb::ColumnFamilyHandle*, kColumnCount> columns{};
  bool sync = true;
};

Status RocksDbStore::Checkpoint(const std::string& dir) const {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(impl_->db.get(), &raw);
  if (!status.ok()) return FromRocksDb(status, "checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocksDb(checkpoint->CreateCheckpoint(dir), "checkpoint into " + dir);
}

RocksDbStore::RocksDbStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbStore::~RocksDbStore() = default;

StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(const std::string& path,
                                                           const RocksDbOptions& options) {
  const rocksdb::DBOptions db_options = MakeDbOptions();
  const rocksdb::ColumnFamilyOptions family_options = MakeColumnFamilyOptions(options);
  const std::vector<std::string> names = FamilyNames(db_options, path);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    descriptors.emplace_back(name, OptionsFor(name, family_options));
  }

  auto impl = std::make_unique<Impl>();
  rocksdb::DB* db = nullptr;
  // On failure RocksDB deletes the handles it made and leaves db null.
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, descriptors, &impl->handles, &db);
  if (!status.ok()) return FromRocksDb(status, "open " + path);
  impl->db.reset(db);
  assert(impl->handles.size() == names.size());
  // FamilyNames puts the default family first, then the Columns in order.
  for (size_t i = 0; i < impl->columns.size(); ++i) {
    assert(names[i + 1] == ColumnName(static_cast<Column>(i)));
    impl->columns[i] = impl->handles[i + 1];
  }
  impl->sync = options.sync;
  return std::unique_ptr<RocksDbStore>(new RocksDbStore(std::move(impl)));
}

namespace {

// The order to hand a batch's ops to RocksDB: by column, then key, keeping the batch's
// order among ops on the same key (the later one wins, as in the batch). Inserting in
// key order lets the memtable's skip list reuse its last search path, which makes a
// batch of thousands of puts markedly cheaper than inserting them in arrival order. A
// range delete stays where it was: the ops before it are sorted among themselves, and
// so are those after it, so it deletes what it deleted in the batch's order.
std::vector<size_t> OrderForMemtable(const WriteBatch& batch) {
  std::vector<size_t> order(batch.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto by_column_and_key = [&batch](size_t a, size_t b) {
    const WriteBatch::Op x = batch.op(a);
    const WriteBatch::Op y = batch.op(b);
    if (x.column != y.column) return x.column < y.column;
    return x.key < y.key;
  };
  auto run = order.begin();
  for (auto it = order.begin(); it != order.end(); ++it) {
    if (batch.op(*it).kind != WriteBatch::OpKind::kDeleteRange) continue;
    std::stable_sort(run, it, by_column_and_key);
    run = it + 1;
  }
  std::stable_sort(run, order.end(), by_column_and_key);
  return order;
}

rocksdb::Status AddToBatch(const WriteBatch::Op& op, rocksdb::ColumnFamilyHandle* handle,
                           rocksdb::WriteBatch* out) {
  switch (op.kind) {
    case WriteBatch::OpKind::kPut:
      return out->Put(handle, op.key, op.value);
    case WriteBatch::OpKind::kDelete:
      return out->Delete(handle, op.key);
    case WriteBatch::OpKind::kDeleteRange:
      return out->DeleteRange(handle, op.key, op.value);
  }
  return rocksdb::Status::InvalidArgument("unknown write batch op");
}

}  // namespace

Status RocksDbStore::Write(const WriteBatch& batch) {
  // Per-operation perf counters cost thread-local lookups on every insert; the node
  // measures at its own level instead.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  if (batch.empty()) return Status::Ok();
  rocksdb::WriteBatch rocks_batch(kRocksBatchHeaderBytes + batch.byte_size() +
                                  batch.size() * kRocksRecordOverheadBytes);
  for (size_t i : OrderForMemtable(batch)) {
    const WriteBatch::Op op = batch.op(i);
    const rocksdb::Status status = AddToBatch(op, impl_->Handle(op.column), &rocks_batch);
    if (!status.ok()) return FromRocksDb(status, "build write batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = impl_->sync;
  return FromRocksDb(impl_->db->Write(write_options, &rocks_batch), "write");
}

Status RocksDbStore::Get(Column column, std::string_view key, std::string* value) const {
  assert(value != nullptr);
  rocksdb::PinnableSlice pinned;
  const rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->Handle(column), key, &pinned);
  // As in MemoryStore, a miss carries only the column's name: misses are common and a
  // name that short does not allocate.
  if (status.IsNotFound()) return Status::NotFound(std::string(ColumnName(column)));
  if (!status.ok()) return FromRocksDb(status, "get from " + std::string(ColumnName(column)));
  value->assign(pinned.data(), pinned.size());
  return Status::Ok();
}

Status RocksDbStore::Scan(Column column, std::string_view start, std::string_view end, bool reverse,
                          const ScanVisitor& visit) const {
  // RocksDB leaves bounds that cross undefined; the range they describe is empty.
  if (!end.empty() && end <= start) return Status::Ok();
  // The bounds let RocksDB stop at the range's edges in both directions: forward
  // iteration ends before `end`, SeekToLast lands on the last key below `end`, and
  // backward iteration ends at `start`.
  const rocksdb::Slice lower(start);
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions read_options;
  read_options.iterate_lower_bound = &lower;
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(read_options, impl_->Handle(column)));
  if (reverse) {
    for (it->SeekToLast(); it->Valid(); it->Prev()) {
      if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
    }
  } else {
    for (it->Seek(lower); it->Valid(); it->Next()) {
      if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
    }
  }
  return FromRocksDb(it->status(), "scan " + std::string(ColumnName(column)));
}

}  // namespace kyoso::ledger
