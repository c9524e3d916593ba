// LocalConsensus: the Consensus of a single node, which orders batches by arrival and
// applies them on one apply thread.
//
// The apply thread owns the Ledger: every apply and every read runs on it, one at a time,
// in the order they were queued, so a read queued after a write sees it. A batch is
// applied (and synced to the Store) before its ProposeDone runs: nothing acknowledged is
// ever lost. A Store failure is fatal to the ledger: the node stops accepting work and
// reports it; it must be restarted.
//
// Thread-safety: Propose, Read, Role and Stop may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

#include "node/consensus.h"

namespace kyoso::node {

class LocalConsensus final : public Consensus {
 public:
  // `ledger` must outlive this object; `observer` may be empty.
  LocalConsensus(ledger::Ledger* ledger, AppliedObserver observer);
  ~LocalConsensus() override;

  void Propose(ledger::Batch batch, ProposeDone done) override;
  void Read(bool stale_ok, ReadFn read) override;
  RoleInfo Role() const override;
  void Inspect(uint64_t head_index, InspectFn inspect) override;
  void ConfirmLeadership(
      std::function<void(const ledger::Status&, uint64_t applied_index)> done) override;
  void ChangeMembership(MembershipChange change,
                        std::function<void(const ledger::Status&)> done) override;
  void Stop() override;

 private:
  struct ProposeTask {
    ledger::Batch batch;
    ProposeDone done;
  };
  using Task = std::variant<ProposeTask, ReadFn>;

  void Run();
  void RunTask(Task& task);
  void ApplyOne(ProposeTask& task);
  // Queues `task` or, once stopped or failed, reports why not.
  void Enqueue(Task&& task);

  ledger::Ledger* ledger_;
  AppliedObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  ledger::Status failure_;  // Set when the store failed: nothing more is applied.
  std::thread thread_;
};

}  // namespace kyoso::node
