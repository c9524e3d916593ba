// The node's Worker (node/worker.h): the thread that protects flow tables off the
// consensus's apply thread. Jobs run there, one at a time in the order posted; stopping
// runs what is queued; a job posted once stopped runs on the caller.
#include "node/worker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kyoso::node {
namespace {

TEST(WorkerTest, JobsRunOnItsThreadInTheOrderPostedAndStopRunsWhatIsQueued) {
  Worker worker;
  std::vector<int> ran;  // Touched by the worker's thread only, until Stop returns.
  std::vector<std::thread::id> threads;
  for (int job = 0; job < 100; ++job) {
    worker.Post([&ran, &threads, job] {
      ran.push_back(job);
      threads.push_back(std::this_thread::get_id());
    });
  }
  worker.Stop();
  ASSERT_EQ(ran.size(), 100u);
  for (int job = 0; job < 100; ++job) EXPECT_EQ(ran[static_cast<size_t>(job)], job);
  for (std::thread::id thread : threads) {
    EXPECT_NE(thread, std::this_thread::get_id());
    EXPECT_EQ(thread, threads.front());
  }
}

TEST(WorkerTest, AJobPostedOnceStoppedRunsOnTheCaller) {
  Worker worker;
  worker.Stop();
  worker.Stop();  // Idempotent.
  std::thread::id ran_on;
  worker.Post([&ran_on] { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace kyoso::node
