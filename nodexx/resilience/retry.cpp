// SPDX-License-Identifier: MIT
#include "nodexx/resilience/retry.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "nodexx/core/errors.hpp"

namespace nx::resilience {

namespace {

double defaultRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Whole milliseconds in [0, cap] from a double that may be huge or infinite.
std::int64_t toMs(double ms, std::int64_t cap) noexcept {
  if (!(ms > 0)) return 0;
  if (ms >= static_cast<double>(cap)) return cap;
  return static_cast<std::int64_t>(std::floor(ms));
}

// A whole number in [lo, hi) (lo when the range is empty) from r in [0, 1), computed on
// integers so that rounding can never reach hi.
std::int64_t between(std::int64_t lo, std::int64_t hi, double r) noexcept {
  if (hi <= lo) return lo;
  const std::int64_t span = hi - lo;
  const auto step = static_cast<std::int64_t>(std::floor(r * static_cast<double>(span)));
  return lo + std::clamp<std::int64_t>(step, 0, span - 1);
}

}  // namespace

std::int64_t backoffDelay(const RetryOptions& options, int retry, std::int64_t previousDelay,
                          double random) noexcept {
  const double r = std::isnan(random) ? 0.0 : std::clamp(random, 0.0, 1.0);
  const std::int64_t cap = options.maxDelay;
  const std::int64_t base = std::min(options.initialDelay, cap);
  // pow() may overflow to inf; toMs() caps it.
  const std::int64_t exp =
      toMs(static_cast<double>(options.initialDelay) *
               std::pow(options.factor, static_cast<double>(std::max(0, retry - 1))),
           cap);
  switch (options.jitter) {
    case Jitter::None:
      return exp;
    case Jitter::Full:
      return between(0, exp, r);
    case Jitter::Equal:
      return between(exp / 2, exp, r);
    case Jitter::Decorrelated: {
      const double upper = 3.0 * static_cast<double>(std::max<std::int64_t>(previousDelay, 0));
      return between(base, toMs(upper, cap), r);
    }
  }
  return exp;
}

namespace detail {

void checkRetryOptions(const RetryOptions& o) {
  auto fail = [](const char* what) {
    throw RangeError("ERR_OUT_OF_RANGE", std::string("retry: ") + what);
  };
  if (o.maxAttempts < 1) fail("maxAttempts must be >= 1");
  if (o.initialDelay < 0) fail("initialDelay must be >= 0");
  if (!(o.factor >= 1)) fail("factor must be >= 1");
  if (o.maxDelay < 0) fail("maxDelay must be >= 0");
  if (o.maxElapsed < 0) fail("maxElapsed must be >= 0");
}

std::optional<std::int64_t> nextRetryDelay(const RetryOptions& options, RetryPlan& plan,
                                           int attempt, const std::exception_ptr& error,
                                           std::int64_t now) {
  if (attempt >= options.maxAttempts) return std::nullopt;
  if (options.retryOn && !options.retryOn(error, attempt)) return std::nullopt;
  const double r = options.random ? options.random() : defaultRandom();
  std::int64_t delay = backoffDelay(options, attempt, plan.previousDelay, r);
  if (options.retryAfter) {
    if (std::optional<std::int64_t> asked = options.retryAfter(error)) {
      delay = std::clamp<std::int64_t>(*asked, 0, options.maxDelay);
    }
  }
  if (options.maxElapsed > 0) {
    const std::int64_t remaining = options.maxElapsed - (now - plan.start);
    if (remaining <= 0) return std::nullopt;
    delay = std::min(delay, remaining);
  }
  plan.previousDelay = delay;
  if (options.onRetry) options.onRetry(attempt, delay, error);
  return delay;
}

}  // namespace detail
}  // namespace nx::resilience
