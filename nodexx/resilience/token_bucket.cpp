// SPDX-License-Identifier: MIT
#include "nodexx/resilience/token_bucket.hpp"

#include <numeric>

#include "nodexx/resilience/internal/rate_math.hpp"

namespace nx::resilience {

using internal::ceilDiv;
using internal::clampTime;

namespace {

// TokenBucket and LeakyBucket are one computation: "units" are the tokens missing from the
// token bucket, or the level of the leaky bucket, in 1/perToken of a token; they drain at
// perMs per millisecond, and a request of n fits when units + n·perToken ≤ capacity·perToken.
struct Bucket {
  std::int64_t capacity;
  std::int64_t perToken;
  std::int64_t perMs;
};

Bucket makeBucket(std::int64_t capacity, Rate rate, const char* who) {
  internal::checkConfig(capacity >= 1, who, "capacity must be >= 1");
  internal::checkConfig(rate.amount >= 1 && rate.periodMs >= 1, who,
                        "rate amount and periodMs must be >= 1");
  std::int64_t g = std::gcd(rate.amount, rate.periodMs);
  Bucket b{capacity, rate.periodMs / g, rate.amount / g};
  internal::checkConfig(internal::scaledProduct(capacity, b.perToken) >= 0, who,
                        "capacity times the reduced rate period must be <= 2^61");
  return b;
}

// Brings `units` forward to `now`: drains what flowed out since lastMs. A backwards step only
// moves lastMs back (no time passes during it).
void drain(std::int64_t& units, std::int64_t& lastMs, std::int64_t now, const Bucket& b) {
  std::int64_t last = clampTime(lastMs);
  if (units > 0 && now > last) {
    std::uint64_t elapsed = internal::elapsedMs(now, last);
    // Compare with the time to drain everything first, so that elapsed · perMs cannot overflow
    // whatever the gap.
    if (elapsed >= internal::unsignedOf(ceilDiv(units, b.perMs))) {
      units = 0;
    } else {
      units -= static_cast<std::int64_t>(elapsed) * b.perMs;
    }
  }
  lastMs = now;
}

RateLimitResult decide(std::int64_t& units, std::int64_t now, std::int64_t n, const Bucket& b) {
  std::int64_t full = b.capacity * b.perToken;
  RateLimitResult r;
  r.limit = b.capacity;
  if (n <= b.capacity) {
    std::int64_t need = n * b.perToken;
    if (units + need <= full) {
      r.allowed = true;
      units += need;
    } else {
      r.retryAfterMs = ceilDiv(units + need - full, b.perMs);
    }
  } else {
    r.retryAfterMs = kRetryNever;
  }
  r.remaining = (full - units) / b.perToken;
  r.resetMs = now + ceilDiv(units, b.perMs);
  return r;
}

RateLimitResult consumeBucket(std::int64_t& units, std::int64_t& lastMs, std::int64_t nowMs,
                              std::int64_t n, const Bucket& b, const char* who) {
  internal::checkCount(n, who);
  std::int64_t now = clampTime(nowMs);
  drain(units, lastMs, now, b);
  return decide(units, now, n, b);
}

bool isEmpty(std::int64_t units, std::int64_t lastMs, std::int64_t nowMs, const Bucket& b) {
  drain(units, lastMs, clampTime(nowMs), b);
  return units == 0;
}

}  // namespace

TokenBucket::TokenBucket(std::int64_t capacity, Rate refill) {
  Bucket b = makeBucket(capacity, refill, "TokenBucket");
  capacity_ = b.capacity;
  unitsPerToken_ = b.perToken;
  unitsPerMs_ = b.perMs;
}

RateLimitResult TokenBucket::consume(State& s, std::int64_t nowMs, std::int64_t n) const {
  return consumeBucket(s.spentUnits, s.lastMs, nowMs, n, {capacity_, unitsPerToken_, unitsPerMs_},
                       "TokenBucket::consume");
}

RateLimitResult TokenBucket::peek(const State& s, std::int64_t nowMs, std::int64_t n) const {
  State copy = s;
  return consume(copy, nowMs, n);
}

bool TokenBucket::isIdle(const State& s, std::int64_t nowMs) const noexcept {
  return isEmpty(s.spentUnits, s.lastMs, nowMs, {capacity_, unitsPerToken_, unitsPerMs_});
}

LeakyBucket::LeakyBucket(std::int64_t capacity, Rate leak) {
  Bucket b = makeBucket(capacity, leak, "LeakyBucket");
  capacity_ = b.capacity;
  unitsPerToken_ = b.perToken;
  unitsPerMs_ = b.perMs;
}

RateLimitResult LeakyBucket::consume(State& s, std::int64_t nowMs, std::int64_t n) const {
  return consumeBucket(s.levelUnits, s.lastMs, nowMs, n, {capacity_, unitsPerToken_, unitsPerMs_},
                       "LeakyBucket::consume");
}

RateLimitResult LeakyBucket::peek(const State& s, std::int64_t nowMs, std::int64_t n) const {
  State copy = s;
  return consume(copy, nowMs, n);
}

bool LeakyBucket::isIdle(const State& s, std::int64_t nowMs) const noexcept {
  return isEmpty(s.levelUnits, s.lastMs, nowMs, {capacity_, unitsPerToken_, unitsPerMs_});
}

}  // namespace nx::resilience
