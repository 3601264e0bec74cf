// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include "nodexx/resilience/rate_limit.hpp"

namespace nx::resilience {

/// A token bucket: holds at most `capacity` tokens, starts full, refills continuously at
/// `refill` tokens per period; a request of n tokens is allowed when the bucket holds at least
/// n, and takes them. Allows bursts up to `capacity`, and `refill` on average.
///
/// Exact arithmetic: the rate amount/periodMs is reduced to p/q and tokens are counted in
/// units of 1/q token, so one millisecond adds exactly p units and no fraction of a token is
/// ever rounded away or invented, however many calls (no drift; a float bucket loses or gains
/// tokens on every refill). Constraint: capacity·q ≤ 2^61, else RangeError.
///
/// A value type with no clock: the caller passes nowMs and owns the State (see
/// RateLimitAlgorithm for the shared rules on n, denials, backwards clocks and time range).
class TokenBucket {
 public:
  /// Per-key state. A default State is a full bucket (a key never seen).
  struct State {
    /// Tokens missing from a full bucket, in units of 1/unitsPerToken() token, as of lastMs.
    std::int64_t spentUnits = 0;
    /// Clock reading of the last call; meaningless while spentUnits is 0.
    std::int64_t lastMs = 0;
  };

  /// `capacity` ≥ 1 tokens; `refillPerSecond` ≥ 1 whole tokens per second. RangeError if not.
  TokenBucket(std::int64_t capacity, std::int64_t refillPerSecond)
      : TokenBucket(capacity, Rate{refillPerSecond, 1000}) {}
  /// `capacity` ≥ 1 tokens; any exact rate, e.g. Rate{1, 3000} for one token per 3 s.
  TokenBucket(std::int64_t capacity, Rate refill);

  /// Refills up to nowMs, then takes n tokens if the bucket holds at least n. remaining counts
  /// whole tokens left; resetMs is when the bucket is exactly full again; a denied result's
  /// retryAfterMs is when n tokens will be there.
  RateLimitResult consume(State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// What consume would answer, without changing the state.
  RateLimitResult peek(const State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// True when the bucket is full at nowMs (the state equals a fresh one).
  bool isIdle(const State& s, std::int64_t nowMs) const noexcept;

  std::int64_t capacity() const noexcept { return capacity_; }
  std::int64_t limit() const noexcept { return capacity_; }
  /// q: units per token, after reducing the rate.
  std::int64_t unitsPerToken() const noexcept { return unitsPerToken_; }
  /// p: units added per millisecond, after reducing the rate.
  std::int64_t unitsPerMs() const noexcept { return unitsPerMs_; }

 private:
  std::int64_t capacity_;
  std::int64_t unitsPerToken_;
  std::int64_t unitsPerMs_;
};

/// A leaky bucket used as a meter: a bucket of `capacity` units that leaks `leak` units per
/// period, continuously; a request pours n units in and is allowed when they fit
/// (level + n ≤ capacity), else it is denied and pours nothing. This is the meter form (the
/// GCRA of ATM networks, the "leaky bucket as a meter" of the literature), not the queue form
/// that delays requests: it answers allow/deny at once. The queue (shaping) form is derivable:
/// an allowed request's resetMs is when the bucket has drained past it, i.e. when a FIFO
/// leaking at the same rate would have sent it, so a shaper (nginx limit_req without nodelay)
/// can delay it until resetMs instead.
///
/// For the same capacity and rate its decisions are identical to TokenBucket's (the level is
/// exactly the tokens missing from the token bucket; a test checks it); it exists because both
/// vocabularies are in use and its state reads as a level. Exact integer arithmetic as for
/// TokenBucket.
class LeakyBucket {
 public:
  /// Per-key state. A default State is an empty bucket (a key never seen).
  struct State {
    /// Units in the bucket, in 1/unitsPerToken() of a request unit, as of lastMs.
    std::int64_t levelUnits = 0;
    /// Clock reading of the last call; meaningless while levelUnits is 0.
    std::int64_t lastMs = 0;
  };

  /// `capacity` ≥ 1; `leakPerSecond` ≥ 1 whole units per second. RangeError if not.
  LeakyBucket(std::int64_t capacity, std::int64_t leakPerSecond)
      : LeakyBucket(capacity, Rate{leakPerSecond, 1000}) {}
  /// `capacity` ≥ 1; any exact leak rate.
  LeakyBucket(std::int64_t capacity, Rate leak);

  /// Leaks up to nowMs, then pours n units in if they fit. remaining is the whole units that
  /// still fit; resetMs is when the bucket is empty again; a denied result's retryAfterMs is
  /// when n units will fit.
  RateLimitResult consume(State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// What consume would answer, without changing the state.
  RateLimitResult peek(const State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// True when the bucket is empty at nowMs.
  bool isIdle(const State& s, std::int64_t nowMs) const noexcept;

  std::int64_t capacity() const noexcept { return capacity_; }
  std::int64_t limit() const noexcept { return capacity_; }
  std::int64_t unitsPerToken() const noexcept { return unitsPerToken_; }
  std::int64_t unitsPerMs() const noexcept { return unitsPerMs_; }

 private:
  std::int64_t capacity_;
  std::int64_t unitsPerToken_;
  std::int64_t unitsPerMs_;
};

}  // namespace nx::resilience
