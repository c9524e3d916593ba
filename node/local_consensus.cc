#include "node/local_consensus.h"

#include <spdlog/spdlog.h>

namespace kyoso::node {
namespace {

ledger::Status Stopped() {
  return ledger::Status::FailedPrecondition("the node is shutting down");
}

}  // namespace

LocalConsensus::LocalConsensus(ledger::Ledger* ledger, AppliedObserver observer)
    : ledger_(ledger), observer_(std::move(observer)), thread_([this] { Run(); }) {}

LocalConsensus::~LocalConsensus() {
  Stop();
}

void LocalConsensus::Propose(ledger::Batch batch, ProposeDone done) {
  Enqueue(Task(ProposeTask{std::move(batch), std::move(done)}));
}

void LocalConsensus::Read(bool /*stale_ok*/, ReadFn read) {
  // On one node the applied state is always current: every read is linearizable.
  Enqueue(Task(std::move(read)));
}

RoleInfo LocalConsensus::Role() const {
  return RoleInfo{"standalone", ""};
}

void LocalConsensus::Inspect(uint64_t head_index, InspectFn inspect) {
  Read(true, [head_index, inspect = std::move(inspect)](const ledger::Status& status,
                                                        const ledger::Ledger* ledger) {
    if (!status.ok()) return inspect(status, nullptr, nullptr);
    ClusterView view;
    view.applied_index = ledger->applied_index();
    view.commit_index = ledger->applied_index();
    // A standalone node keeps no history of heads: only the current one is known.
    if (head_index >= ledger->applied_index()) {
      view.head_at = std::make_pair(ledger->applied_index(), ledger->chain_head());
    }
    inspect(status, &view, ledger);
  });
}

void LocalConsensus::ConfirmLeadership(
    std::function<void(const ledger::Status&, uint64_t applied_index)> done) {
  Read(false, [done = std::move(done)](const ledger::Status& status, const ledger::Ledger* ledger) {
    done(status, status.ok() ? ledger->applied_index() : 0);
  });
}

void LocalConsensus::ChangeMembership(MembershipChange /*change*/,
                                      std::function<void(const ledger::Status&)> done) {
  done(ledger::Status::FailedPrecondition(
      "this node runs standalone; start it with a [cluster] configuration to replicate"));
}

void LocalConsensus::Enqueue(Task&& task) {
  ledger::Status refusal;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && failure_.ok()) {
      queue_.push_back(std::move(task));
      wake_.notify_one();
      return;
    }
    refusal = stopping_ ? Stopped() : failure_;
  }
  if (auto* propose = std::get_if<ProposeTask>(&task)) {
    propose->done(refusal, nullptr);
  } else {
    std::get<ReadFn>(task)(refusal, nullptr);
  }
}

void LocalConsensus::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void LocalConsensus::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // Stopping, and everything queued before has run.
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    RunTask(task);
    lock.lock();
  }
}

void LocalConsensus::RunTask(Task& task) {
  if (auto* propose = std::get_if<ProposeTask>(&task)) {
    ApplyOne(*propose);
    return;
  }
  ledger::Status failure;
  {
    std::lock_guard lock(mutex_);
    failure = failure_;
  }
  std::get<ReadFn>(task)(failure, failure.ok() ? ledger_ : nullptr);
}

void LocalConsensus::ApplyOne(ProposeTask& task) {
  {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) {
      task.done(failure_, nullptr);
      return;
    }
  }
  task.batch.index = ledger_->applied_index() + 1;
  ledger::StatusOr<ledger::BatchResult> result = ledger_->Apply(task.batch);
  if (!result.ok()) {
    spdlog::critical("applying batch {} failed, the node stops taking writes: {}", task.batch.index,
                     result.status().ToString());
    std::lock_guard lock(mutex_);
    failure_ = result.status();
  } else if (observer_) {
    observer_(task.batch, *result, *ledger_);
  }
  task.done(result.status(), result.ok() ? &*result : nullptr);
}

}  // namespace kyoso::node
