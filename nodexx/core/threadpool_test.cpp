// SPDX-License-Identifier: MIT
#include "nodexx/core/threadpool.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using ThreadpoolTest = testing::FreshLoop;

TEST_F(ThreadpoolTest, RunsOffTheLoopThreadAndResolvesOnIt) {
  std::thread::id loopThread = std::this_thread::get_id();
  std::thread::id workThread;
  (void)threadpool::run([&] {
    workThread = std::this_thread::get_id();
    return 6 * 7;
  }).then([&](int& v) {
    EXPECT_EQ(std::this_thread::get_id(), loopThread);
    mark(std::to_string(v));
  });
  run();
  EXPECT_NE(workThread, loopThread);
  EXPECT_THAT(log, ElementsAre("42"));
}

TEST_F(ThreadpoolTest, ExceptionsBecomeRejections) {
  (void)threadpool::run([]() -> int { throw std::runtime_error("in the pool"); })
      .catch_([&](std::exception_ptr e) {
        mark(describe(e));
        return 0;
      });
  run();
  EXPECT_THAT(log, ElementsAre("Error: in the pool"));
}

TEST_F(ThreadpoolTest, VoidWorkAndMoveOnlyResults) {
  std::atomic<int> side{0};
  (void)threadpool::run([&] { side = 1; }).then([&] { mark("void done"); });
  (void)threadpool::run([] { return std::make_unique<int>(9); })
      .then([&](std::unique_ptr<int>& p) { mark(std::to_string(*p)); });
  run();
  EXPECT_EQ(side, 1);
  EXPECT_THAT(log, ::testing::UnorderedElementsAre("void done", "9"));
}

TEST_F(ThreadpoolTest, ManyJobsAllComplete) {
  std::vector<Promise<int>> jobs;
  for (int i = 0; i < 200; ++i) jobs.push_back(threadpool::run([i] { return i; }));
  long sum = 0;
  (void)all(std::move(jobs)).then([&](std::vector<int>& v) {
    for (int x : v) sum += x;
  });
  run();
  EXPECT_EQ(sum, 199 * 200 / 2);
}

TEST_F(ThreadpoolTest, CompletionRunsInThePollPhaseSoImmediatesBeatTimeouts) {
  (void)threadpool::run([] {}).then([&] {
    setTimeout([&] { mark("timeout"); }, 0);
    setImmediate([&] { mark("immediate"); });
  });
  run();
  EXPECT_THAT(log, ElementsAre("immediate", "timeout"));
}

TEST(ThreadpoolSize, DefaultsToFour) {
  if (std::getenv("UV_THREADPOOL_SIZE") != nullptr) GTEST_SKIP() << "UV_THREADPOOL_SIZE is set";
  EXPECT_EQ(threadpool::size(), 4u);
}

}  // namespace
}  // namespace nx
