// SPDX-License-Identifier: MIT
#include "nodexx/resilience/token_bucket.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

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

TEST(TokenBucketTest, BurstsToCapacityThenRefillsOneTokenPerInterval) {
  TokenBucket bucket(5, 1);  // 5 tokens, 1 per second
  TokenBucket::State s;
  for (std::int64_t i = 1; i <= 5; ++i) {
    EXPECT_EQ(bucket.consume(s, 10'000), allowed(5 - i, 5, 10'000 + i * 1000));
  }
  EXPECT_EQ(bucket.consume(s, 10'000), denied(0, 5, 15'000, 1000));
  EXPECT_EQ(bucket.consume(s, 10'999), denied(0, 5, 15'000, 1));
  EXPECT_EQ(bucket.consume(s, 11'000), allowed(0, 5, 16'000));
  EXPECT_EQ(bucket.peek(s, 16'000, 0), allowed(5, 5, 16'000));
  EXPECT_TRUE(bucket.isIdle(s, 16'000));
  EXPECT_FALSE(bucket.isIdle(s, 15'999));
}

TEST(TokenBucketTest, FractionalTokensCountTowardsTheNextRequestButNotRemaining) {
  TokenBucket bucket(2, Rate{1, 3});  // one token every 3 ms
  EXPECT_EQ(bucket.unitsPerToken(), 3);
  EXPECT_EQ(bucket.unitsPerMs(), 1);
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, 0, 2), allowed(0, 2, 6));
  EXPECT_EQ(bucket.consume(s, 1), denied(0, 2, 6, 2));  // 1/3 token there
  EXPECT_EQ(bucket.consume(s, 2), denied(0, 2, 6, 1));  // 2/3
  EXPECT_EQ(bucket.consume(s, 3), allowed(0, 2, 9));
  EXPECT_EQ(bucket.peek(s, 7), allowed(0, 2, 12));  // 1 + 1/3 tokens, one taken by the peek
}

TEST(TokenBucketTest, TakesSeveralTokensAtOnce) {
  TokenBucket bucket(5, 2);  // 2 per second: 500 ms per token
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, 0, 3), allowed(2, 5, 1500));
  EXPECT_EQ(bucket.consume(s, 0, 3), denied(2, 5, 1500, 500));
  EXPECT_EQ(bucket.consume(s, 500, 3), allowed(0, 5, 3000));
  EXPECT_EQ(bucket.consume(s, 500, 5), denied(0, 5, 3000, 2500));
}

TEST(TokenBucketTest, MoreThanCapacityIsNeverAllowedAndTakesNothing) {
  TokenBucket bucket(5, 1);
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, 0, 6), denied(5, 5, 0, kRetryNever));
  EXPECT_EQ(bucket.consume(s, 0, 1), allowed(4, 5, 1000));
  EXPECT_EQ(bucket.consume(s, 0, kInt64Max), denied(4, 5, 1000, kRetryNever));
}

TEST(TokenBucketTest, ZeroAsksWithoutTakingAndNegativeThrows) {
  TokenBucket bucket(3, 1);
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, 0, 0), allowed(3, 3, 0));
  EXPECT_EQ(bucket.consume(s, 0, 3), allowed(0, 3, 3000));
  EXPECT_EQ(bucket.consume(s, 0, 0), allowed(0, 3, 3000));
  EXPECT_THROW((void)bucket.consume(s, 0, -1), RangeError);
  EXPECT_THROW((void)bucket.peek(s, 0, -1), RangeError);
}

TEST(TokenBucketTest, RejectsBadConfiguration) {
  EXPECT_THROW(TokenBucket(0, 1), RangeError);
  EXPECT_THROW(TokenBucket(1, 0), RangeError);
  EXPECT_THROW(TokenBucket(1, Rate{1, 0}), RangeError);
  EXPECT_THROW(TokenBucket(1, Rate{-1, 10}), RangeError);
  // capacity · (reduced period) must stay ≤ 2^61.
  EXPECT_NO_THROW(TokenBucket((std::int64_t{1} << 61) / 1000, 1));
  EXPECT_THROW(TokenBucket((std::int64_t{1} << 61) / 1000 + 1, 1), RangeError);
  EXPECT_NO_THROW(TokenBucket((std::int64_t{1} << 61) / 1000 + 1, 1000));  // reduces to 1/ms
}

TEST(TokenBucketTest, BackwardsClockCountsAsNoTimePassing) {
  TokenBucket bucket(2, 1);
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, 10'000, 2), allowed(0, 2, 12'000));
  // Back 5 s: nothing refills, and the times are reported from the new reading.
  EXPECT_EQ(bucket.consume(s, 5000), denied(0, 2, 7000, 1000));
  // Time counts again from the new reading; no freeze until 10'000 comes back.
  EXPECT_EQ(bucket.consume(s, 6000), allowed(0, 2, 8000));
  EXPECT_EQ(bucket.consume(s, 6000 - 1'000'000'000'000), denied(0, 2, -999'999'992'000, 1000));
  EXPECT_FALSE(bucket.isIdle(s, -999'999'992'001));
  EXPECT_TRUE(bucket.isIdle(s, -999'999'992'000));
}

TEST(TokenBucketTest, HugeGapsAndExtremeTimesDoNotOverflow) {
  TokenBucket bucket(1'000'000, Rate{1, 86'400'000});  // one token a day
  TokenBucket::State s;
  EXPECT_EQ(bucket.consume(s, kInt64Min, 1'000'000).allowed, true);
  EXPECT_EQ(bucket.consume(s, kInt64Min).retryAfterMs, 86'400'000);
  // From the earliest to the latest representable time: clamped to ±(2^62 - 1), full again.
  const std::int64_t day = 86'400'000;
  EXPECT_EQ(bucket.consume(s, kInt64Max, 1'000'000),
            allowed(0, 1'000'000, kMaxTimeMs + 1'000'000 * day));
  EXPECT_EQ(bucket.consume(s, kInt64Max), denied(0, 1'000'000, kMaxTimeMs + 1'000'000 * day, day));
  EXPECT_EQ(bucket.consume(s, kInt64Min), denied(0, 1'000'000, kMinTimeMs + 1'000'000 * day, day));
  // A very fast rate: one ms refills everything.
  TokenBucket fast(1000, Rate{kInt64Max, 1});
  TokenBucket::State f;
  EXPECT_TRUE(fast.consume(f, 0, 1000).allowed);
  EXPECT_EQ(fast.consume(f, 0), denied(0, 1000, 1, 1));
  EXPECT_EQ(fast.consume(f, 1, 1000), allowed(0, 1000, 2));
}

TEST(TokenBucketTest, ExactRefillOverAMillionCallsDoesNotDrift) {
  // One token every 3 ms: a float bucket adds 0.333... per ms and drifts; units of 1/3 token
  // keep it exact. Calling every ms from a full 1-token bucket, exactly every third call passes.
  TokenBucket thirds(1, Rate{1, 3});
  TokenBucket::State s;
  std::int64_t passed = 0;
  for (std::int64_t t = 0; t < 3'000'000; ++t) {
    bool ok = thirds.consume(s, t).allowed;
    ASSERT_EQ(ok, t % 3 == 0) << t;
    passed += ok;
  }
  EXPECT_EQ(passed, 1'000'000);

  // 7 tokens per second = 0.007 per ms. Emptied at 0 and then asked every ms, the bucket never
  // holds 2 tokens (so nothing overflows the capacity): after t ms exactly 2 + ⌊7t / 1000⌋
  // calls have passed, every refilled thousandth of a token accounted for.
  TokenBucket seven(2, 7);
  TokenBucket::State s7;
  passed = seven.consume(s7, 0, 2).allowed ? 2 : 0;
  for (std::int64_t t = 1; t < 1'000'000; ++t) {
    passed += seven.consume(s7, t).allowed;
    ASSERT_EQ(passed, 2 + 7 * t / 1000) << t;
  }
}

// The reference: tokens as the exact fraction num / periodMs, in virtual time, written from
// the definition (refill min(C, tokens + elapsed · amount / period), take n if n ≤ tokens).
class ReferenceTokenBucket {
 public:
  ReferenceTokenBucket(std::int64_t capacity, Rate rate)
      : capacity_(capacity), rate_(rate), num_(capacity * rate.periodMs) {}

  RateLimitResult consume(std::int64_t t, std::int64_t n) {
    std::int64_t v = clock_.at(t);
    std::int64_t full = capacity_ * rate_.periodMs;
    std::int64_t elapsed = started_ ? v - lastV_ : 0;
    started_ = true;
    lastV_ = v;
    num_ = elapsed >= full ? full : std::min(full, num_ + elapsed * rate_.amount);
    RateLimitResult r;
    r.limit = capacity_;
    if (n > capacity_) {
      r.retryAfterMs = kRetryNever;
    } else if (n * rate_.periodMs <= num_) {
      r.allowed = true;
      num_ -= n * rate_.periodMs;
    } else {
      r.retryAfterMs = ceilDiv(n * rate_.periodMs - num_, rate_.amount);
    }
    r.remaining = num_ / rate_.periodMs;
    r.resetMs = t + ceilDiv(full - num_, rate_.amount);
    return r;
  }

 private:
  static std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
  std::int64_t capacity_;
  Rate rate_;
  std::int64_t num_;
  rate_test::VirtualTime clock_;
  bool started_ = false;
  std::int64_t lastV_ = 0;
};

struct BucketCase {
  std::int64_t capacity;
  Rate rate;
};

TEST(TokenBucketTest, MatchesAnExactReferenceOnRandomCallSequences) {
  const BucketCase cases[] = {{1, {1, 1000}}, {5, {1, 1000}}, {10, {7, 1000}}, {3, {1, 3}},
                              {20, {3, 7}},   {4, {9, 4}},    {7, {5, 60'000}}};
  std::uint64_t seed = 1;
  for (const BucketCase& c : cases) {
    for (int run = 0; run < 3; ++run, ++seed) {
      TokenBucket bucket(c.capacity, c.rate);
      ReferenceTokenBucket ref(c.capacity, c.rate);
      TokenBucket::State s;
      std::int64_t scale = std::max<std::int64_t>(
          4, c.capacity * c.rate.periodMs / c.rate.amount);  // ms to refill fully
      std::size_t i = 0;
      for (const rate_test::Op& op : rate_test::randomOps(seed, 20'000, scale, c.capacity)) {
        RateLimitResult got = bucket.consume(s, op.t, op.n);
        ASSERT_EQ(got, ref.consume(op.t, op.n))
            << "case C=" << c.capacity << " rate " << c.rate.amount << "/" << c.rate.periodMs
            << " seed " << seed << " op " << i << " t " << op.t << " n " << op.n;
        rate_test::expectExactTimes(bucket, s, op.t, op.n, got);
        if (::testing::Test::HasFailure()) return;
        ++i;
      }
    }
  }
}

// ---- LeakyBucket ----

TEST(LeakyBucketTest, FillsToCapacityAndLeaksAtTheRate) {
  LeakyBucket bucket(3, 1);
  LeakyBucket::State s;
  // resetMs is when the bucket has drained past each request: the send time of a shaper.
  EXPECT_EQ(bucket.consume(s, 0), allowed(2, 3, 1000));
  EXPECT_EQ(bucket.consume(s, 0), allowed(1, 3, 2000));
  EXPECT_EQ(bucket.consume(s, 0), allowed(0, 3, 3000));
  EXPECT_EQ(bucket.consume(s, 0), denied(0, 3, 3000, 1000));
  EXPECT_EQ(bucket.consume(s, 1500), allowed(0, 3, 4000));  // 1.5 leaked, one more fits
  EXPECT_EQ(bucket.consume(s, 1500, 4), denied(0, 3, 4000, kRetryNever));
  EXPECT_EQ(s.levelUnits, 2500);  // 2.5 requests, in thousandths (the rate is 1 per 1000 ms)
  EXPECT_TRUE(bucket.isIdle(s, 4000));
  EXPECT_FALSE(bucket.isIdle(s, 3999));
  EXPECT_THROW(LeakyBucket(3, 0), RangeError);
  EXPECT_THROW((void)bucket.consume(s, 0, -2), RangeError);
}

TEST(LeakyBucketTest, BackwardsClockAndHugeGaps) {
  LeakyBucket bucket(2, Rate{1, 10});
  LeakyBucket::State s;
  EXPECT_TRUE(bucket.consume(s, 100, 2).allowed);
  EXPECT_EQ(bucket.consume(s, 50), denied(0, 2, 70, 10));  // nothing leaked during the step
  EXPECT_EQ(bucket.consume(s, kInt64Max, 2), allowed(0, 2, kMaxTimeMs + 20));
  EXPECT_EQ(bucket.consume(s, kInt64Min), denied(0, 2, kMinTimeMs + 20, 10));
}

// The leaky bucket as a meter is the token bucket seen from the other side: same decisions,
// same numbers, for any calls.
TEST(LeakyBucketTest, DecidesExactlyAsTheTokenBucketWithTheSameRate) {
  std::uint64_t seed = 100;
  for (const BucketCase& c : {BucketCase{5, {1, 1000}}, BucketCase{3, {2, 7}}}) {
    TokenBucket tokens(c.capacity, c.rate);
    LeakyBucket leaky(c.capacity, c.rate);
    TokenBucket::State ts;
    LeakyBucket::State ls;
    for (const rate_test::Op& op : rate_test::randomOps(seed++, 20'000, 5000, c.capacity)) {
      RateLimitResult r = leaky.consume(ls, op.t, op.n);
      ASSERT_EQ(r, tokens.consume(ts, op.t, op.n)) << op.t;
      ASSERT_EQ(ls.levelUnits, ts.spentUnits);
      rate_test::expectExactTimes(leaky, ls, op.t, op.n, r);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace nx::resilience
