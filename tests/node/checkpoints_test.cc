// RocksDbCheckpoints on a real RocksDB ledger: a snapshot's checkpoint is written by the
// keeper's own thread, after Keep has returned, so it may hold later batches; it is
// served for its raft index and any earlier one, and installed for them without a fetch.
// And ReplicatedState installs such a copy only if it holds the snapshot's own history.
#include "node/raft/checkpoints.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "node/raft/replicated_state.h"
#include "support/generator.h"

namespace kyoso::testing {
namespace {

namespace fs = std::filesystem;
using node::CheckpointKeeper;
using node::ReplicatedState;
using node::RocksDbCheckpoints;
using node::SnapshotDescription;

constexpr auto kWait = std::chrono::seconds(60);

class CheckpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kyoso-checkpoints-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = ledger::RocksDbStore::Open(LedgerDir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto opened = ledger::Ledger::Open(store_.get());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    ledger_ = std::move(opened).value();
    keeper_ = std::make_unique<RocksDbCheckpoints>(
        LedgerDir(), (dir_ / "checkpoints").string(), ledger::RocksDbOptions{},
        [this](const std::string&, uint64_t, const std::string&) {
          ++fetches_;
          return ledger::Status::IOError("no peer in this test");
        });
  }
  void TearDown() override {
    keeper_.reset();
    ledger_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  std::string LedgerDir() const { return (dir_ / "ledger").string(); }
  // Applies the generator's batches up to raft index `last`.
  void ApplyUpTo(uint64_t last) {
    while (generator_.next_index() <= last) {
      ASSERT_TRUE(ledger_->Apply(generator_.Next()).ok());
    }
  }
  // The applied index of the ledger in the checkpoint `dir` (opened as a copy, since
  // opening a database writes to it).
  uint64_t AppliedIndexIn(const std::string& dir) const {
    const fs::path copy = dir_ / "opened";
    fs::remove_all(copy);
    fs::copy(dir, copy);
    auto store = ledger::RocksDbStore::Open(copy.string());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return 0;
    auto opened = ledger::Ledger::Open(store->get());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? (*opened)->applied_index() : 0;
  }

  // Batches 1 to 5 applied and a checkpoint kept for raft index 5.
  void KeepAtFive() {
    ApplyUpTo(5);
    ASSERT_TRUE(keeper_->Keep(*store_, 5).ok());
    ASSERT_TRUE(keeper_->Locate(5, kWait).has_value());
  }
  // The description of a snapshot at `raft_index`, taken by node 2 (unreachable).
  static SnapshotDescription Snapshot(uint64_t raft_index) {
    SnapshotDescription description;
    description.raft_index = raft_index;
    description.ledger_index = raft_index;
    description.source = 2;
    description.source_address = "127.0.0.1:1";
    return description;
  }
  // Installs `description` in place of the live ledger.
  ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(const SnapshotDescription& description) {
    ledger_.reset();
    return keeper_->Install(description, std::move(store_));
  }

  fs::path dir_;
  CommandGenerator generator_{7};
  std::unique_ptr<ledger::RocksDbStore> store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<RocksDbCheckpoints> keeper_;
  int fetches_ = 0;
};

TEST_F(CheckpointsTest, ASnapshotsCheckpointHoldsItsIndexOrLaterAndServesEarlierAsks) {
  ApplyUpTo(5);
  ASSERT_TRUE(keeper_->Keep(*store_, 5).ok());
  ApplyUpTo(8);  // While the keeper's thread may still be writing the checkpoint.

  std::optional<std::string> kept = keeper_->Locate(5, kWait);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(fs::path(*kept).filename(), "5");
  const uint64_t held = AppliedIndexIn(*kept);
  EXPECT_GE(held, 5u);
  EXPECT_LE(held, 8u);
  // An earlier snapshot's ask is served by it; a later one's is not.
  EXPECT_EQ(keeper_->Locate(3, kWait), kept);
  EXPECT_EQ(keeper_->Locate(6, std::chrono::milliseconds(0)), std::nullopt);
}

TEST_F(CheckpointsTest, AnEarlierSnapshotIsInstalledFromALaterCheckpointKeptHere) {
  KeepAtFive();
  auto installed = Install(Snapshot(4));
  ASSERT_TRUE(installed.ok()) << installed.status().ToString();
  EXPECT_EQ(fetches_, 0);
  auto opened = ledger::Ledger::Open(installed->get());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_GE((*opened)->applied_index(), 5u);
}

TEST_F(CheckpointsTest, ASnapshotWithNoCheckpointHereOrLaterIsFetched) {
  KeepAtFive();
  auto installed = Install(Snapshot(9));
  EXPECT_FALSE(installed.ok());
  EXPECT_EQ(fetches_, 1);
}

// A keeper that hands over one given store.
class GivenStore final : public CheckpointKeeper {
 public:
  explicit GivenStore(std::unique_ptr<ledger::Store> store) : store_(std::move(store)) {}
  ledger::Status Keep(ledger::Store&, uint64_t) override { return ledger::Status::Ok(); }
  ledger::StatusOr<std::unique_ptr<ledger::Store>> Install(
      const SnapshotDescription&, std::unique_ptr<ledger::Store>) override {
    return std::move(store_);
  }

 private:
  std::unique_ptr<ledger::Store> store_;
};

// A ledger of the generator's batches 1 to `last` from `seed`; the chain head after batch
// `at` in *head_at.
std::unique_ptr<ledger::Store> LedgerOf(uint64_t seed, uint64_t last, uint64_t at,
                                        ledger::ChainHead* head_at) {
  auto store = std::make_unique<ledger::MemoryStore>();
  auto opened = ledger::Ledger::Open(store.get());
  EXPECT_TRUE(opened.ok());
  CommandGenerator generator(seed);
  while (generator.next_index() <= last) {
    EXPECT_TRUE((*opened)->Apply(generator.Next()).ok());
    if ((*opened)->applied_index() == at) *head_at = (*opened)->chain_head();
  }
  return store;
}

// Restores the snapshot after batch 5 of seed 7 from `copy`.
ledger::Status RestoreFrom(std::unique_ptr<ledger::Store> copy,
                           const ledger::ChainHead& head_at_5) {
  GivenStore keeper(std::move(copy));
  auto state =
      ReplicatedState::Open(1, "127.0.0.1:1", std::make_unique<ledger::MemoryStore>(), &keeper, {});
  EXPECT_TRUE(state.ok());
  SnapshotDescription description;
  description.raft_index = 5;
  description.ledger_index = 5;
  description.chain_head = head_at_5;
  return (*state)->Restore(node::EncodeSnapshotDescription(description));
}

TEST(RestoreTest, ACopyAheadOfItsSnapshotIsInstalledOnlyWithTheSnapshotsHistory) {
  ledger::ChainHead head_at_5{}, other_head{};
  auto ahead = LedgerOf(7, 8, 5, &head_at_5);
  EXPECT_TRUE(RestoreFrom(std::move(ahead), head_at_5).ok());
  auto other_history = LedgerOf(8, 8, 5, &other_head);
  ASSERT_NE(other_head, head_at_5);
  ledger::Status refused = RestoreFrom(std::move(other_history), head_at_5);
  EXPECT_EQ(refused.code(), ledger::Status::Code::kCorruption) << refused.ToString();
  ledger::ChainHead unused{};
  auto behind = LedgerOf(7, 4, 0, &unused);
  EXPECT_EQ(RestoreFrom(std::move(behind), head_at_5).code(), ledger::Status::Code::kCorruption);
}

}  // namespace
}  // namespace kyoso::testing
