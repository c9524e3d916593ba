#include "node/worker.h"

namespace kyoso::node {

Worker::Worker() : thread_([this] { Run(); }) {}

Worker::~Worker() {
  Stop();
}

void Worker::Post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(std::move(job));
      posted_.notify_one();
      return;
    }
  }
  job(false);
}

void Worker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    posted_.notify_one();
  }
  std::call_once(joined_, [this] {
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  });
}

bool Worker::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void Worker::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    posted_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // Stopping, and nothing left.
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    const bool run = !stopping_;
    lock.unlock();
    job(run);
    job = nullptr;  // What it held (a snapshot of tens of MB) is freed outside the lock.
    lock.lock();
  }
}

}  // namespace kyoso::node
