// SPDX-License-Identifier: MIT
// Test support for the rate-limit algorithms: random call sequences, the virtual time that the
// reference models use, and checks that retryAfterMs and resetMs are exact. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "nodexx/resilience/rate_limit.hpp"

namespace nx::resilience::rate_test {

struct Op {
  std::int64_t t;
  std::int64_t n;
};

/// `count` calls on one key: time mostly moves forward in steps up to scaleMs / 4, sometimes
/// stands still, sometimes jumps far ahead (past any window) and sometimes goes backwards; n is
/// mostly 1, sometimes 0, up to limit, or limit + 1.
inline std::vector<Op> randomOps(std::uint64_t seed, std::size_t count, std::int64_t scaleMs,
                                 std::int64_t limit, std::int64_t startMs = 1'000'000) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  std::vector<Op> ops;
  ops.reserve(count);
  std::int64_t t = startMs;
  for (std::size_t i = 0; i < count; ++i) {
    std::int64_t kind = uniform(0, 99);
    if (kind < 70) {
      t += uniform(0, std::max<std::int64_t>(1, scaleMs / 4));
    } else if (kind < 78) {
      // same millisecond
    } else if (kind < 82) {
      t += uniform(2 * scaleMs, 10 * scaleMs);
    } else if (kind < 88) {
      t -= uniform(1, scaleMs);
    } else {
      t += uniform(0, scaleMs);
    }
    std::int64_t pick = uniform(0, 99);
    std::int64_t n = pick < 5    ? 0
                     : pick < 65 ? 1
                     : pick < 90 ? uniform(1, limit)
                     : pick < 95 ? limit
                                 : limit + 1;
    ops.push_back({t, n});
  }
  return ops;
}

/// The references' clock: advances by forward steps of the real reading only, so a backwards
/// step is "no time passing" by construction.
class VirtualTime {
 public:
  /// The virtual time for the real reading `t`.
  std::int64_t at(std::int64_t t) {
    if (!started_) {
      started_ = true;
      virtual_ = t;
    } else if (t > last_) {
      virtual_ += t - last_;
    }
    last_ = t;
    return virtual_;
  }

 private:
  bool started_ = false;
  std::int64_t last_ = 0;
  std::int64_t virtual_ = 0;
};

/// Checks, on the state left by a consume at `t` that answered `r`: a denied request is allowed
/// exactly retryAfterMs later and not a millisecond before, and the key becomes idle exactly at
/// resetMs. Both properties of the algorithm itself, beyond the reference comparison.
template <class A>
void expectExactTimes(const A& a, const typename A::State& s, std::int64_t t, std::int64_t n,
                      const RateLimitResult& r) {
  if (!r.allowed && r.retryAfterMs != kRetryNever) {
    ASSERT_GT(r.retryAfterMs, 0);
    EXPECT_FALSE(a.peek(s, t + r.retryAfterMs - 1, n).allowed) << "retry too late at " << t;
    EXPECT_TRUE(a.peek(s, t + r.retryAfterMs, n).allowed) << "retry too early at " << t;
  }
  ASSERT_GE(r.resetMs, t);
  EXPECT_TRUE(a.isIdle(s, r.resetMs)) << "not idle at reset, t " << t;
  if (r.resetMs > t) {
    EXPECT_FALSE(a.isIdle(s, r.resetMs - 1)) << "idle before reset, t " << t;
  }
}

}  // namespace nx::resilience::rate_test
