// Batcher: gathers the commands of many concurrent calls into one ledger batch.
//
// A batch closes when it holds `size_max` commands or when its first command has waited
// `linger`; then the batcher stamps the time (strictly increasing, so ledger time never
// goes back even if the wall clock does), adds a Tick when one is due, and proposes it
// through Consensus. One batch is in flight at a time by default: while it applies, the next one
// fills, which is what lets thousands of calls share one raft entry and one WriteBatch
// (up to `in_flight_max` batches may be in flight: a cluster pipelines its round trips).
// Each submission's commands stay together and in order in one batch, so a linked group
// is never split. When no work arrives, a tick-only batch runs every `tick_interval`, so
// holds and lots expire on time; in a cluster only the leader's batcher adds ticks.
//
// Thread-safety: Submit may be called from any thread; callbacks run on the consensus's
// apply thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "node/consensus.h"

namespace kyoso::node {

struct BatcherOptions {
  size_t size_max = 4'096;  // Commands per batch (≤ ledger::kBatchCommandsMax).
  std::chrono::microseconds linger{500};
  std::chrono::milliseconds tick_interval{1'000};
  // Commands waiting, at most: past it, Submit refuses (RESOURCE_EXHAUSTED) rather than
  // letting memory and latency grow without bound.
  size_t queued_max = 65'536;
  // Batches proposed and not yet applied, at most. More than one lets a cluster overlap
  // replication round trips; on this 2-core machine it measured no gain (the three
  // replicas' apply work is the limit: docs/benchmarks.md).
  size_t in_flight_max = 1;
};

class Batcher {
 public:
  // Results for one submission, one per command in order; or the reason none applied.
  using Done =
      std::function<void(const ledger::Status&, const std::vector<ledger::CommandResult>&)>;
  enum class SubmitError { kNone, kStopped, kQueueFull, kTooLarge };

  // `consensus` must outlive the batcher; `last_timestamp` is the ledger's last time.
  Batcher(Consensus* consensus, const BatcherOptions& options, ledger::TimeNs last_timestamp);
  ~Batcher();

  // Queues `commands` (non-empty, at most size_max) to apply together. On an error
  // nothing is queued and `done` is not called.
  [[nodiscard]] SubmitError Submit(std::vector<ledger::Command> commands, Done done);

  // Proposes what is queued, waits until every proposed batch has applied, and stops.
  void Stop();

 private:
  struct Submission {
    std::vector<ledger::Command> commands;
    Done done;
  };
  struct Slice {
    size_t offset;
    size_t count;
    Done done;
  };
  using Clock = std::chrono::steady_clock;

  void Run();
  // Waits until a batch should close; false when stopping with nothing left.
  bool WaitForBatch(std::unique_lock<std::mutex>& lock);
  void ProposeNext(std::unique_lock<std::mutex>& lock);
  ledger::TimeNs NextTimestamp();
  static void Deliver(const ledger::Status& status, const ledger::BatchResult* result,
                      std::vector<Slice>& slices);

  Consensus* consensus_;
  BatcherOptions options_;
  ledger::TimeNs last_timestamp_;
  Clock::time_point last_tick_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Submission> queue_;
  size_t queued_commands_ = 0;
  Clock::time_point first_queued_at_{};
  size_t in_flight_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace kyoso::node
