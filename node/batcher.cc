#include "node/batcher.h"

#include <cassert>

namespace kyoso::node {

Batcher::Batcher(Consensus* consensus, const BatcherOptions& options, ledger::TimeNs last_timestamp)
    : consensus_(consensus),
      options_(options),
      last_timestamp_(last_timestamp),
      last_tick_(Clock::now()),
      thread_([this] { Run(); }) {
  assert(options_.size_max > 0);
  assert(options_.size_max <= ledger::kBatchCommandsMax);
}

Batcher::~Batcher() {
  Stop();
}

Batcher::SubmitError Batcher::Submit(std::vector<ledger::Command> commands, Done done) {
  if (commands.empty() || commands.size() > options_.size_max) return SubmitError::kTooLarge;
  std::lock_guard lock(mutex_);
  if (stopping_) return SubmitError::kStopped;
  if (queued_commands_ + commands.size() > options_.queued_max) return SubmitError::kQueueFull;
  bool was_empty = queue_.empty();
  if (was_empty) first_queued_at_ = Clock::now();
  queued_commands_ += commands.size();
  queue_.push_back(Submission{std::move(commands), std::move(done)});
  // The batcher thread needs waking only to start a linger or to close a full batch;
  // waking it for every call would cost a context switch per call under load.
  if (was_empty || queued_commands_ >= options_.size_max) wake_.notify_one();
  return SubmitError::kNone;
}

void Batcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Batcher::Run() {
  std::unique_lock lock(mutex_);
  while (WaitForBatch(lock)) ProposeNext(lock);
  // Stopping: wait for the batch in flight, so every accepted call is answered.
  wake_.wait(lock, [this] { return in_flight_ == 0; });
}

bool Batcher::WaitForBatch(std::unique_lock<std::mutex>& lock) {
  while (true) {
    if (in_flight_ >= options_.in_flight_max) {
      wake_.wait(lock);
      continue;
    }
    Clock::time_point now = Clock::now();
    if (!queue_.empty()) {
      bool full = queued_commands_ >= options_.size_max;
      if (full || stopping_ || now >= first_queued_at_ + options_.linger) return true;
      wake_.wait_until(lock, first_queued_at_ + options_.linger);
      continue;
    }
    if (stopping_) return false;
    if (now >= last_tick_ + options_.tick_interval) return true;
    wake_.wait_until(lock, last_tick_ + options_.tick_interval);
  }
}

void Batcher::ProposeNext(std::unique_lock<std::mutex>& lock) {
  ledger::Batch batch;
  std::vector<Slice> slices;
  // Whole submissions only, so a linked group never straddles two batches.
  while (!queue_.empty() &&
         batch.commands.size() + queue_.front().commands.size() <= options_.size_max) {
    Submission& next = queue_.front();
    slices.push_back(Slice{batch.commands.size(), next.commands.size(), std::move(next.done)});
    for (ledger::Command& command : next.commands) batch.commands.push_back(std::move(command));
    queued_commands_ -= next.commands.size();
    queue_.pop_front();
  }
  // What did not fit keeps its first arrival time: it is overdue and goes next, with no
  // second linger.
  Clock::time_point now = Clock::now();
  if (now >= last_tick_ + options_.tick_interval) {
    // Ledger time advances through the leader alone: a follower's ticks would only be
    // forwarded to it.
    const std::string role = consensus_->Role().role;
    bool keeps_time = role == "leader" || role == "standalone";
    if (!keeps_time) {
      last_tick_ = now;
    } else if (batch.commands.size() < options_.size_max) {
      batch.commands.push_back(ledger::Tick{});  // Its result belongs to no caller.
      last_tick_ = now;
    }
  }
  if (batch.commands.empty()) return;
  batch.timestamp = NextTimestamp();
  ++in_flight_;
  lock.unlock();
  consensus_->Propose(std::move(batch),
                      [this, slices = std::move(slices)](
                          const ledger::Status& status, const ledger::BatchResult* result) mutable {
                        Deliver(status, result, slices);
                        std::lock_guard done_lock(mutex_);
                        --in_flight_;
                        wake_.notify_all();
                      });
  lock.lock();
}

ledger::TimeNs Batcher::NextTimestamp() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  ledger::TimeNs now = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
  last_timestamp_ = std::max(now, last_timestamp_ + 1);
  return last_timestamp_;
}

void Batcher::Deliver(const ledger::Status& status, const ledger::BatchResult* result,
                      std::vector<Slice>& slices) {
  std::vector<ledger::CommandResult> part;
  for (Slice& slice : slices) {
    part.clear();
    if (result != nullptr) {
      auto first = result->results.begin() + static_cast<ptrdiff_t>(slice.offset);
      part.assign(first, first + static_cast<ptrdiff_t>(slice.count));
    }
    slice.done(status, part);
  }
}

}  // namespace kyoso::node
