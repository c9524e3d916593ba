// Worker: one thread for the slow part of reads, off the consensus's apply thread.
//
// A read that takes long (protecting a period's flow tables together takes seconds in a
// large town) copies what it needs out of the ledger on the apply thread, where reads
// run, and leaves the rest to the worker: writes go on being applied meanwhile and, in
// a cluster, the raft loop keeps sending heartbeats. Jobs run one at a time, in the
// order posted, so dashboards asking many tables use one core at most.
//
// Thread-safety: Post and Stop may be called from any thread.
#pragma once

#include <grpcpp/support/status.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace kyoso::node {

// What is left of a read once it has taken what it needs of the ledger: runs on the
// Worker and must not touch the ledger; its status finishes the call.
using ReadRest = std::function<grpc::Status()>;

class Worker {
 public:
  Worker();
  ~Worker();  // Stops.
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Queues `job`; once stopped, runs it at once on the calling thread.
  void Post(std::function<void()> job);
  // Runs what is queued, then ends the thread; idempotent.
  void Stop();

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // Last: starts once the rest is ready.
};

}  // namespace kyoso::node
