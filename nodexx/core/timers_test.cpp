// SPDX-License-Identifier: MIT
#include "nodexx/core/timers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"

using ::testing::ElementsAre;
using namespace std::chrono_literals;

namespace nx {
namespace {

using TimersTest = testing::FreshLoop;

std::uint64_t nowMs() {
  return static_cast<std::uint64_t>(process::hrtime().count() / 1'000'000);
}

TEST_F(TimersTest, TimeoutFiresAfterItsDelay) {
  std::uint64_t start = nowMs();
  std::uint64_t fired = 0;
  setTimeout([&] { fired = nowMs(); }, 30);
  run();
  EXPECT_GE(fired - start, 29u);
}

TEST_F(TimersTest, EqualTimeoutsFireInCreationOrder) {
  for (int i = 0; i < 5; ++i) setTimeout([&, i] { mark(std::to_string(i)); }, 5);
  run();
  EXPECT_THAT(log, ElementsAre("0", "1", "2", "3", "4"));
}

TEST_F(TimersTest, TimersFireByExpiry) {
  setTimeout([&] { mark("30"); }, 30);
  setTimeout([&] { mark("10"); }, 10);
  setTimeout([&] { mark("20"); }, 20ms);
  run();
  EXPECT_THAT(log, ElementsAre("10", "20", "30"));
}

TEST_F(TimersTest, NonPositiveAndNanDelaysBecomeOneMillisecond) {
  setTimeout([&] { mark("nan"); }, std::nan(""));
  setTimeout([&] { mark("neg"); }, -5);
  setTimeout([&] { mark("zero"); }, 0);
  setTimeout([&] { mark("one"); }, 1);
  run();
  // All share the 1 ms list, so creation order holds.
  EXPECT_THAT(log, ElementsAre("nan", "neg", "zero", "one"));
}

TEST_F(TimersTest, OverflowingDelayBecomesOneMillisecondWithAWarning) {
  ::testing::internal::CaptureStderr();
  std::uint64_t start = nowMs();
  std::uint64_t fired = 0;
  setTimeout([&] { fired = nowMs(); }, 4294967296.0);
  run();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_LT(fired - start, 1000u);
  EXPECT_THAT(err, ::testing::HasSubstr("TimeoutOverflowWarning: 4294967296 does not fit into a "
                                        "32-bit signed integer."));
}

TEST_F(TimersTest, ClearTimeoutCancels) {
  Timeout t = setTimeout([&] { mark("never"); }, 5);
  clearTimeout(t);
  clearTimeout(t);  // twice is harmless
  clearTimeout(Timeout());
  run();
  EXPECT_TRUE(log.empty());
}

TEST_F(TimersTest, ClearingTheNextTimerOfTheSameListFromACallback) {
  Timeout second;
  setTimeout([&] {
    mark("first");
    clearTimeout(second);
  }, 5);
  second = setTimeout([&] { mark("second"); }, 5);
  setTimeout([&] { mark("third"); }, 5);
  run();
  EXPECT_THAT(log, ElementsAre("first", "third"));
}

TEST_F(TimersTest, ClearingTheLastTimerOfTheRunningList) {
  Timeout second;
  setTimeout([&] {
    mark("first");
    second.close();
  }, 5);
  second = setTimeout([&] { mark("second"); }, 5);
  setTimeout([&] { mark("other list"); }, 8);
  run();
  EXPECT_THAT(log, ElementsAre("first", "other list"));
}

TEST_F(TimersTest, IntervalRepeatsUntilClearedInsideItsCallback) {
  int n = 0;
  Timeout iv;
  iv = setInterval([&] {
    if (++n == 3) clearInterval(iv);
  }, 2);
  run();
  EXPECT_EQ(n, 3);
}

TEST_F(TimersTest, UnrefTimerDoesNotKeepTheLoopAlive) {
  Timeout t = setTimeout([&] { mark("never"); }, 50);
  t.unref();
  EXPECT_FALSE(t.hasRef());
  run();
  EXPECT_TRUE(log.empty());
}

TEST_F(TimersTest, UnrefTimerStillFiresWhileSomethingElseKeepsTheLoop) {
  setTimeout([&] { mark("unref'd"); }, 5).unref();
  setTimeout([&] { mark("ref'd"); }, 20);
  run();
  EXPECT_THAT(log, ElementsAre("unref'd", "ref'd"));
}

TEST_F(TimersTest, RefAgainKeepsTheLoopAlive) {
  Timeout t = setTimeout([&] { mark("fired"); }, 5);
  t.unref().ref();
  EXPECT_TRUE(t.hasRef());
  run();
  EXPECT_THAT(log, ElementsAre("fired"));
}

TEST_F(TimersTest, RefreshRestartsTheCountdown) {
  std::uint64_t start = nowMs();
  std::uint64_t fired = 0;
  Timeout t = setTimeout([&] { fired = nowMs(); }, 40);
  setTimeout([&] { t.refresh(); }, 25);
  run();
  EXPECT_GE(fired - start, 60u);
}

TEST_F(TimersTest, RefreshReArmsAFiredTimeout) {
  int n = 0;
  Timeout t;
  t = setTimeout([&] {
    if (++n < 3) t.refresh();
  }, 2);
  run();
  EXPECT_EQ(n, 3);
}

TEST_F(TimersTest, RefreshOfAClearedTimerDoesNothing) {
  Timeout t = setTimeout([&] { mark("never"); }, 2);
  clearTimeout(t);
  t.refresh();
  run();
  EXPECT_TRUE(log.empty());
}

TEST_F(TimersTest, ImmediatesRunInOrderWithTicksBetween) {
  setImmediate([&] {
    mark("i1");
    nextTick([&] { mark("tick"); });
  });
  setImmediate([&] { mark("i2"); });
  run();
  EXPECT_THAT(log, ElementsAre("i1", "tick", "i2"));
}

TEST_F(TimersTest, ImmediateQueuedDuringCheckPhaseRunsNextTurn) {
  setImmediate([&] {
    mark("i1");
    setImmediate([&] { mark("i3 (next turn)"); });
  });
  setImmediate([&] { mark("i2"); });
  run();
  EXPECT_THAT(log, ElementsAre("i1", "i2", "i3 (next turn)"));
}

TEST_F(TimersTest, ClearImmediateCancelsIncludingFromAnEarlierImmediate) {
  Immediate second;
  setImmediate([&] {
    mark("first");
    clearImmediate(second);
  });
  second = setImmediate([&] { mark("second"); });
  Immediate third = setImmediate([&] { mark("third"); });
  clearImmediate(third);
  run();
  EXPECT_THAT(log, ElementsAre("first"));
}

TEST_F(TimersTest, UnrefImmediateDoesNotKeepTheLoopAlive) {
  Immediate i = setImmediate([&] { mark("unref'd immediate"); });
  i.unref();
  EXPECT_FALSE(i.hasRef());
  setTimeout([&] { mark("timer"); }, 10);
  run();
  // The check phase still runs it while the timer keeps the loop alive.
  EXPECT_THAT(log, ElementsAre("unref'd immediate", "timer"));
}

TEST_F(TimersTest, ImmediateBeforeTimeoutInsideATimerCallback) {
  setTimeout([&] {
    setTimeout([&] { mark("timeout"); }, 0);
    setImmediate([&] { mark("immediate"); });
  }, 1);
  run();
  EXPECT_THAT(log, ElementsAre("immediate", "timeout"));
}

void busyWaitMs(std::uint64_t ms) {
  std::uint64_t end = nowMs() + ms;
  while (nowMs() < end) {
  }
}

TEST_F(TimersTest, TimerAddedToTheRunningListAfterTheClockMovedWaitsItsFullDelay) {
  std::uint64_t created = 0, fired = 0;
  setTimeout([&] {
    busyWaitMs(5);  // the loop's `now` for this batch is now stale
    created = nowMs();
    setTimeout([&] { fired = nowMs(); }, 20);  // same duration: same list
  }, 20);
  run();
  EXPECT_GE(fired - created, 19u);
}

TEST_F(TimersTest, SlowIntervalDoesNotSpinWithinOneTurn) {
  int runs = 0;
  Timeout iv;
  iv = setInterval([&] {
    busyWaitMs(3);
    if (++runs == 5) clearInterval(iv);
  }, 2);
  setTimeout([&] { mark(std::to_string(runs)); }, 12);
  run();
  // Each run takes 3 ms and re-arms 2 ms after its start: by 12 ms at most a few ran.
  ASSERT_EQ(log.size(), 1u);
  EXPECT_LT(std::stoi(log[0]), 5);
}

TEST_F(TimersTest, ManyTimersAllFire) {
  int fired = 0;
  for (int i = 0; i < 10000; ++i) setTimeout([&] { ++fired; }, i % 7);
  run();
  EXPECT_EQ(fired, 10000);
}

}  // namespace
}  // namespace nx
