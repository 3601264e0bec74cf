// SPDX-License-Identifier: MIT
#include "nodexx/resilience/rate_limit_windows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/resilience/internal/rate_limit_testing.hpp"

namespace nx::resilience {
namespace {

constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

RateLimitResult allowed(std::int64_t remaining, std::int64_t limit, std::int64_t resetMs) {
  return {true, remaining, limit, resetMs, 0};
}
RateLimitResult denied(std::int64_t remaining, std::int64_t limit, std::int64_t resetMs,
                       std::int64_t retryAfterMs) {
  return {false, remaining, limit, resetMs, retryAfterMs};
}

// ---- Brute-force references, in virtual time (rate_test::VirtualTime), from all accepted
// events. Each answers consume(t, n) with the same fields; retryAfterMs is found by trying
// every later millisecond.

struct Event {
  std::int64_t at;
  std::int64_t n;
};

class ReferenceBase {
 public:
  ReferenceBase(std::int64_t limit, std::int64_t windowMs) : limit_(limit), windowMs_(windowMs) {}

  // The first δ > 0 at which allowedAt(v + δ) holds; every candidate up to 3 windows ahead.
  template <class F>
  std::int64_t scanRetry(std::int64_t v, std::int64_t n, F allowedAt) const {
    if (n > limit_) return kRetryNever;
    for (std::int64_t d = 1; d <= 3 * windowMs_ + 1; ++d) {
      if (allowedAt(v + d)) return d;
    }
    ADD_FAILURE() << "reference found no retry time";
    return 0;
  }

 protected:
  std::int64_t sumIn(std::int64_t from, std::int64_t to) const {  // events in [from, to)
    std::int64_t sum = 0;
    for (const Event& e : events_) {
      if (e.at >= from && e.at < to) sum += e.n;
    }
    return sum;
  }
  void prune(std::int64_t v) {
    std::erase_if(events_, [&](const Event& e) { return e.at < v - 4 * windowMs_; });
  }

  std::int64_t limit_;
  std::int64_t windowMs_;
  std::vector<Event> events_;
  rate_test::VirtualTime clock_;
};

// A window opens at the first request of a key holding nothing and lasts windowMs.
class ReferenceFixedWindow : public ReferenceBase {
 public:
  using ReferenceBase::ReferenceBase;

  RateLimitResult consume(std::int64_t t, std::int64_t n) {
    std::int64_t v = clock_.at(t);
    if (sumIn(start_, start_ + windowMs_) == 0 || v >= start_ + windowMs_) start_ = v;
    std::int64_t count = sumIn(start_, start_ + windowMs_);
    RateLimitResult r;
    r.limit = limit_;
    r.allowed = n <= limit_ && count + n <= limit_;
    if (r.allowed && n > 0) events_.push_back({v, n});
    if (!r.allowed) {
      r.retryAfterMs = scanRetry(v, n, [&](std::int64_t u) {
        return u >= start_ + windowMs_ ? n <= limit_ : count + n <= limit_;
      });
    }
    count = sumIn(start_, start_ + windowMs_);
    r.remaining = limit_ - count;
    r.resetMs = (count > 0 ? start_ + windowMs_ : v) - v + t;
    prune(v);
    return r;
  }

 private:
  std::int64_t start_ = 0;
};

// At most limit units in (v - windowMs, v].
class ReferenceSlidingLog : public ReferenceBase {
 public:
  using ReferenceBase::ReferenceBase;

  RateLimitResult consume(std::int64_t t, std::int64_t n) {
    std::int64_t v = clock_.at(t);
    auto countAt = [&](std::int64_t u) { return sumIn(u - windowMs_ + 1, u + 1); };
    RateLimitResult r;
    r.limit = limit_;
    r.allowed = n <= limit_ && countAt(v) + n <= limit_;
    if (r.allowed && n > 0) events_.push_back({v, n});
    if (!r.allowed) {
      r.retryAfterMs = scanRetry(v, n, [&](std::int64_t u) { return countAt(u) + n <= limit_; });
    }
    r.remaining = limit_ - countAt(v);
    std::int64_t reset = v;
    for (const Event& e : events_) {
      if (e.at > v - windowMs_) reset = std::max(reset, e.at + windowMs_);
    }
    r.resetMs = reset - v + t;
    prune(v);
    return r;
  }
};

// Two back-to-back windows from the phase p (reset to v when both are empty), the previous one
// weighted by the part of it still inside (v - windowMs, v].
class ReferenceSlidingCounter : public ReferenceBase {
 public:
  using ReferenceBase::ReferenceBase;

  RateLimitResult consume(std::int64_t t, std::int64_t n) {
    std::int64_t v = clock_.at(t);
    Windows w = windowsAt(v);
    if (w.current == 0 && w.previous == 0) {
      phase_ = v;
      w = windowsAt(v);
    }
    const std::int64_t width = windowMs_;
    std::int64_t used = w.previous * (width - (v - w.start)) + w.current * width;
    RateLimitResult r;
    r.limit = limit_;
    r.allowed = n <= limit_ && used + n * width <= limit_ * width;
    if (r.allowed && n > 0) {
      events_.push_back({v, n});
      w.current += n;
      used += n * width;
    }
    if (!r.allowed) {
      r.retryAfterMs = scanRetry(v, n, [&](std::int64_t u) {
        Windows x = windowsAt(u);
        if (x.current == 0 && x.previous == 0) return n <= limit_;
        return x.previous * (width - (u - x.start)) + (x.current + n) * width <= limit_ * width;
      });
    }
    r.remaining = std::max<std::int64_t>(0, limit_ - ceilDiv(used, width));
    std::int64_t reset = w.current > 0 ? w.start + 2 * width : w.previous > 0 ? w.start + width : v;
    r.resetMs = reset - v + t;
    prune(v);
    return r;
  }

  // Units accepted in (v - windowMs, v]: the true sliding-window count that the approximation
  // is measured against (v in virtual time).
  std::int64_t trueWindowAt(std::int64_t v) const { return sumIn(v - windowMs_ + 1, v + 1); }

 private:
  struct Windows {
    std::int64_t start;
    std::int64_t current;
    std::int64_t previous;
  };
  Windows windowsAt(std::int64_t u) const {
    std::int64_t start = phase_ + (u - phase_) / windowMs_ * windowMs_;
    return {start, sumIn(start, start + windowMs_), sumIn(start - windowMs_, start)};
  }
  // ⌊limit - used / W⌋ = limit - ⌈used / W⌉, written differently from the implementation.
  static std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

  std::int64_t phase_ = 0;
};

struct WindowCase {
  std::int64_t limit;
  std::int64_t windowMs;
  std::size_t ops;
};
constexpr WindowCase kCases[] = {{1, 10, 20'000},   {3, 10, 20'000}, {5, 37, 20'000},
                                 {10, 100, 10'000}, {2, 1, 5'000},   {20, 1000, 1'500}};

template <class Algorithm, class Reference>
void expectMatchesReference(std::uint64_t seedBase) {
  std::uint64_t seed = seedBase;
  for (const WindowCase& c : kCases) {
    for (int run = 0; run < 2; ++run, ++seed) {
      Algorithm algorithm(c.limit, c.windowMs);
      Reference ref(c.limit, c.windowMs);
      typename Algorithm::State s;
      std::size_t i = 0, allowedCount = 0, deniedCount = 0;
      for (const rate_test::Op& op : rate_test::randomOps(seed, c.ops, c.windowMs, c.limit)) {
        RateLimitResult got = algorithm.consume(s, op.t, op.n);
        ASSERT_EQ(got, ref.consume(op.t, op.n))
            << "limit " << c.limit << " window " << c.windowMs << " seed " << seed << " op " << i
            << " t " << op.t << " n " << op.n;
        rate_test::expectExactTimes(algorithm, s, op.t, op.n, got);
        if (::testing::Test::HasFailure()) return;
        (got.allowed && op.n > 0 ? allowedCount : deniedCount) += 1;
        ++i;
      }
      EXPECT_GT(allowedCount, c.ops / 20);
      EXPECT_GT(deniedCount, c.ops / 20);
    }
  }
}

// ---- FixedWindow ----

TEST(FixedWindowTest, CountsPerWindowAndOpensTheNextAtExactlyWindowMs) {
  FixedWindow limiter(3, 1000);
  FixedWindow::State s;
  EXPECT_EQ(limiter.consume(s, 100), allowed(2, 3, 1100));
  EXPECT_EQ(limiter.consume(s, 600), allowed(1, 3, 1100));
  EXPECT_EQ(limiter.consume(s, 1099), allowed(0, 3, 1100));
  EXPECT_EQ(limiter.consume(s, 1099), denied(0, 3, 1100, 1));
  EXPECT_FALSE(limiter.isIdle(s, 1099));
  EXPECT_TRUE(limiter.isIdle(s, 1100));
  EXPECT_EQ(limiter.consume(s, 1100), allowed(2, 3, 2100));  // the request at exactly +windowMs
  // A key that held nothing for a while opens its window at its next request.
  EXPECT_EQ(limiter.consume(s, 5555), allowed(2, 3, 6555));
}

TEST(FixedWindowTest, SeveralUnitsZeroAndMoreThanTheLimit) {
  FixedWindow limiter(5, 1000);
  FixedWindow::State s;
  EXPECT_EQ(limiter.consume(s, 0, 0), allowed(5, 5, 0));
  EXPECT_EQ(limiter.consume(s, 0, 6), denied(5, 5, 0, kRetryNever));
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(limiter.consume(s, 10, 4), allowed(1, 5, 1010));
  EXPECT_EQ(limiter.consume(s, 20, 2), denied(1, 5, 1010, 990));
  EXPECT_EQ(limiter.consume(s, 20, 1), allowed(0, 5, 1010));
  EXPECT_EQ(limiter.consume(s, 1010, 5), allowed(0, 5, 2010));
  EXPECT_THROW((void)limiter.consume(s, 0, -1), RangeError);
  EXPECT_THROW(FixedWindow(0, 1), RangeError);
  EXPECT_THROW(FixedWindow(1, 0), RangeError);
  EXPECT_THROW(FixedWindow(2, std::int64_t{1} << 61), RangeError);
}

TEST(FixedWindowTest, BackwardsClockCountsAsNoTimePassing) {
  FixedWindow limiter(2, 1000);
  FixedWindow::State s;
  EXPECT_EQ(limiter.consume(s, 1000, 2), allowed(0, 2, 2000));
  EXPECT_EQ(limiter.consume(s, 1400), denied(0, 2, 2000, 600));
  // Back 900 ms: the window moves back with the clock and still has 600 ms to run.
  EXPECT_EQ(limiter.consume(s, 500), denied(0, 2, 1100, 600));
  EXPECT_EQ(limiter.consume(s, 1099), denied(0, 2, 1100, 1));
  EXPECT_EQ(limiter.consume(s, 1100), allowed(1, 2, 2100));
}

TEST(FixedWindowTest, HugeGapsAndTheLargestWindowDoNotOverflow) {
  FixedWindow limiter(1, std::int64_t{1} << 61);
  FixedWindow::State s;
  EXPECT_EQ(limiter.consume(s, kInt64Max), allowed(0, 1, kMaxTimeMs + (std::int64_t{1} << 61)));
  EXPECT_EQ(limiter.consume(s, kInt64Min).retryAfterMs, std::int64_t{1} << 61);
  EXPECT_TRUE(limiter.consume(s, kInt64Max).allowed);  // 2^63 - 2 ms later
  FixedWindow small(3, 10);
  FixedWindow::State t;
  EXPECT_TRUE(small.consume(t, kInt64Min, 3).allowed);
  EXPECT_EQ(small.consume(t, kInt64Max, 3), allowed(0, 3, kMaxTimeMs + 10));
}

TEST(FixedWindowTest, MatchesABruteForceReferenceOnRandomCallSequences) {
  expectMatchesReference<FixedWindow, ReferenceFixedWindow>(1000);
}

// ---- SlidingWindowLog ----

TEST(SlidingWindowLogTest, ForgetsEachRequestExactlyWindowMsLater) {
  SlidingWindowLog limiter(3, 1000);
  SlidingWindowLog::State s;
  EXPECT_EQ(limiter.consume(s, 0), allowed(2, 3, 1000));
  EXPECT_EQ(limiter.consume(s, 500), allowed(1, 3, 1500));
  EXPECT_EQ(limiter.consume(s, 999), allowed(0, 3, 1999));
  EXPECT_EQ(limiter.consume(s, 999), denied(0, 3, 1999, 1));
  EXPECT_EQ(limiter.consume(s, 1000), allowed(0, 3, 2000));  // the one at 0 has gone
  EXPECT_EQ(limiter.consume(s, 1000), denied(0, 3, 2000, 500));
  EXPECT_FALSE(limiter.isIdle(s, 1999));
  EXPECT_TRUE(limiter.isIdle(s, 2000));
  EXPECT_EQ(s.size(), 3u);
}

TEST(SlidingWindowLogTest, SeveralUnitsWaitForEnoughOldEntries) {
  SlidingWindowLog limiter(5, 1000);
  SlidingWindowLog::State s;
  EXPECT_EQ(limiter.consume(s, 0, 2), allowed(3, 5, 1000));
  EXPECT_EQ(limiter.consume(s, 100, 2), allowed(1, 5, 1100));
  EXPECT_EQ(limiter.consume(s, 200, 1), allowed(0, 5, 1200));
  // 3 more need 3 units freed: the entry at 0 frees 2, the one at 100 two more.
  EXPECT_EQ(limiter.consume(s, 300, 3), denied(0, 5, 1200, 800));
  EXPECT_EQ(limiter.consume(s, 300, 6), denied(0, 5, 1200, kRetryNever));
  EXPECT_EQ(limiter.consume(s, 300, 0), allowed(0, 5, 1200));
  EXPECT_EQ(limiter.consume(s, 1100, 3), allowed(1, 5, 2100));
  EXPECT_THROW((void)limiter.consume(s, 0, -1), RangeError);
  EXPECT_THROW((void)limiter.peek(s, 0, -1), RangeError);
  EXPECT_THROW(SlidingWindowLog(0, 10), RangeError);
}

TEST(SlidingWindowLogTest, OneEntryPerMillisecondAndNeverMoreThanTheLimit) {
  SlidingWindowLog limiter(4, 100);
  SlidingWindowLog::State s;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.consume(s, 10).allowed);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.total(), 4);
  for (std::int64_t t = 0; t < 10'000; t += 7) {
    (void)limiter.consume(s, t);
    ASSERT_LE(s.size(), 4u);
  }
  SlidingWindowLog::State copy = s;
  s.clear();
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(limiter.isIdle(s, 0));
  EXPECT_EQ(limiter.peek(copy, 9999), limiter.peek(copy, 9999));
}

TEST(SlidingWindowLogTest, BackwardsClockCountsAsNoTimePassing) {
  SlidingWindowLog limiter(2, 1000);
  SlidingWindowLog::State s;
  EXPECT_TRUE(limiter.consume(s, 5000).allowed);
  EXPECT_TRUE(limiter.consume(s, 5600).allowed);
  EXPECT_EQ(limiter.peek(s, 5700), denied(0, 2, 6600, 300));
  // Back 4.9 s from the last call: both entries move back with the clock, to 100 and 700.
  EXPECT_EQ(limiter.consume(s, 700), denied(0, 2, 1700, 400));
  EXPECT_EQ(limiter.consume(s, 1099), denied(0, 2, 1700, 1));
  EXPECT_EQ(limiter.consume(s, 1100), allowed(0, 2, 2100));
}

TEST(SlidingWindowLogTest, HugeGapsDoNotOverflow) {
  SlidingWindowLog limiter(2, std::int64_t{1} << 60);
  SlidingWindowLog::State s;
  EXPECT_TRUE(limiter.consume(s, kInt64Min, 2).allowed);
  EXPECT_EQ(limiter.consume(s, kInt64Min).retryAfterMs, std::int64_t{1} << 60);
  EXPECT_EQ(limiter.consume(s, kInt64Max, 2), allowed(0, 2, kMaxTimeMs + (std::int64_t{1} << 60)));
  EXPECT_EQ(limiter.consume(s, kInt64Min),
            denied(0, 2, kMinTimeMs + (std::int64_t{1} << 60), std::int64_t{1} << 60));
}

TEST(SlidingWindowLogTest, MatchesABruteForceReferenceOnRandomCallSequences) {
  expectMatchesReference<SlidingWindowLog, ReferenceSlidingLog>(2000);
}

// ---- SlidingWindowCounter ----

TEST(SlidingWindowCounterTest, WeighsThePreviousWindowByItsOverlap) {
  SlidingWindowCounter limiter(10, 1000);
  SlidingWindowCounter::State s;
  EXPECT_EQ(limiter.consume(s, 0, 10), allowed(0, 10, 2000));
  // At 1000 the previous window weighs 10 · 1000/1000: one more fits once it weighs 9.
  EXPECT_EQ(limiter.consume(s, 1000), denied(0, 10, 2000, 100));
  EXPECT_EQ(limiter.consume(s, 1099), denied(0, 10, 2000, 1));
  EXPECT_EQ(limiter.consume(s, 1100), allowed(0, 10, 3000));     // 9 + 1
  EXPECT_EQ(limiter.peek(s, 1250, 0), allowed(1, 10, 3000));     // 7.5 + 1 = 8.5
  EXPECT_EQ(limiter.consume(s, 1500, 4), allowed(0, 10, 3000));  // 5 + 1 + 4
  // 5 needs the next window, where 5 (current) · (1 - x) + 5 ≤ 10 from x = 0.
  EXPECT_EQ(limiter.consume(s, 1500, 5), denied(0, 10, 3000, 500));
  EXPECT_EQ(limiter.consume(s, 2000, 5), allowed(0, 10, 4000));
  EXPECT_FALSE(limiter.isIdle(s, 3999));
  EXPECT_TRUE(limiter.isIdle(s, 4000));
  EXPECT_EQ(limiter.consume(s, 2000, 11), denied(0, 10, 4000, kRetryNever));
  EXPECT_THROW((void)limiter.consume(s, 0, -1), RangeError);
  EXPECT_THROW(SlidingWindowCounter(10, 0), RangeError);
  EXPECT_THROW(SlidingWindowCounter(4, std::int64_t{1} << 60), RangeError);
}

TEST(SlidingWindowCounterTest, OverAdmitsWhenThePreviousWindowsRequestsCameLate) {
  // The approximation's known error: requests bunched at the end of a window are assumed to be
  // spread over it. Window [0, 1000) takes 1 at 0 and 9 at 999; just before 2000 the estimate
  // is 10 · 0.002 and 9 more pass, so the true window (998, 1998] holds 18 for a limit of 10.
  SlidingWindowCounter limiter(10, 1000);
  SlidingWindowCounter::State s;
  EXPECT_TRUE(limiter.consume(s, 0, 1).allowed);
  EXPECT_TRUE(limiter.consume(s, 999, 9).allowed);
  EXPECT_TRUE(limiter.consume(s, 1998, 9).allowed);
  EXPECT_FALSE(limiter.consume(s, 1998, 1).allowed);
}

TEST(SlidingWindowCounterTest, BackwardsClockAndHugeGaps) {
  SlidingWindowCounter limiter(2, 1000);
  SlidingWindowCounter::State s;
  EXPECT_EQ(limiter.consume(s, 10'000, 2), allowed(0, 2, 12'000));
  // Back 6 s: the window moves back with the clock, [4000, 5000) holding 2; one more fits when
  // the next window has weighed them down to 1: 2 · (1 - x) ≤ 1 at x = 1/2.
  EXPECT_EQ(limiter.consume(s, 4000), denied(0, 2, 6000, 1500));
  EXPECT_EQ(limiter.consume(s, 5000), denied(0, 2, 6000, 500));
  EXPECT_EQ(limiter.consume(s, 5500), allowed(0, 2, 7000));
  SlidingWindowCounter big(1, std::int64_t{1} << 61);
  SlidingWindowCounter::State b;
  EXPECT_EQ(big.consume(b, kInt64Max), allowed(0, 1, kMaxTimeMs + (std::int64_t{1} << 62)));
  // With 1 of 1 in the current window, the next fits only once it has slid out entirely.
  EXPECT_EQ(big.consume(b, kInt64Min),
            denied(0, 1, kMinTimeMs + (std::int64_t{1} << 62), std::int64_t{1} << 62));
  EXPECT_TRUE(big.consume(b, kInt64Max).allowed);
}

TEST(SlidingWindowCounterTest, MatchesAReferenceOnRandomCallSequences) {
  expectMatchesReference<SlidingWindowCounter, ReferenceSlidingCounter>(3000);
}

TEST(SlidingWindowCounterTest, NeverAdmitsTwiceTheLimitInAnyTrueWindow) {
  std::uint64_t seed = 4000;
  bool sawError = false;
  for (const WindowCase& c : kCases) {
    SlidingWindowCounter limiter(c.limit, c.windowMs);
    ReferenceSlidingCounter ref(c.limit, c.windowMs);
    SlidingWindowCounter::State s;
    // Forward time only, so that real and virtual time agree and the true window is real.
    std::int64_t t = 0, worst = 0;
    for (const rate_test::Op& op : rate_test::randomOps(seed++, 2500, c.windowMs, c.limit)) {
      t += std::abs(op.t % 7);
      ASSERT_EQ(limiter.consume(s, t, op.n), ref.consume(t, op.n));
      worst = std::max(worst, ref.trueWindowAt(t));
    }
    EXPECT_LE(worst, 2 * c.limit - 1) << c.limit << "/" << c.windowMs;
    sawError = sawError || worst > c.limit;
  }
  EXPECT_TRUE(sawError) << "no sequence showed the approximation's error";
}

}  // namespace
}  // namespace nx::resilience
