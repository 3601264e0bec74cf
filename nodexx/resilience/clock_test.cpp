// SPDX-License-Identifier: MIT
#include "nodexx/resilience/clock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"

using ::testing::ElementsAre;

namespace nx::resilience {
namespace {

using ClockTest = nx::testing::FreshLoop;

TEST_F(ClockTest, ManualClockResolvesSleepsInDueOrderWhenAdvanced) {
  ManualClock clock(1000);
  (void)clock.sleep(30).then([&] { mark("30 at " + std::to_string(clock.now())); });
  (void)clock.sleep(10).then([&] { mark("10a"); });
  (void)clock.sleep(10).then([&] { mark("10b"); });
  clock.advance(9);
  run();
  EXPECT_TRUE(log.empty());
  clock.advance(25);
  run();
  EXPECT_THAT(log, ElementsAre("10a", "10b", "30 at 1034"));
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(ClockTest, ManualSleepRejectsOnAbort) {
  ManualClock clock;
  AbortController c;
  (void)clock.sleep(100, c.signal()).catch_([&](std::exception_ptr e) { mark(describe(e)); });
  c.abort();
  run();
  EXPECT_THAT(log, ElementsAre("AbortError: The operation was aborted"));
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_THROW(clock.advance(-1), RangeError);
}

TEST_F(ClockTest, SystemClockIsMonotonicAndSleeps) {
  Clock& c = Clock::system();
  std::int64_t t0 = c.now();
  (void)c.sleep(15).then([&] { mark(c.now() - t0 >= 14 ? "slept" : "too early"); });
  run();
  EXPECT_THAT(log, ElementsAre("slept"));
}

}  // namespace
}  // namespace nx::resilience
