// Crash test: a child process applies batches to a RocksDB ledger and is killed with
// SIGKILL at a random moment. On reopen the ledger must be exactly at a batch boundary:
// its stored bytes equal a reference ledger that applied the same batches up to the
// applied index, and every invariant holds. KYOSO_CRASH_ROUNDS scales the run;
// KYOSO_CRASH_SEED replays one seed.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "kyoso/ledger/ledger.h"
#include "kyoso/ledger/memory_store.h"
#include "kyoso/ledger/rocksdb_store.h"
#include "support/env.h"
#include "support/generator.h"
#include "support/invariants.h"
#include "support/store_dump.h"

namespace kyoso::testing {
namespace {

using namespace ledger;

// The child: open, skip what is applied, apply forever (until killed), writing a byte to
// `applied_fd` once its first batch is applied.
[[noreturn]] void RunWriter(const std::string& dir, uint64_t seed, int applied_fd) {
  auto store = RocksDbStore::Open(dir);
  if (!store.ok()) _exit(2);
  auto ledger = Ledger::Open(store->get());
  if (!ledger.ok()) _exit(3);
  CommandGenerator generator(seed);
  while (generator.next_index() <= (*ledger)->applied_index()) generator.Next();
  if (!(*ledger)->Apply(generator.Next()).ok()) _exit(4);
  if (write(applied_fd, "a", 1) != 1) _exit(5);
  for (;;) {
    if (!(*ledger)->Apply(generator.Next()).ok()) _exit(4);
  }
}

// How long a writer may take to open its store and apply one batch on a loaded machine.
constexpr int kFirstBatchTimeoutMs = 120'000;

// When a round kills its writer: `run_ms` after the writer starts, which may be while it
// opens the store, or `run_ms` after its first batch, so that the round moves the ledger
// on however slow the machine is.
struct KillMoment {
  bool after_first_batch;
  int run_ms;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() / ("kyoso-crash-" + std::to_string(getpid())))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Starts a writer, kills it at `moment`; returns its wait status.
  int KillWriterAt(uint64_t seed, KillMoment moment) {
    int applied[2];
    EXPECT_EQ(pipe(applied), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(applied[0]);
      RunWriter(dir_, seed, applied[1]);
    }
    close(applied[1]);
    if (moment.after_first_batch) {
      pollfd first_batch{applied[0], POLLIN, 0};
      EXPECT_EQ(poll(&first_batch, 1, kFirstBatchTimeoutMs), 1)
          << "the writer applied no batch in " << kFirstBatchTimeoutMs << " ms";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(moment.run_ms));
    kill(pid, SIGKILL);
    close(applied[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }

  std::string dir_;
};

TEST_F(CrashTest, AKilledWriterLeavesTheLedgerAtABatchBoundary) {
  uint64_t seed = EnvNumberOr("KYOSO_CRASH_SEED", std::random_device{}());
  uint64_t rounds = EnvNumberOr("KYOSO_CRASH_ROUNDS", 10);
  SCOPED_TRACE("replay with KYOSO_CRASH_SEED=" + std::to_string(seed));
  std::mt19937_64 random(seed);
  MemoryStore reference_store;
  auto reference = std::move(Ledger::Open(&reference_store)).value();
  CommandGenerator reference_batches(seed);
  InvariantChecker checker;
  uint64_t previous_index = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    // Two rounds in three count from the first batch: the run moves on on a slow machine.
    const bool after_first_batch = round % 3 != 2;
    const int run_ms = after_first_batch ? std::uniform_int_distribution<int>(0, 200)(random)
                                         : std::uniform_int_distribution<int>(30, 400)(random);
    int status = KillWriterAt(seed, {after_first_batch, run_ms});
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer stopped by itself (exit " << WEXITSTATUS(status) << ") in round " << round;

    auto store = RocksDbStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto ledger = Ledger::Open(store->get());
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    uint64_t applied = (*ledger)->applied_index();
    ASSERT_GE(applied, previous_index) << "acknowledged batches were lost";
    while (reference->applied_index() < applied) {
      ASSERT_TRUE(reference->Apply(reference_batches.Next()).ok());
    }
    EXPECT_EQ(Hex((*ledger)->chain_head()), Hex(reference->chain_head())) << "round " << round;
    EXPECT_EQ(DumpStore(**store), DumpStore(reference_store)) << "round " << round;
    std::vector<std::string> violations = checker.Check(**ledger);
    EXPECT_TRUE(violations.empty()) << violations.front();
    previous_index = applied;
  }
  EXPECT_GT(previous_index, 1u) << "the writer never got past the town's set-up";
}

}  // namespace
}  // namespace kyoso::testing
