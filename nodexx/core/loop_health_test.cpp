// SPDX-License-Identifier: MIT
#include "nodexx/core/loop_health.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"

namespace {

using namespace std::chrono_literals;

void busyWait(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

TEST(Histogram, EmptyReportsLikeNode) {
  nx::Histogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.min(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(h.max(), 0);
  EXPECT_TRUE(std::isnan(h.mean()));
  EXPECT_TRUE(std::isnan(h.stddev()));
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.percentiles(), (std::map<double, std::int64_t>{{100.0, 0}}));
}

TEST(Histogram, SmallValuesAreExact) {
  nx::Histogram h;
  for (int v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.count(), 256);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 255);
  EXPECT_DOUBLE_EQ(h.mean(), 127.5);
  EXPECT_EQ(h.percentile(50), 127);
  EXPECT_EQ(h.percentile(100), 255);
}

TEST(Histogram, MatchesSortedReferenceWithinPrecision) {
  std::mt19937_64 rng(42);
  // Durations spread over nine decades: 1 ns .. ~17 min.
  std::uniform_real_distribution<double> exponent(0, 12);
  std::vector<std::int64_t> values;
  nx::Histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<std::int64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(v);
    ASSERT_TRUE(h.record(v));
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(h.count(), static_cast<std::int64_t>(values.size()));
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());

  double sum = 0;
  for (auto v : values) sum += static_cast<double>(v);
  const double mean = sum / static_cast<double>(values.size());
  double sq = 0;
  for (auto v : values) sq += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  EXPECT_NEAR(h.mean(), mean, mean * 1e-9);
  const double stddev = std::sqrt(sq / static_cast<double>(values.size()));
  EXPECT_NEAR(h.stddev(), stddev, stddev * 1e-6);

  for (double p : {0.001, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    auto rank = static_cast<std::size_t>(
        std::max<std::int64_t>(std::llround(p / 100 * static_cast<double>(values.size())), 1));
    const std::int64_t ref = values[rank - 1];
    const std::int64_t got = h.percentile(p);
    EXPECT_GE(got, ref) << "p" << p;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(ref) * 1.01 + 1) << "p" << p;
  }
}

TEST(Histogram, PercentilesFollowHdrReportingLevels) {
  nx::Histogram h;
  for (int v = 1; v <= 1000; ++v) h.record(v * 1000);
  auto m = h.percentiles();
  ASSERT_GE(m.size(), 5U);
  EXPECT_EQ(m.begin()->first, 0.0);
  EXPECT_EQ(std::next(m.begin())->first, 50.0);
  EXPECT_EQ(std::next(m.begin(), 2)->first, 75.0);
  EXPECT_EQ(std::next(m.begin(), 3)->first, 87.5);
  EXPECT_EQ(m.rbegin()->first, 100.0);
  EXPECT_EQ(m.rbegin()->second, 1000000);
  std::int64_t prev = 0;
  for (auto& [p, v] : m) {
    EXPECT_GE(v, prev) << p;
    prev = v;
  }
  EXPECT_NEAR(static_cast<double>(m[50.0]), 500000, 500000 * 0.01);
}

TEST(Histogram, OutOfRangeValuesCountAsExceeds) {
  nx::Histogram h;
  EXPECT_FALSE(h.record(-1));
  EXPECT_FALSE(h.record(nx::Histogram::kMaxValue + 1));
  EXPECT_TRUE(h.record(nx::Histogram::kMaxValue));
  EXPECT_EQ(h.exceeds(), 2);
  EXPECT_EQ(h.count(), 1);
  EXPECT_EQ(h.percentile(100), nx::Histogram::kMaxValue);
  h.reset();
  EXPECT_EQ(h.exceeds(), 0);
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.percentile(99), 0);
}

TEST(Histogram, PercentileOutsideRangeThrows) {
  nx::Histogram h;
  EXPECT_THROW(h.percentile(0), nx::RangeError);
  EXPECT_THROW(h.percentile(100.5), nx::RangeError);
  EXPECT_THROW(h.percentile(std::nan("")), nx::RangeError);
}

TEST(LoopHealth, BlockedLoopShowsUpAsDelay) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  auto monitor = nx::monitorEventLoopDelay({.resolution = 10ms});
  EXPECT_TRUE(monitor.enable());
  EXPECT_FALSE(monitor.enable());
  nx::setTimeout([] { busyWait(200ms); }, 30);
  nx::setTimeout([&] { monitor.disable(); }, 330);
  nx::run();
  EXPECT_GE(monitor.max(), 150'000'000);
  EXPECT_GE(monitor.count(), 5);
  EXPECT_GT(monitor.min(), 5'000'000);  // Node's measure: a full interval, not the excess
  EXPECT_GE(monitor.percentile(100), monitor.max());
  EXPECT_LT(monitor.percentile(50), 100'000'000);
}

TEST(LoopHealth, MonitorDoesNotKeepTheLoopAlive) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  auto monitor = nx::monitorEventLoopDelay();
  monitor.enable();
  const auto t0 = std::chrono::steady_clock::now();
  nx::run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(monitor.count(), 0);
}

TEST(LoopHealth, DisableStopsRecording) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  auto monitor = nx::monitorEventLoopDelay({.resolution = 5ms});
  EXPECT_FALSE(monitor.disable());
  monitor.enable();
  std::int64_t atDisable = -1;
  nx::setTimeout(
      [&] {
        EXPECT_TRUE(monitor.disable());
        atDisable = monitor.count();
      },
      60);
  nx::setTimeout([] {}, 200);
  nx::run();
  EXPECT_GT(atDisable, 0);
  EXPECT_EQ(monitor.count(), atDisable);
  monitor.reset();
  EXPECT_EQ(monitor.count(), 0);
}

TEST(LoopHealth, MovedMonitorKeepsSampling) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  auto a = nx::monitorEventLoopDelay({.resolution = 5ms});
  a.enable();
  nx::EventLoopDelayMonitor b = std::move(a);
  nx::setTimeout([] {}, 60);
  nx::run();
  EXPECT_GT(b.count(), 0);
}

TEST(LoopHealth, ResolutionBelowOneMillisecondThrows) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  EXPECT_THROW(nx::monitorEventLoopDelay({.resolution = 0ms}), nx::RangeError);
}

TEST(LoopHealth, IdleLoopHasLowUtilization) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  const nx::EventLoopUtilization start = nx::eventLoopUtilization();
  nx::EventLoopUtilization delta;
  nx::setTimeout([&] { delta = nx::eventLoopUtilization(start); }, 200);
  nx::run();
  EXPECT_GE(delta.idle, 150);
  EXPECT_LT(delta.utilization, 0.5);
  EXPECT_NEAR(delta.utilization, delta.active / (delta.active + delta.idle), 1e-12);
}

TEST(LoopHealth, BusyLoopHasHighUtilization) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  nx::EventLoopUtilization delta;
  nx::EventLoopUtilization viaTwoArgs;
  nx::setTimeout(
      [&] {
        const auto start = nx::eventLoopUtilization();
        busyWait(200ms);
        const auto end = nx::eventLoopUtilization();
        delta = nx::eventLoopUtilization(start);
        viaTwoArgs = nx::eventLoopUtilization(end, start);
      },
      10);
  nx::run();
  EXPECT_GE(delta.active, 190);
  EXPECT_GT(delta.utilization, 0.9);
  EXPECT_LE(delta.utilization, 1.0);
  EXPECT_NEAR(viaTwoArgs.active, delta.active, 5);
  EXPECT_GT(viaTwoArgs.utilization, 0.9);
}

TEST(LoopHealth, AbsoluteUtilizationCoversTheLoopsLifetime) {
  nx::Loop loop;
  nx::LoopScope scope(loop);
  nx::setTimeout([] {}, 50);
  nx::run();
  const auto u = nx::eventLoopUtilization();
  EXPECT_GE(u.idle + u.active, 45);
  EXPECT_GE(u.utilization, 0.0);
  EXPECT_LE(u.utilization, 1.0);
  const auto none = nx::eventLoopUtilization(u, u);
  EXPECT_EQ(none.utilization, 0.0);
}

}  // namespace
