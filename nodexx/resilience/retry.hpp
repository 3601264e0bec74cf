// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/resilience/clock.hpp"

namespace nx::resilience {

/// How retry() randomises its exponential backoff; the AWS Architecture Blog's definitions
/// ("Exponential Backoff And Jitter", 2015). With base = initialDelay, cap = maxDelay, n the
/// retry number (1 before the second attempt), exp = min(cap, base × factor^(n−1)) and r
/// uniform in [0, 1) from RetryOptions::random, and rand(lo, hi) = lo + ⌊r × (hi − lo)⌋ on
/// whole milliseconds (so never hi itself; lo when hi ≤ lo):
/// - None:         exp
/// - Full:         rand(0, exp)                         ∈ [0, exp)
/// - Equal:        rand(⌊exp/2⌋, exp)                   ∈ [exp/2, exp)
/// - Decorrelated: rand(base, min(cap, 3 × prev))       ∈ [base, min(cap, 3 × prev))
///   where prev is the previous delay (base before the first retry); `factor` is not used.
enum class Jitter : unsigned char { None, Full, Equal, Decorrelated };

/// What one attempt receives.
struct RetryContext {
  /// 1 for the first attempt.
  int attempt = 1;
  /// RetryOptions::signal: pass it on so that aborting also cancels the attempt itself.
  AbortSignal signal;
  /// The previous attempt's error; null on the first attempt.
  std::exception_ptr lastError;
  /// Milliseconds since the first attempt started, on the retry's Clock.
  std::int64_t elapsedMs = 0;
};

/// Options of retry(). Durations in milliseconds. Holds std::function members: inside a
/// coroutine, build it as a named variable before `co_await retry(fn, options)` (g++ 12
/// destroys a braced temporary in a co_await expression twice; see nodexx/core/README.md).
struct RetryOptions {
  /// Attempts in all, the first included, ≥ 1.
  int maxAttempts = 3;
  /// The backoff's base: the first retry's delay before jitter, ≥ 0.
  std::int64_t initialDelay = 100;
  /// Growth per retry, ≥ 1.
  double factor = 2;
  /// The largest delay, jitter and retryAfter included, ≥ 0.
  std::int64_t maxDelay = 20000;
  /// Randomisation; Full is AWS's recommendation.
  Jitter jitter = Jitter::Full;
  /// Total time budget from the first attempt's start (0 = none): no attempt starts after it,
  /// and a delay that would end past it is shortened to end at it.
  std::int64_t maxElapsed = 0;
  /// Whether to retry after `error` ended attempt `attempt`; empty = every error. Not consulted
  /// for the last attempt or an aborted signal.
  std::function<bool(const std::exception_ptr& error, int attempt)> retryOn;
  /// A delay the error asks for (e.g. from a Retry-After header); when it returns a value it
  /// replaces the computed backoff, still capped by maxDelay and maxElapsed.
  std::function<std::optional<std::int64_t>(const std::exception_ptr& error)> retryAfter;
  /// Aborting rejects retry() with the signal's reason before the next attempt, or with an
  /// AbortError during a wait (which it cancels). It is also given to every attempt.
  AbortSignal signal;
  /// Called before each wait with the attempt that failed, the delay chosen and its error.
  std::function<void(int attempt, std::int64_t delayMs, const std::exception_ptr& error)> onRetry;
  /// The uniform random source for jitter, values in [0, 1) (others are clamped). Empty: a
  /// per-thread std::mt19937_64 seeded from std::random_device. Inject one for tests.
  std::function<double()> random;
};

/// The delay before retry number `retry` (1 = before the second attempt) for `options`' backoff
/// and jitter, given the previous delay (decorrelated jitter only) and a uniform `random` in
/// [0, 1). A pure function; retry() adds retryAfter and maxElapsed on top.
std::int64_t backoffDelay(const RetryOptions& options, int retry, std::int64_t previousDelay,
                          double random) noexcept;

namespace detail {

// Where a retry loop stands between attempts.
struct RetryPlan {
  std::int64_t start = 0;
  std::int64_t previousDelay = 0;
};

// Throws RangeError for options out of range.
void checkRetryOptions(const RetryOptions& options);

// The delay before the attempt after `attempt`, which failed with `error` at `now`; nullopt
// to give up. Calls retryOn, retryAfter and onRetry.
std::optional<std::int64_t> nextRetryDelay(const RetryOptions& options, RetryPlan& plan,
                                           int attempt, const std::exception_ptr& error,
                                           std::int64_t now);

template <class R>
struct RetryPromise {
  static constexpr bool kIsPromise = false;
};
template <class T>
struct RetryPromise<Promise<T>> {
  static constexpr bool kIsPromise = true;
  using Value = T;
};

template <class T, class F>
Promise<T> retryLoop(F fn, RetryOptions options, Clock* clock) {
  checkRetryOptions(options);
  RetryPlan plan{clock->now(), options.initialDelay};
  std::exception_ptr last;
  for (int attempt = 1;; ++attempt) {
    options.signal.throwIfAborted();
    std::exception_ptr error;
    try {
      // Named, not a temporary in the co_await expression (g++ 12, see RetryOptions).
      RetryContext context{attempt, options.signal, last, clock->now() - plan.start};
      if constexpr (std::is_void_v<T>) {
        co_await fn(std::move(context));
        co_return;
      } else {
        co_return co_await fn(std::move(context));
      }
    } catch (...) {
      error = std::current_exception();
    }
    options.signal.throwIfAborted();
    const std::optional<std::int64_t> delay =
        nextRetryDelay(options, plan, attempt, error, clock->now());
    if (!delay) std::rethrow_exception(error);
    last = std::move(error);
    if (*delay > 0) co_await clock->sleep(*delay, options.signal);
  }
}

}  // namespace detail

/// What retry() accepts: a callable taking a RetryContext and returning a Promise.
template <class F>
concept RetryFunction = std::is_invocable_v<F&, RetryContext> &&
    detail::RetryPromise<std::invoke_result_t<F&, RetryContext>>::kIsPromise;

/// The value type of a RetryFunction's promise.
template <RetryFunction F>
using RetryValue = typename detail::RetryPromise<std::invoke_result_t<F&, RetryContext>>::Value;

/// Calls `fn(RetryContext)` until the promise it returns fulfills, waiting between attempts
/// with exponential backoff and jitter (see Jitter and RetryOptions), like npm p-retry:
/// ```
/// RetryOptions o;  o.maxAttempts = 5;  o.signal = req.signal();
/// auto body = co_await retry([&](RetryContext c) { return client.get(url, c.signal); }, o);
/// ```
/// Gives up, rejecting with the LAST attempt's error (not an aggregate), when maxAttempts
/// attempts failed, retryOn refused, or maxElapsed left no time. Rejects with RangeError
/// (ERR_OUT_OF_RANGE) for invalid options, with the signal's reason when it is aborted between
/// attempts, with AbortError when it aborts a wait. A throw from `fn`, retryOn, retryAfter or
/// onRetry counts as that step's failure (from `fn`: an attempt's error; from a hook: the
/// retry's rejection). The first attempt runs synchronously inside retry(); waits use `clock`,
/// which must outlive the returned promise. `fn` is kept until the promise settles, so a
/// coroutine lambda may capture what it uses.
template <RetryFunction F>
Promise<RetryValue<F>> retry(F fn, RetryOptions options, Clock& clock = Clock::system()) {
  return detail::retryLoop<RetryValue<F>>(std::move(fn), std::move(options), &clock);
}

/// retry() with default options (3 attempts, full jitter from 100 ms).
template <RetryFunction F>
Promise<RetryValue<F>> retry(F fn) {
  // A named default, not a defaulted parameter: that would be a braced temporary in the
  // caller's co_await expression (see RetryOptions).
  RetryOptions options;
  return retry(std::move(fn), std::move(options));
}

}  // namespace nx::resilience
