// Tests of the Store implementations: the same cases run against MemoryStore and
// RocksDbStore, so the memory store that tests and benchmarks use behaves like the one in
// production. RocksDB-only cases cover durability and the directory lock.
#include "kyoso/ledger/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "kyoso/ledger/status.h"

namespace kyoso::ledger {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// Set in the environment of the child process that SecondProcessCannotOpen starts.
constexpr char kChildDirVariable[] = "KYOSO_STORE_TEST_CHILD_DIR";
// Exit codes of that child, so the parent can tell what it saw.
constexpr int kChildOpenFailedWithIOError = 42;
constexpr int kChildOpenSucceeded = 43;
constexpr int kChildOpenFailedOtherwise = 44;

// A fresh directory under the system's temp directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("kyoso_store_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
             "_" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string db_path() const { return (path_ / "db").string(); }

 private:
  std::filesystem::path path_;
};

// Makes a MemoryStore; there is nothing to clean up.
class MemoryStoreMaker {
 public:
  std::unique_ptr<Store> Make() { return std::make_unique<MemoryStore>(); }
};

// Makes a RocksDbStore in a directory of its own. Sync is off: these cases test
// semantics, not durability, and a synced write per step would make them slow.
class RocksDbStoreMaker {
 public:
  std::unique_ptr<Store> Make() {
    auto store = RocksDbStore::Open(dir_.db_path(), RocksDbOptions{.sync = false});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }

 private:
  TempDir dir_;
};

template <typename Maker>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = maker_.Make();
    ASSERT_NE(store_, nullptr);
  }
  // The store must close before its directory goes.
  void TearDown() override { store_.reset(); }

  void Put(Column column, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(column, key, value);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  void Delete(Column column, std::string_view key) {
    WriteBatch batch;
    batch.Delete(column, key);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  // The value of `key`, or "<NotFound>" when absent.
  std::string Get(Column column, std::string_view key) {
    std::string value;
    const Status status = store_->Get(column, key, &value);
    if (status.IsNotFound()) return "<NotFound>";
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }
  Entries Scan(Column column, std::string_view start, std::string_view end, bool reverse,
               size_t limit = SIZE_MAX) {
    Entries entries;
    const Status status = store_->Scan(column, start, end, reverse,
                                       [&](std::string_view key, std::string_view value) {
                                         entries.emplace_back(key, value);
                                         return entries.size() < limit;
                                       });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return entries;
  }
  std::vector<std::string> ScanKeys(Column column, std::string_view start = "",
                                    std::string_view end = "", bool reverse = false) {
    std::vector<std::string> keys;
    for (auto& [key, value] : Scan(column, start, end, reverse)) keys.push_back(key);
    return keys;
  }
  void PutAll(Column column, const std::vector<std::string>& keys) {
    WriteBatch batch;
    for (const std::string& key : keys) batch.Put(column, key, "v" + key);
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  Maker maker_;
  std::unique_ptr<Store> store_;
};

using StoreMakers = ::testing::Types<MemoryStoreMaker, RocksDbStoreMaker>;
class StoreMakerNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryStoreMaker> ? "Memory" : "RocksDb";
  }
};
TYPED_TEST_SUITE(StoreTest, StoreMakers, StoreMakerNames);

TYPED_TEST(StoreTest, PutThenGet) {
  this->Put(Column::kState, "account/1", "balance=5");
  EXPECT_EQ(this->Get(Column::kState, "account/1"), "balance=5");
}

TYPED_TEST(StoreTest, GetOfAbsentKeyIsNotFound) {
  this->Put(Column::kState, "a", "1");
  std::string value = "untouched";
  const Status status = this->store_->Get(Column::kState, "b", &value);
  EXPECT_EQ(status.code(), Status::Code::kNotFound);
  EXPECT_EQ(value, "untouched");
}

TYPED_TEST(StoreTest, EmptyValueIsStoredAndFound) {
  this->Put(Column::kMeta, "flag", "");
  std::string value = "x";
  ASSERT_TRUE(this->store_->Get(Column::kMeta, "flag", &value).ok());
  EXPECT_EQ(value, "");
}

TYPED_TEST(StoreTest, PutOverwrites) {
  this->Put(Column::kState, "k", "old");
  this->Put(Column::kState, "k", "new");
  EXPECT_EQ(this->Get(Column::kState, "k"), "new");
}

TYPED_TEST(StoreTest, DeleteRemovesKey) {
  this->Put(Column::kState, "k", "v");
  this->Delete(Column::kState, "k");
  EXPECT_EQ(this->Get(Column::kState, "k"), "<NotFound>");
}

TYPED_TEST(StoreTest, DeleteOfAbsentKeyIsOk) {
  this->Delete(Column::kState, "never-written");
  EXPECT_EQ(this->Get(Column::kState, "never-written"), "<NotFound>");
}

TYPED_TEST(StoreTest, LaterOpInSameBatchWins) {
  WriteBatch batch;
  batch.Put(Column::kState, "k", "first");
  batch.Put(Column::kState, "k", "second");
  batch.Put(Column::kState, "gone", "x");
  batch.Delete(Column::kState, "gone");
  batch.Delete(Column::kState, "back");
  batch.Put(Column::kState, "back", "again");
  ASSERT_TRUE(this->store_->Write(batch).ok());
  EXPECT_EQ(this->Get(Column::kState, "k"), "second");
  EXPECT_EQ(this->Get(Column::kState, "gone"), "<NotFound>");
  EXPECT_EQ(this->Get(Column::kState, "back"), "again");
  EXPECT_EQ(this->ScanKeys(Column::kState), (std::vector<std::string>{"back", "k"}));
}

TYPED_TEST(StoreTest, DeleteRangeRemovesItsKeysAndNoOthers) {
  this->PutAll(Column::kFlows, {"a", "b", "bx", "c", "d"});
  this->PutAll(Column::kHistory, {"b"});
  WriteBatch batch;
  batch.DeleteRange(Column::kFlows, "b", "d");
  ASSERT_TRUE(this->store_->Write(batch).ok());
  EXPECT_EQ(this->ScanKeys(Column::kFlows), (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(this->Get(Column::kFlows, "c"), "<NotFound>");
  EXPECT_EQ(this->Get(Column::kHistory, "b"), "vb");  // Another column's key stays.
}

TYPED_TEST(StoreTest, DeleteRangeTakesEffectInTheBatchsOrder) {
  this->PutAll(Column::kFlows, {"m"});
  (void)this->ScanKeys(Column::kFlows);  // "m" is behind a scan; what follows is not.
  WriteBatch batch;
  batch.Put(Column::kFlows, "z", "before");  // Sorts after "n", but was put first.
  batch.Put(Column::kFlows, "n", "before");
  batch.DeleteRange(Column::kFlows, "m", "zz");
  batch.Put(Column::kFlows, "o", "after");
  batch.Put(Column::kFlows, "a", "after");
  ASSERT_TRUE(this->store_->Write(batch).ok());
  EXPECT_EQ(this->ScanKeys(Column::kFlows), (std::vector<std::string>{"a", "o"}));
  EXPECT_EQ(this->Get(Column::kFlows, "z"), "<NotFound>");
  EXPECT_EQ(this->Get(Column::kFlows, "o"), "after");
}

TYPED_TEST(StoreTest, EmptyBatchIsOk) {
  this->Put(Column::kState, "k", "v");
  WriteBatch batch;
  EXPECT_TRUE(this->store_->Write(batch).ok());
  EXPECT_EQ(this->Get(Column::kState, "k"), "v");
}

TYPED_TEST(StoreTest, ScanAscendingReturnsKeysInOrderWithValues) {
  this->PutAll(Column::kHistory, {"c", "a", "b"});
  EXPECT_EQ(this->Scan(Column::kHistory, "", "", false),
            (Entries{{"a", "va"}, {"b", "vb"}, {"c", "vc"}}));
}

TYPED_TEST(StoreTest, ScanDescendingReturnsKeysInReverseOrder) {
  this->PutAll(Column::kHistory, {"c", "a", "b"});
  EXPECT_EQ(this->Scan(Column::kHistory, "", "", true),
            (Entries{{"c", "vc"}, {"b", "vb"}, {"a", "va"}}));
}

TYPED_TEST(StoreTest, ScanBoundsAreStartInclusiveEndExclusive) {
  this->PutAll(Column::kHistory, {"a", "b", "c", "d", "e"});
  using Keys = std::vector<std::string>;
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "b", "d", false), (Keys{"b", "c"}));
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "b", "d", true), (Keys{"c", "b"}));
  // Bounds that fall between keys.
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "a0", "c0", false), (Keys{"b", "c"}));
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "a0", "c0", true), (Keys{"c", "b"}));
  // An empty end runs to the end of the column.
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "c", "", false), (Keys{"c", "d", "e"}));
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "c", "", true), (Keys{"e", "d", "c"}));
  // Ranges past either edge, and empty or inverted ones.
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "", "b", true), (Keys{"a"}));
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "f", "", false), Keys{});
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "f", "", true), Keys{});
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "c", "c", false), Keys{});
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "d", "b", false), Keys{});
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "d", "b", true), Keys{});
}

TYPED_TEST(StoreTest, ScanOverKeyPrefix) {
  this->PutAll(Column::kHistory, {"acct1/001", "acct1/002", "acct10/001", "acct2/001"});
  // The ledger scans one account's entries with [prefix, prefix with its last byte + 1).
  EXPECT_EQ(this->ScanKeys(Column::kHistory, "acct1/", "acct10", false),
            (std::vector<std::string>{"acct1/001", "acct1/002"}));
}

TYPED_TEST(StoreTest, ScanStopsWhenVisitorReturnsFalse) {
  this->PutAll(Column::kHistory, {"a", "b", "c", "d"});
  EXPECT_EQ(this->Scan(Column::kHistory, "", "", false, 2), (Entries{{"a", "va"}, {"b", "vb"}}));
  EXPECT_EQ(this->Scan(Column::kHistory, "", "", true, 1), (Entries{{"d", "vd"}}));
  int visits = 0;
  ASSERT_TRUE(this->store_
                  ->Scan(Column::kHistory, "", "", false,
                         [&](std::string_view, std::string_view) {
                           ++visits;
                           return false;
                         })
                  .ok());
  EXPECT_EQ(visits, 1);
}

TYPED_TEST(StoreTest, ColumnsAreIndependent) {
  WriteBatch batch;
  batch.Put(Column::kState, "k", "state");
  batch.Put(Column::kTransfers, "k", "transfer");
  batch.Put(Column::kHolds, "h", "hold");
  ASSERT_TRUE(this->store_->Write(batch).ok());
  EXPECT_EQ(this->Get(Column::kState, "k"), "state");
  EXPECT_EQ(this->Get(Column::kTransfers, "k"), "transfer");
  EXPECT_EQ(this->Get(Column::kMeta, "k"), "<NotFound>");
  EXPECT_EQ(this->Get(Column::kState, "h"), "<NotFound>");
  EXPECT_EQ(this->ScanKeys(Column::kHolds), std::vector<std::string>{"h"});
  EXPECT_TRUE(this->ScanKeys(Column::kBatches).empty());
  this->Delete(Column::kState, "k");
  EXPECT_EQ(this->Get(Column::kTransfers, "k"), "transfer");
}

TYPED_TEST(StoreTest, ScanSkipsDeletedKeysAndSeesThemReAdded) {
  using Keys = std::vector<std::string>;
  this->PutAll(Column::kHolds, {"a", "b", "c"});
  EXPECT_EQ(this->ScanKeys(Column::kHolds), (Keys{"a", "b", "c"}));
  this->Delete(Column::kHolds, "b");
  EXPECT_EQ(this->ScanKeys(Column::kHolds), (Keys{"a", "c"}));
  EXPECT_EQ(this->ScanKeys(Column::kHolds, "", "", true), (Keys{"c", "a"}));
  this->Put(Column::kHolds, "b", "again");
  EXPECT_EQ(this->Scan(Column::kHolds, "b", "c", false), (Entries{{"b", "again"}}));
  EXPECT_EQ(this->ScanKeys(Column::kHolds), (Keys{"a", "b", "c"}));
}

TYPED_TEST(StoreTest, DeleteAndReAddBetweenScansLeavesOneCopy) {
  using Keys = std::vector<std::string>;
  this->PutAll(Column::kHolds, {"a", "b"});
  EXPECT_EQ(this->ScanKeys(Column::kHolds), (Keys{"a", "b"}));
  // Between two scans: an existing key deleted and put back, a new key put, deleted and
  // put back, and a new key put then deleted.
  this->Delete(Column::kHolds, "a");
  this->Put(Column::kHolds, "a", "2");
  this->Put(Column::kHolds, "c", "1");
  this->Delete(Column::kHolds, "c");
  this->Put(Column::kHolds, "c", "2");
  this->Put(Column::kHolds, "d", "1");
  this->Delete(Column::kHolds, "d");
  EXPECT_EQ(this->Scan(Column::kHolds, "", "", false),
            (Entries{{"a", "2"}, {"b", "vb"}, {"c", "2"}}));
}

TYPED_TEST(StoreTest, InterleavedWritesAndScansMatchAModel) {
  // Random puts, deletes and scans over a small key space, checked after every step
  // against a std::map. The small key space makes deletes, re-adds and overwrites common.
  constexpr uint32_t kSeed = 20240601;
  constexpr int kSteps = 400;
  constexpr int kKeySpace = 40;
  SCOPED_TRACE(testing::Message() << "seed " << kSeed);
  std::mt19937 random(kSeed);
  std::map<std::string, std::string> model;
  auto random_key = [&] { return "key" + std::to_string(random() % kKeySpace); };
  for (int step = 0; step < kSteps; ++step) {
    SCOPED_TRACE(testing::Message() << "step " << step);
    WriteBatch batch;
    const int ops = static_cast<int>(random() % 5);
    for (int i = 0; i < ops; ++i) {
      const std::string key = random_key();
      if (random() % 3 == 0) {
        batch.Delete(Column::kTransfers, key);
        model.erase(key);
      } else {
        const std::string value = std::to_string(step) + "." + std::to_string(i);
        batch.Put(Column::kTransfers, key, value);
        model[key] = value;
      }
    }
    ASSERT_TRUE(this->store_->Write(batch).ok());
    if (random() % 2 == 0) continue;  // Let some writes pile up before the next scan.
    std::string start = random_key();
    std::string end = random() % 4 == 0 ? "" : random_key();
    const bool reverse = random() % 2 == 0;
    Entries expected;
    for (auto it = model.lower_bound(start); it != model.end() && (end.empty() || it->first < end);
         ++it) {
      expected.emplace_back(it->first, it->second);
    }
    if (reverse) std::reverse(expected.begin(), expected.end());
    ASSERT_EQ(this->Scan(Column::kTransfers, start, end, reverse), expected)
        << "start " << start << " end " << end << " reverse " << reverse;
  }
  Entries all(model.begin(), model.end());
  EXPECT_EQ(this->Scan(Column::kTransfers, "", "", false), all);
}

TYPED_TEST(StoreTest, BinaryKeysOrderBytewise) {
  using namespace std::string_literals;
  const std::string zero_inside = "a\0b"s;
  const std::string zero_end = "a\0"s;
  const std::string high = "a\xff"s;
  const std::string higher = "a\xff\xff"s;
  const std::string empty;
  this->PutAll(Column::kState, {high, zero_inside, "a", higher, zero_end, "b", empty});
  // Bytewise order treats bytes as unsigned: 0x00 sorts first, 0xFF last.
  const std::vector<std::string> ascending{empty, "a", zero_end, zero_inside, high, higher, "b"};
  EXPECT_EQ(this->ScanKeys(Column::kState), ascending);
  EXPECT_EQ(this->Get(Column::kState, zero_inside), "v" + zero_inside);
  EXPECT_EQ(this->Get(Column::kState, "a"), "va");
  EXPECT_EQ(this->Get(Column::kState, empty), "v");
  EXPECT_EQ(this->ScanKeys(Column::kState, zero_end, high, false),
            (std::vector<std::string>{zero_end, zero_inside}));
  EXPECT_EQ(this->ScanKeys(Column::kState, "a", "b", true),
            (std::vector<std::string>{higher, high, zero_inside, zero_end, "a"}));
  this->Put(Column::kState, "k", "v\0\xff"s);
  EXPECT_EQ(this->Get(Column::kState, "k"), "v\0\xff"s);
}

TEST(WriteBatchTest, OpsReturnWhatWasAdded) {
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  batch.Put(Column::kHistory, "key", "value");
  batch.Delete(Column::kHolds, "gone");
  batch.DeleteRange(Column::kFlows, "from", "to");
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch.byte_size(), 18u);
  const WriteBatch::Op put = batch.op(0);
  EXPECT_EQ(put.column, Column::kHistory);
  EXPECT_EQ(put.kind, WriteBatch::OpKind::kPut);
  EXPECT_EQ(put.key, "key");
  EXPECT_EQ(put.value, "value");
  const WriteBatch::Op del = batch.op(1);
  EXPECT_EQ(del.column, Column::kHolds);
  EXPECT_EQ(del.kind, WriteBatch::OpKind::kDelete);
  EXPECT_EQ(del.key, "gone");
  EXPECT_EQ(del.value, "");
  const WriteBatch::Op range = batch.op(2);
  EXPECT_EQ(range.kind, WriteBatch::OpKind::kDeleteRange);
  EXPECT_EQ(range.key, "from");
  EXPECT_EQ(range.value, "to");
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.byte_size(), 0u);
}

TEST(WriteBatchTest, ViewsStayValidAcrossBufferGrowth) {
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) batch.Put(Column::kState, std::to_string(i), std::string(i, 'x'));
  // op() reads through data_ each call, so later appends that moved the buffer are fine.
  EXPECT_EQ(batch.op(0).key, "0");
  EXPECT_EQ(batch.op(999).key, "999");
  EXPECT_EQ(batch.op(999).value, std::string(999, 'x'));
}

TEST(ColumnNameTest, NamesEveryColumn) {
  EXPECT_EQ(ColumnName(Column::kMeta), "meta");
  EXPECT_EQ(ColumnName(Column::kState), "state");
  EXPECT_EQ(ColumnName(Column::kTransfers), "transfers");
  EXPECT_EQ(ColumnName(Column::kHistory), "history");
  EXPECT_EQ(ColumnName(Column::kHolds), "holds");
  EXPECT_EQ(ColumnName(Column::kBatches), "batches");
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(Status::IOError("disk full").ToString(), "IOError: disk full");
  EXPECT_EQ(Status::NotFound("state").ToString(), "NotFound: state");
  EXPECT_EQ(Status::Corruption("bad crc").ToString(), "Corruption: bad crc");
  EXPECT_EQ(Status::InvalidArgument("x").ToString(), "InvalidArgument: x");
  EXPECT_EQ(Status::FailedPrecondition("y").ToString(), "FailedPrecondition: y");
}

TEST(MemoryStoreTest, CountKeysFollowsPutsAndDeletes) {
  MemoryStore store;
  WriteBatch batch;
  batch.Put(Column::kState, "a", "1");
  batch.Put(Column::kState, "b", "1");
  batch.Put(Column::kState, "a", "2");
  batch.Put(Column::kMeta, "a", "1");
  batch.Delete(Column::kState, "b");
  ASSERT_TRUE(store.Write(batch).ok());
  EXPECT_EQ(store.CountKeys(Column::kState), 1u);
  EXPECT_EQ(store.CountKeys(Column::kMeta), 1u);
  EXPECT_EQ(store.CountKeys(Column::kHistory), 0u);
}

TEST(MemoryStoreTest, VisitorMayWriteDuringScan) {
  // The ledger may expire holds as a scan finds them; the scan must not trip over keys
  // deleted or added behind it, and the next scan sees the result.
  MemoryStore store;
  WriteBatch batch;
  for (const char* key : {"a", "b", "c", "d"}) batch.Put(Column::kHolds, key, "1");
  ASSERT_TRUE(store.Write(batch).ok());
  std::vector<std::string> visited;
  ASSERT_TRUE(store
                  .Scan(Column::kHolds, "", "", false,
                        [&](std::string_view key, std::string_view) {
                          visited.emplace_back(key);
                          WriteBatch change;
                          if (key == "a") change.Delete(Column::kHolds, "c");
                          if (key == "b") change.Put(Column::kHolds, "bb", "1");
                          EXPECT_TRUE(store.Write(change).ok());
                          return true;
                        })
                  .ok());
  EXPECT_EQ(visited, (std::vector<std::string>{"a", "b", "d"}));
  visited.clear();
  ASSERT_TRUE(store
                  .Scan(Column::kHolds, "", "", false,
                        [&](std::string_view key, std::string_view) {
                          visited.emplace_back(key);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(visited, (std::vector<std::string>{"a", "b", "bb", "d"}));
}

class RocksDbStoreTest : public ::testing::Test {
 protected:
  StatusOr<std::unique_ptr<RocksDbStore>> Open() { return RocksDbStore::Open(dir_.db_path()); }

  TempDir dir_;
};

TEST_F(RocksDbStoreTest, DataSurvivesCloseAndReopen) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteBatch batch;
    batch.Put(Column::kTransfers, "t1", "100");
    batch.Put(Column::kTransfers, "t2", "200");
    batch.Put(Column::kMeta, "applied", "7");
    batch.Delete(Column::kTransfers, "t2");
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::string value;
  ASSERT_TRUE((*store)->Get(Column::kTransfers, "t1", &value).ok());
  EXPECT_EQ(value, "100");
  EXPECT_TRUE((*store)->Get(Column::kTransfers, "t2", &value).IsNotFound());
  ASSERT_TRUE((*store)->Get(Column::kMeta, "applied", &value).ok());
  EXPECT_EQ(value, "7");
}

TEST_F(RocksDbStoreTest, SecondOpenInSameProcessFailsWhileOpen) {
  auto first = Open();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Open();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError) << second.status().ToString();
  // The failed open leaves the first one working, and closing the first frees the lock.
  WriteBatch batch;
  batch.Put(Column::kMeta, "k", "v");
  EXPECT_TRUE((*first)->Write(batch).ok());
  first.value().reset();
  auto third = Open();
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST_F(RocksDbStoreTest, SecondProcessCannotOpenWhileOpen) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  // Run this binary again as the second process: OpenHeldDirectoryInChild below does the
  // open there when it finds the directory in its environment.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string command = std::string(kChildDirVariable) + "='" + dir_.db_path() + "' '" +
                              self + "' --gtest_filter=RocksDbStoreChild.* >/dev/null 2>&1";
  const int result = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(result)) << result;
  EXPECT_EQ(WEXITSTATUS(result), kChildOpenFailedWithIOError);
}

// Only does something in the child process of SecondProcessCannotOpenWhileOpen.
TEST(RocksDbStoreChild, OpenHeldDirectory) {
  const char* dir = std::getenv(kChildDirVariable);
  if (dir == nullptr) GTEST_SKIP() << "runs only as the child of SecondProcessCannotOpen";
  auto store = RocksDbStore::Open(dir);
  if (store.ok()) std::_Exit(kChildOpenSucceeded);
  std::_Exit(store.status().code() == Status::Code::kIOError ? kChildOpenFailedWithIOError
                                                             : kChildOpenFailedOtherwise);
}

TEST_F(RocksDbStoreTest, OpenOfUnusablePathFails) {
  // A regular file where the directory should be.
  const std::string path = dir_.db_path();
  { std::ofstream(path) << "not a database"; }
  auto store = RocksDbStore::Open(path);
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace kyoso::ledger
