// The node's Worker (node/worker.h): the thread that protects flow tables off the
// consensus's apply thread. Jobs run there, one at a time in the order posted; stopping
// tells what is still queued to give up; a job posted once stopped gives up on the
// caller.
#include "node/worker.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace kyoso::node {
namespace {

TEST(WorkerTest, JobsRunOnItsThreadInTheOrderPosted) {
  Worker worker;
  std::vector<int> ran;  // Touched by the worker's thread only, until the last job is done.
  std::vector<std::thread::id> threads;
  std::promise<void> last;
  for (int job = 0; job < 100; ++job) {
    worker.Post([&, job](bool run) {
      EXPECT_TRUE(run);
      ran.push_back(job);
      threads.push_back(std::this_thread::get_id());
      if (job == 99) last.set_value();
    });
  }
  last.get_future().wait();
  worker.Stop();
  ASSERT_EQ(ran.size(), 100u);
  for (int job = 0; job < 100; ++job) EXPECT_EQ(ran[static_cast<size_t>(job)], job);
  for (std::thread::id thread : threads) {
    EXPECT_NE(thread, std::this_thread::get_id());
    EXPECT_EQ(thread, threads.front());
  }
}

TEST(WorkerTest, StoppingTellsWhatIsQueuedToGiveUp) {
  Worker worker;
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  bool first_ran = false;
  worker.Post([&](bool run) {
    first_ran = run;
    started.set_value();
    released.wait();  // Still running when Stop is called.
  });
  std::vector<bool> queued(3, true);
  for (size_t job = 0; job < queued.size(); ++job) {
    worker.Post([&queued, job](bool run) { queued[job] = run; });
  }
  started.get_future().wait();
  std::thread stopper([&worker] { worker.Stop(); });
  while (!worker.stopping()) std::this_thread::yield();
  release.set_value();
  stopper.join();
  EXPECT_TRUE(first_ran);  // The job running finishes its work.
  EXPECT_EQ(queued, std::vector<bool>(3, false));
}

TEST(WorkerTest, AJobPostedOnceStoppedGivesUpOnTheCaller) {
  Worker worker;
  worker.Stop();
  worker.Stop();  // Idempotent.
  std::thread::id ran_on;
  bool ran = true;
  worker.Post([&](bool run) {
    ran_on = std::this_thread::get_id();
    ran = run;
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace kyoso::node
