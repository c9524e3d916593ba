#include "node/call_tracker.h"

namespace kyoso::node {

class CallTracker::Reactor final : public grpc::ServerUnaryReactor {
 public:
  explicit Reactor(CallTracker* tracker) : tracker_(tracker) {}
  void OnDone() override {
    tracker_->CallDone();
    delete this;
  }

 private:
  CallTracker* tracker_;
};

grpc::ServerUnaryReactor* CallTracker::NewReactor() {
  CallStarted();
  return new Reactor(this);
}

void CallTracker::CallStarted() {
  std::lock_guard lock(mutex_);
  ++in_flight_;
}

void CallTracker::CallDone() {
  std::lock_guard lock(mutex_);
  if (--in_flight_ == 0) idle_.notify_all();
}

void CallTracker::StartDraining() {
  std::lock_guard lock(mutex_);
  draining_ = true;
}

bool CallTracker::draining() const {
  std::lock_guard lock(mutex_);
  return draining_;
}

int CallTracker::in_flight() const {
  return in_flight_.load(std::memory_order_relaxed);
}

bool CallTracker::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return in_flight_ == 0; });
}

}  // namespace kyoso::node
