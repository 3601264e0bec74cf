// SPDX-License-Identifier: MIT
#include "nodexx/core/loop.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/timers.hpp"

using ::testing::ElementsAre;

namespace nx {
namespace {

using LoopTest = testing::FreshLoop;

TEST_F(LoopTest, RunDrainsTicksBeforeMicrotasksAfterTheMainPart) {
  queueMicrotask([&] { mark("micro"); });
  nextTick([&] { mark("tick"); });
  mark("sync");
  EXPECT_EQ(run(), 0);
  EXPECT_THAT(log, ElementsAre("sync", "tick", "micro"));
}

TEST_F(LoopTest, TickQueuedByMicrotaskRunsAfterTheMicrotaskQueueEmpties) {
  queueMicrotask([&] {
    mark("m1");
    nextTick([&] { mark("t-from-m1"); });
  });
  queueMicrotask([&] { mark("m2"); });
  run();
  EXPECT_THAT(log, ElementsAre("m1", "m2", "t-from-m1"));
}

TEST_F(LoopTest, NestedNextTicksAllRunBeforeMicrotasks) {
  nextTick([&] {
    mark("t1");
    nextTick([&] { mark("t3"); });
  });
  nextTick([&] { mark("t2"); });
  queueMicrotask([&] { mark("m"); });
  run();
  EXPECT_THAT(log, ElementsAre("t1", "t2", "t3", "m"));
}

TEST_F(LoopTest, QueuesDrainAfterEachLoopCallback) {
  setTimeout([&] {
    mark("timer1");
    nextTick([&] { mark("tick1"); });
    queueMicrotask([&] { mark("micro1"); });
  }, 1);
  setTimeout([&] { mark("timer2"); }, 1);
  run();
  EXPECT_THAT(log, ElementsAre("timer1", "tick1", "micro1", "timer2"));
}

TEST_F(LoopTest, RunReturnsProcessExitCode) {
  setTimeout([] { process::exitCode = 3; }, 1);
  EXPECT_EQ(run(), 3);
}

TEST_F(LoopTest, PostFromAnotherThreadRunsOnTheLoopThread) {
  std::thread::id loopThread = std::this_thread::get_id();
  std::atomic<bool> ranOnLoop{false};
  Loop::KeepAlive alive(loop);
  std::thread worker([&] {
    loop.post([&] {
      ranOnLoop = std::this_thread::get_id() == loopThread;
      nextTick([&] { mark("tick after post"); });
      alive = Loop::KeepAlive();  // release on the loop thread
    });
  });
  run();
  worker.join();
  EXPECT_TRUE(ranOnLoop);
  EXPECT_THAT(log, ElementsAre("tick after post"));
}

TEST_F(LoopTest, PostBeforeRunIsDeliveredByRun) {
  loop.post([&] { mark("posted"); });
  run();
  EXPECT_THAT(log, ElementsAre("posted"));
}

TEST_F(LoopTest, ManyPostsFromManyThreadsAllArrive) {
  constexpr int kThreads = 4, kEach = 1000;
  std::atomic<int> count{0};
  Loop::KeepAlive alive(loop);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        loop.post([&] {
          if (++count == kThreads * kEach) alive = Loop::KeepAlive();
        });
      }
    });
  }
  run();
  for (auto& t : threads) t.join();
  EXPECT_EQ(count, kThreads * kEach);
}

TEST_F(LoopTest, KeepAliveHoldsTheLoopForALatePost) {
  Loop::KeepAlive alive(loop);
  std::thread worker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    loop.post([&] {
      mark("late post");
      alive = Loop::KeepAlive();
    });
  });
  run();
  worker.join();
  EXPECT_THAT(log, ElementsAre("late post"));
}

TEST_F(LoopTest, WithoutKeepAliveAPostDoesNotHoldTheLoop) {
  std::thread worker;
  setTimeout([&] {
    worker = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      loop.post([&] { mark("next run"); });
    });
  }, 1);
  run();  // returns once the timer has fired
  EXPECT_TRUE(log.empty());
  worker.join();
  run();  // delivers the post
  EXPECT_THAT(log, ElementsAre("next run"));
}

TEST_F(LoopTest, LoopScopeMakesALoopCurrentAndRestores) {
  Loop& outer = Loop::current();
  EXPECT_EQ(&outer, &loop);
  {
    Loop inner;
    LoopScope s(inner);
    EXPECT_EQ(&Loop::current(), &inner);
    EXPECT_TRUE(inner.isLoopThread());
  }
  EXPECT_EQ(&Loop::current(), &loop);
}

TEST_F(LoopTest, NowIsTheCachedLoopTime) {
  std::uint64_t before = loop.now();
  setTimeout([&] { EXPECT_GE(loop.now(), before + 10); }, 10);
  run();
}

TEST(LoopDeathTest, ExceptionEscapingACallbackExitsWithCode1) {
  EXPECT_EXIT(
      {
        Loop l;
        LoopScope s(l);
        setTimeout([] { throw std::runtime_error("boom"); }, 1);
        run();
      },
      ::testing::ExitedWithCode(1), "Uncaught Error: boom");
}

TEST_F(LoopTest, UncaughtExceptionListenerKeepsTheProcessRunning) {
  process::on("uncaughtException", [&](std::exception_ptr e) { mark(describe(e)); });
  setTimeout([] { throw SystemError("E_TEST", "bad"); }, 1);
  setTimeout([&] { mark("still running"); }, 2);
  EXPECT_EQ(run(), 0);
  EXPECT_THAT(log, ElementsAre("Error: bad", "still running"));
}

}  // namespace
}  // namespace nx
