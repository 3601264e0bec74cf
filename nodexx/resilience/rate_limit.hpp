// SPDX-License-Identifier: MIT
#pragma once

#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "nodexx/core/promise.hpp"

namespace nx::resilience {

/// retryAfterMs when the request can never be allowed: it asks for more than the limiter's
/// capacity (n > limit). A middleware answers such a request with 429 and no Retry-After.
inline constexpr std::int64_t kRetryNever = -1;

/// The time range the rate-limit algorithms accept; a nowMs outside it is clamped into it. The
/// range (±(2^62 - 1) ms, about ±146 million years) keeps every difference of two times and
/// every time plus a window inside std::int64_t, so no gap between two calls can overflow.
inline constexpr std::int64_t kMaxTimeMs = (std::int64_t{1} << 62) - 1;
inline constexpr std::int64_t kMinTimeMs = -kMaxTimeMs;

/// The answer of one consume (or peek) on a rate limiter. All times are on the caller's clock,
/// in milliseconds.
struct RateLimitResult {
  /// Whether the n units were granted (and, for consume, taken).
  bool allowed = false;
  /// Whole units that one more request could take at the same instant (after this call's
  /// consumption); never negative. For the buckets, fractional tokens are not counted.
  std::int64_t remaining = 0;
  /// The limiter's size: the bucket's capacity or the window's limit.
  std::int64_t limit = 0;
  /// Absolute time at which, if nothing more is consumed, the limiter holds nothing again (the
  /// bucket is full, the window is empty); equal to now when it already holds nothing. This is
  /// the RateLimit-Reset / X-RateLimit-Reset value.
  std::int64_t resetMs = 0;
  /// 0 when allowed. When denied: the smallest wait in ms after which the same request would be
  /// allowed if nothing else is consumed meanwhile (exact, not an estimate), or kRetryNever
  /// when n exceeds the limit. This is the Retry-After value (round up to seconds for HTTP).
  std::int64_t retryAfterMs = 0;

  friend bool operator==(const RateLimitResult&, const RateLimitResult&) = default;
};

/// Prints `{allowed, remaining/limit, reset, retryAfter}` for logs and test failures.
std::ostream& operator<<(std::ostream& os, const RateLimitResult& r);

/// A refill or leak rate as an exact fraction: `amount` units every `periodMs` milliseconds
/// (both ≥ 1). Rate{100, 15 * 60 * 1000} is "100 per 15 minutes" with no rounding; the
/// algorithms reduce the fraction and keep all arithmetic in integers.
struct Rate {
  std::int64_t amount = 1;
  std::int64_t periodMs = 1000;
};

/// What MemoryRateLimitStore (and any other store) needs from an algorithm: a
/// default-constructible State that means "a key never seen" (a full bucket, an empty window),
/// consume/peek as below, and isIdle(state, now): true when the state has returned to that
/// initial condition, so that dropping it changes no later answer.
///
/// The algorithms in token_bucket.hpp and rate_limit_windows.hpp are values with no clock and
/// no I/O: `consume(state, nowMs, n)` is a pure function of (configuration, state, nowMs, n)
/// that updates the state, so a store can run the same math anywhere (in memory now; later in a
/// Redis script or an SQL transaction). Their shared rules:
/// - n ≥ 0 (a negative n throws RangeError ERR_OUT_OF_RANGE); n = 0 asks without taking;
///   n > limit is never allowed and reports retryAfterMs = kRetryNever.
/// - A denied request takes nothing (rejected requests do not count against the key).
/// - A clock that goes backwards counts as no time passing: the state moves back with it, so
///   the key neither refills nor ages during the step, and time counts again from the new
///   reading (no freeze until the old reading comes back).
/// - nowMs is clamped into [kMinTimeMs, kMaxTimeMs]; any gap between calls is safe.
template <class A>
concept RateLimitAlgorithm = std::default_initializable<typename A::State> &&
    requires(const A& a, typename A::State& s, const typename A::State& cs, std::int64_t t) {
  { a.consume(s, t, t) } -> std::same_as<RateLimitResult>;
  { a.peek(cs, t, t) } -> std::same_as<RateLimitResult>;
  { a.isIdle(cs, t) } -> std::same_as<bool>;
  { a.limit() } -> std::same_as<std::int64_t>;
};

/// Where rate-limit state lives, keyed by client (an IP, a user id, an API key): one atomic
/// "consume n units on key at time nowMs" operation. Implementations: MemoryRateLimitStore
/// (this module); Redis and SQL stores later (module `data`) behind the same interface. The
/// caller supplies nowMs (from its Clock) so that tests are deterministic; a shared store may
/// substitute its own clock (Redis TIME) and must say so.
///
/// Two ways in, because an in-process store answers at once and a networked one cannot:
/// consume() is the synchronous answer, for stores where isSynchronous() is true; consumeAsync()
/// works for every store and is what generic callers (the rate-limit middleware) use when
/// isSynchronous() is false. Thread: loop-affine, like everything that touches a loop.
class RateLimitStore {
 public:
  virtual ~RateLimitStore() = default;

  /// Consumes `n` (≥ 0) units on `key` at `nowMs` and returns the decision; the read, decision
  /// and update are one atomic step for this store. Throws RangeError for n < 0. A store whose
  /// isSynchronous() is false cannot answer without I/O and throws ERR_METHOD_NOT_IMPLEMENTED.
  virtual RateLimitResult consume(std::string_view key, std::int64_t n, std::int64_t nowMs) = 0;

  /// The same operation for every store, as a promise: networked stores override it and run
  /// the algorithm server-side; the default resolves at once with consume()'s answer (or
  /// rejects with its exception). Parameters are by value, as for every coroutine.
  [[nodiscard]] virtual Promise<RateLimitResult> consumeAsync(std::string key, std::int64_t n,
                                                              std::int64_t nowMs);

  /// Forgets `key`: its next consume sees a fresh state. Unknown keys are ignored. A networked
  /// store queues the delete ahead of its later commands, so later consumes observe it.
  virtual void reset(std::string_view key) = 0;

  /// True when consume() answers without I/O, so that a caller can skip the promise (and its
  /// allocation and microtask) on the hot path. Default true.
  virtual bool isSynchronous() const noexcept { return true; }

 protected:
  RateLimitStore() = default;
  RateLimitStore(const RateLimitStore&) = default;
  RateLimitStore& operator=(const RateLimitStore&) = default;
};

}  // namespace nx::resilience
