// CallTracker: counts the calls a node is serving, so a shutdown drains exactly them.
//
// gRPC's Server::Shutdown(deadline) waits out the whole deadline while any client keeps
// a connection open, even with no call in flight; so the node counts its own calls: each
// handler takes its reactor from NewReactor(), whose OnDone counts the call out. Drain
// refuses new writes, waits until no call is in flight (or the grace period ends), and
// only then is the gRPC server shut down at once. The HTTP gateway's reads count too.
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kyoso::node {

class CallTracker {
 public:
  // A reactor for one unary call, counted until gRPC is done with it.
  grpc::ServerUnaryReactor* NewReactor();
  // Counts a call served outside gRPC (the HTTP gateway's): CallStarted as it begins,
  // CallDone once it has answered.
  void CallStarted();
  void CallDone();
  // From now on writes are refused with UNAVAILABLE (see draining()).
  void StartDraining();
  bool draining() const;
  // Calls being served now.
  int in_flight() const;
  // Waits until no call is in flight; false if `timeout` passed first.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  class Reactor;

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  // Changed under mutex_ (for idle_); read without it by in_flight().
  std::atomic<int> in_flight_ = 0;
  bool draining_ = false;
};

}  // namespace kyoso::node
