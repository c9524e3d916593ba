// The same command stream through the memory store and the RocksDB store gives the same
// results, the same chain heads and byte-identical stored state, also after a reopen.
#include <gtest/gtest.h>

#include <filesystem>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "support/generator.h"
#include "support/invariants.h"
#include "support/store_dump.h"

namespace kyoso::testing {
namespace {

using namespace ledger;

class StoreEquivalenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kyoso-equivalence-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    OpenRocks();
    memory_ = std::move(Ledger::Open(&memory_store_)).value();
  }
  void TearDown() override {
    rocks_.reset();
    rocks_store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void OpenRocks() {
    rocks_.reset();
    rocks_store_.reset();
    auto store = RocksDbStore::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    rocks_store_ = std::move(store).value();
    auto ledger = Ledger::Open(rocks_store_.get());
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    rocks_ = std::move(ledger).value();
  }
  void ApplyToBoth(CommandGenerator& generator, int batches) {
    for (int b = 0; b < batches; ++b) {
      Batch batch = generator.Next();
      auto in_memory = memory_->Apply(batch);
      auto in_rocks = rocks_->Apply(batch);
      ASSERT_TRUE(in_memory.ok() && in_rocks.ok());
      ASSERT_EQ(in_memory->results, in_rocks->results) << "batch " << batch.index;
      ASSERT_EQ(Hex(in_memory->chain_head), Hex(in_rocks->chain_head)) << "batch " << batch.index;
    }
  }

  std::filesystem::path dir_;
  MemoryStore memory_store_;
  std::unique_ptr<RocksDbStore> rocks_store_;
  std::unique_ptr<Ledger> memory_;
  std::unique_ptr<Ledger> rocks_;
};

TEST_F(StoreEquivalenceTest, SameStreamSameResultsHeadsAndBytes) {
  CommandGenerator generator(2026);
  ApplyToBoth(generator, 600);
  EXPECT_EQ(DumpStore(memory_store_), DumpStore(*rocks_store_));
  EXPECT_EQ(memory_->last_seq(), rocks_->last_seq());
  EXPECT_GT(memory_->last_seq(), 1000u);  // The stream really moved money.
}

TEST_F(StoreEquivalenceTest, AReopenedRocksDbLedgerContinuesIdentically) {
  CommandGenerator generator(7);
  ApplyToBoth(generator, 300);
  OpenRocks();
  EXPECT_EQ(Hex(memory_->chain_head()), Hex(rocks_->chain_head()));
  EXPECT_EQ(memory_->applied_index(), rocks_->applied_index());
  memory_->ForEachAccount([&](const Account& account) {
    const Account* reopened = rocks_->FindAccount(account.id);
    ASSERT_NE(reopened, nullptr) << account.id;
    EXPECT_EQ(*reopened, account);
  });
  EXPECT_EQ(memory_->currencies(), rocks_->currencies());
  EXPECT_EQ(memory_->programs(), rocks_->programs());
  ApplyToBoth(generator, 300);
  EXPECT_EQ(DumpStore(memory_store_), DumpStore(*rocks_store_));
}

// Regression: a stale entry in the lazy lot-expiry index once let a tick expire an
// account's lots earlier in the order than a freshly opened ledger would, so a replica
// that had restarted numbered tick entries differently from one that had not.
TEST(ReopenTest, ALedgerReopenedEveryFewBatchesStoresTheSameBytes) {
  for (uint64_t seed : {537665090ull, 11ull}) {
    MemoryStore continuous_store;
    MemoryStore reopened_store;
    auto continuous = std::move(Ledger::Open(&continuous_store)).value();
    auto reopened = std::move(Ledger::Open(&reopened_store)).value();
    CommandGenerator a(seed);
    CommandGenerator b(seed);
    for (int batch = 1; batch <= 1200; ++batch) {
      ASSERT_TRUE(continuous->Apply(a.Next()).ok());
      ASSERT_TRUE(reopened->Apply(b.Next()).ok());
      if (batch % 7 == 0) reopened = std::move(Ledger::Open(&reopened_store)).value();
      if (batch % 100 == 0) {
        ASSERT_EQ(DumpStore(continuous_store), DumpStore(reopened_store))
            << "seed " << seed << ", batch " << batch;
      }
    }
  }
}

}  // namespace
}  // namespace kyoso::testing
