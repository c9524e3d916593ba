// Worker: one thread for the slow part of reads, off the consensus's apply thread.
//
// A read that takes long (protecting a period's flow tables together takes seconds in a
// large town) copies what it needs out of the ledger on the apply thread, where reads
// run, and leaves the rest to the worker: writes go on being applied meanwhile and, in
// a cluster, the raft loop keeps sending heartbeats. Jobs run one at a time, in the
// order posted, so dashboards asking many tables use one core at most. Stopping does
// not wait for what is queued: each queued job is run told to give up (answering that
// the node is stopping), so a shutdown waits for one job at most.
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

  // A job: does its work when `run`, else only answers that it will not (stopping).
  using Job = std::function<void(bool run)>;
  // Queues `job`; once stopped, calls it at once on the calling thread, not to run.
  void Post(Job job);
  // Calls each queued job not to run, then ends the thread (after the job it is running,
  // if any); idempotent.
  void Stop();
  // Whether Stop has been called.
  bool stopping() const;

 private:
  void Run();

  mutable std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::once_flag joined_;
  std::thread thread_;  // Last: starts once the rest is ready.
};

}  // namespace kyoso::node
