// SPDX-License-Identifier: MIT
#include "nodexx/resilience/retry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/resilience/internal/test_probes.hpp"

using ::testing::ElementsAre;

namespace nx::resilience {
namespace {

using testing::codeOf;
using testing::Outcome;
using testing::watch;

// A downstream that fails with codes E1, E2, ... for its first `failures` calls, then returns
// the attempt number; it records every context it was given.
struct Flaky {
  explicit Flaky(int n = 0) : failures(n) {}
  int failures;
  std::vector<RetryContext> seen;

  auto fn() {
    return [this](RetryContext c) -> Promise<int> {
      seen.push_back(c);
      if (static_cast<int>(seen.size()) <= failures) {
        return Promise<int>::reject(SystemError("E" + std::to_string(seen.size()), "failed"));
      }
      return Promise<int>::resolve(c.attempt);
    };
  }
};

class RetryTest : public nx::testing::FreshLoop {
 protected:
  // Deterministic options: no jitter, 100 ms doubling, the ManualClock.
  static RetryOptions plain() {
    RetryOptions o;
    o.jitter = Jitter::None;
    o.initialDelay = 100;
    o.factor = 2;
    o.maxDelay = 10'000;
    o.maxAttempts = 5;
    return o;
  }

  // Runs the loop, advancing the clock 1 ms at a time, until `o` settles; returns the time
  // waited before each new attempt (`attempts` counts them).
  std::vector<std::int64_t> drive(Outcome& o, const std::function<std::size_t()>& attempts) {
    std::vector<std::int64_t> waits;
    run();
    std::int64_t waited = 0;
    std::size_t seen = attempts();
    while (!o.settled && clock.pendingSleeps() > 0) {
      clock.advance(1);
      ++waited;
      run();
      if (attempts() != seen) {
        seen = attempts();
        waits.push_back(waited);
        waited = 0;
      }
    }
    return waits;
  }
  std::vector<std::int64_t> drive(Outcome& o, const Flaky& f) {
    return drive(o, [&f] { return f.seen.size(); });
  }

  ManualClock clock{5'000};
};

TEST_F(RetryTest, FirstSuccessNeedsNoWait) {
  Flaky f;
  Outcome o;
  RetryOptions opts = plain();
  watch(retry(f.fn(), opts, clock), o);
  EXPECT_EQ(f.seen.size(), 1u);  // the first attempt runs synchronously
  run();
  EXPECT_EQ(o.value, 1);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(RetryTest, RetriesWithExponentialBackoffAndReportsEachRetry) {
  Flaky f(3);
  Outcome o;
  RetryOptions opts = plain();
  std::vector<std::string> retries;
  opts.onRetry = [&](int attempt, std::int64_t delay, const std::exception_ptr& e) {
    retries.push_back(std::to_string(attempt) + ":" + std::to_string(delay) + ":" + codeOf(e));
  };
  watch(retry(f.fn(), opts, clock), o);
  run();
  clock.advance(99);
  run();
  EXPECT_EQ(f.seen.size(), 1u);
  clock.advance(1);
  run();
  EXPECT_EQ(f.seen.size(), 2u);
  EXPECT_THAT(drive(o, f), ElementsAre(200, 400));
  EXPECT_EQ(o.value, 4);
  EXPECT_THAT(retries, ElementsAre("1:100:E1", "2:200:E2", "3:400:E3"));
  // Each attempt sees its number, the previous error and the elapsed time.
  ASSERT_EQ(f.seen.size(), 4u);
  EXPECT_EQ(f.seen[0].attempt, 1);
  EXPECT_FALSE(f.seen[0].lastError);
  EXPECT_EQ(f.seen[0].elapsedMs, 0);
  EXPECT_EQ(f.seen[3].attempt, 4);
  EXPECT_EQ(codeOf(f.seen[3].lastError), "E3");
  EXPECT_EQ(f.seen[3].elapsedMs, 700);
}

TEST_F(RetryTest, ExhaustedRetriesRejectWithTheLastError) {
  Flaky f(100);
  Outcome o;
  RetryOptions opts = plain();
  opts.maxAttempts = 3;
  watch(retry(f.fn(), opts, clock), o);
  EXPECT_THAT(drive(o, f), ElementsAre(100, 200));
  EXPECT_EQ(o.error, "E3");
  EXPECT_EQ(f.seen.size(), 3u);
  opts.maxAttempts = 1;
  Flaky once(100);
  Outcome single;
  watch(retry(once.fn(), opts, clock), single);
  run();
  EXPECT_EQ(single.error, "E1");
}

TEST_F(RetryTest, MaxDelayCapsTheBackoff) {
  Flaky f(4);
  Outcome o;
  RetryOptions opts = plain();
  opts.maxDelay = 250;
  watch(retry(f.fn(), opts, clock), o);
  EXPECT_THAT(drive(o, f), ElementsAre(100, 200, 250, 250));
  EXPECT_EQ(o.value, 5);
}

TEST_F(RetryTest, RetryOnDecidesPerErrorAndAttempt) {
  Flaky f(100);
  Outcome o;
  RetryOptions opts = plain();
  std::vector<int> asked;
  opts.retryOn = [&](const std::exception_ptr& e, int attempt) {
    asked.push_back(attempt);
    return codeOf(e) != "E2";  // E2 is permanent
  };
  watch(retry(f.fn(), opts, clock), o);
  drive(o, f);
  EXPECT_EQ(o.error, "E2");
  EXPECT_THAT(asked, ElementsAre(1, 2));
  EXPECT_EQ(f.seen.size(), 2u);
}

TEST_F(RetryTest, RetryAfterOverridesTheBackoffWithinMaxDelay) {
  Flaky f(3);
  Outcome o;
  RetryOptions opts = plain();
  opts.maxDelay = 3000;
  opts.retryAfter = [](const std::exception_ptr& e) -> std::optional<std::int64_t> {
    if (codeOf(e) == "E1") return 1500;   // Retry-After: 1.5 s
    if (codeOf(e) == "E2") return 60000;  // capped by maxDelay
    return std::nullopt;                  // the computed backoff
  };
  watch(retry(f.fn(), opts, clock), o);
  EXPECT_THAT(drive(o, f), ElementsAre(1500, 3000, 400));
  EXPECT_EQ(o.value, 4);
}

TEST_F(RetryTest, MaxElapsedShortensTheLastWaitAndThenGivesUp) {
  Flaky f(100);
  Outcome o;
  RetryOptions opts = plain();
  opts.maxAttempts = 100;
  opts.maxElapsed = 500;
  watch(retry(f.fn(), opts, clock), o);
  // Attempts at 0, 100, 300, then 500 (the 400 ms wait is cut to 200): no time is left.
  EXPECT_THAT(drive(o, f), ElementsAre(100, 200, 200));
  EXPECT_EQ(o.error, "E4");
  EXPECT_EQ(f.seen.back().elapsedMs, 500);
}

TEST_F(RetryTest, MaxElapsedAlsoCapsRetryAfter) {
  Flaky f(1);
  Outcome o;
  RetryOptions opts = plain();
  opts.maxElapsed = 1000;
  opts.retryAfter = [](const std::exception_ptr&) { return std::optional<std::int64_t>(5000); };
  watch(retry(f.fn(), opts, clock), o);
  EXPECT_THAT(drive(o, f), ElementsAre(1000));
  EXPECT_EQ(o.value, 2);
}

TEST_F(RetryTest, AbortDuringAWaitCancelsItAndRejectsWithAbortError) {
  Flaky f(100);
  Outcome o;
  AbortController c;
  RetryOptions opts = plain();
  opts.signal = c.signal();
  watch(retry(f.fn(), opts, clock), o);
  run();
  EXPECT_EQ(clock.pendingSleeps(), 1u);
  c.abort();
  run();
  EXPECT_EQ(o.error, "ABORT_ERR");
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  clock.advance(10'000);
  run();
  EXPECT_EQ(f.seen.size(), 1u);
}

TEST_F(RetryTest, AbortDuringAnAttemptStopsWithTheSignalsReason) {
  AbortController c;
  RetryOptions opts = plain();
  opts.signal = c.signal();
  auto gate = Promise<int>::withResolvers();
  int attempts = 0;
  Outcome o;
  watch(retry(
            [&](RetryContext ctx) {
              ++attempts;
              EXPECT_FALSE(ctx.signal.aborted());
              ctx.signal.onAbort([gate] { gate.reject(AbortError()); });
              return gate.promise;
            },
            opts, clock),
        o);
  c.abort(std::make_exception_ptr(SystemError("ECANCELLED", "user left")));
  run();
  EXPECT_EQ(o.error, "ECANCELLED");
  EXPECT_EQ(attempts, 1);
  Outcome late;
  Flaky unused;
  watch(retry(unused.fn(), opts, clock), late);  // already aborted: no attempt at all
  run();
  EXPECT_EQ(late.error, "ECANCELLED");
}

TEST_F(RetryTest, InvalidOptionsReject) {
  auto check = [this](auto change) {
    RetryOptions opts = plain();
    change(opts);
    Outcome o;
    Flaky f;
    watch(retry(f.fn(), opts, clock), o);
    run();
    EXPECT_TRUE(f.seen.empty());
    return o.error;
  };
  EXPECT_EQ(check([](RetryOptions& o) { o.maxAttempts = 0; }), "ERR_OUT_OF_RANGE");
  EXPECT_EQ(check([](RetryOptions& o) { o.initialDelay = -1; }), "ERR_OUT_OF_RANGE");
  EXPECT_EQ(check([](RetryOptions& o) { o.factor = 0.5; }), "ERR_OUT_OF_RANGE");
  EXPECT_EQ(check([](RetryOptions& o) { o.maxDelay = -1; }), "ERR_OUT_OF_RANGE");
  EXPECT_EQ(check([](RetryOptions& o) { o.maxElapsed = -1; }), "ERR_OUT_OF_RANGE");
}

TEST_F(RetryTest, ThrowingAttemptsAndHooks) {
  RetryOptions opts = plain();
  int calls = 0;
  Outcome o;
  watch(retry(
            [&](RetryContext) -> Promise<int> {
              if (++calls < 3) throw SystemError("ESYNC", "thrown, not rejected");
              co_return 7;
            },
            opts, clock),
        o);
  drive(o, [&] { return static_cast<std::size_t>(calls); });
  EXPECT_EQ(o.value, 7);
  opts.onRetry = [](int, std::int64_t, const std::exception_ptr&) {
    throw SystemError("EHOOK", "hook failed");
  };
  Outcome h;
  Flaky five(5);
  watch(retry(five.fn(), opts, clock), h);
  run();
  EXPECT_EQ(h.error, "EHOOK");
}

TEST_F(RetryTest, DefaultOptionsVoidResultsAndCapturingCoroutines) {
  auto seen = std::make_shared<int>(0);
  bool done = false;
  // Default options use the system clock and real (short) waits: 100 ms at most here.
  (void)retry([seen](RetryContext c) -> Promise<> {
    ++*seen;
    co_await Promise<>::resolve();
    if (c.attempt < 2) throw SystemError("EAGAIN", "again");
  }).then([&] { done = true; });
  run();
  EXPECT_TRUE(done);
  EXPECT_EQ(*seen, 2);
}

// Each jitter formula stays within its documented bounds, over the whole range of r.
TEST_F(RetryTest, JitterFormulasStayWithinTheirBounds) {
  RetryOptions o = plain();
  o.initialDelay = 100;
  o.maxDelay = 5000;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int retryNo = 1; retryNo <= 10; ++retryNo) {
    const std::int64_t exp = std::min<std::int64_t>(5000, 100LL << (retryNo - 1));
    for (int i = 0; i < 2000; ++i) {
      const double r = i == 0 ? 0.0 : i == 1 ? 0.9999999 : uniform(rng);
      o.jitter = Jitter::None;
      EXPECT_EQ(backoffDelay(o, retryNo, 0, r), exp);
      o.jitter = Jitter::Full;
      const std::int64_t full = backoffDelay(o, retryNo, 0, r);
      EXPECT_GE(full, 0);
      EXPECT_LT(full, exp);
      o.jitter = Jitter::Equal;
      const std::int64_t equal = backoffDelay(o, retryNo, 0, r);
      EXPECT_GE(equal, exp / 2);
      EXPECT_LT(equal, exp);
      o.jitter = Jitter::Decorrelated;
      const std::int64_t prev = 100 + (i * 37) % 3000;
      const std::int64_t dec = backoffDelay(o, retryNo, prev, r);
      EXPECT_GE(dec, 100);
      EXPECT_LT(dec, std::min<std::int64_t>(5000, 3 * prev));
    }
  }
  // The endpoints of r map to the ends of each range.
  o.jitter = Jitter::Full;
  EXPECT_EQ(backoffDelay(o, 3, 0, 0.0), 0);
  EXPECT_EQ(backoffDelay(o, 3, 0, 0.5), 200);
  o.jitter = Jitter::Equal;
  EXPECT_EQ(backoffDelay(o, 3, 0, 0.0), 200);
  EXPECT_EQ(backoffDelay(o, 3, 0, 0.5), 300);
  o.jitter = Jitter::Decorrelated;
  EXPECT_EQ(backoffDelay(o, 7, 1000, 0.0), 100);
  EXPECT_EQ(backoffDelay(o, 7, 1000, 0.5), 1550);   // 100 + 0.5 × (3000 − 100)
  EXPECT_EQ(backoffDelay(o, 7, 4000, 0.99), 4951);  // 100 + ⌊0.99 × (5000 − 100)⌋: capped
  EXPECT_EQ(backoffDelay(o, 1, 100, 1.5), 299);     // r clamped below 1
  o.jitter = Jitter::None;
  o.factor = 1e300;  // overflow stays capped
  EXPECT_EQ(backoffDelay(o, 40, 0, 0.5), 5000);
}

TEST_F(RetryTest, InjectedRandomSourceMakesJitterReproducible) {
  auto delaysFor = [this](std::uint64_t seed, Jitter jitter) {
    auto rng = std::make_shared<std::mt19937_64>(seed);
    RetryOptions opts = plain();
    opts.jitter = jitter;
    opts.maxAttempts = 6;
    opts.random = [rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng); };
    std::vector<std::int64_t> delays;
    opts.onRetry = [&delays](int, std::int64_t d, const std::exception_ptr&) {
      delays.push_back(d);
    };
    Flaky f(100);
    Outcome o;
    watch(retry(f.fn(), opts, clock), o);
    drive(o, f);
    EXPECT_EQ(o.error, "E6");
    return delays;
  };
  for (Jitter j : {Jitter::Full, Jitter::Equal, Jitter::Decorrelated}) {
    auto a = delaysFor(7, j);
    EXPECT_EQ(a, delaysFor(7, j));
    EXPECT_NE(a, delaysFor(8, j));
    ASSERT_EQ(a.size(), 5u);
  }
  // Decorrelated: each delay is drawn from [base, 3 × the previous one).
  auto d = delaysFor(3, Jitter::Decorrelated);
  std::int64_t prev = 100;
  for (std::int64_t delay : d) {
    EXPECT_GE(delay, 100);
    EXPECT_LE(delay, std::max<std::int64_t>(100, 3 * prev));
    prev = delay;
  }
}

}  // namespace
}  // namespace nx::resilience
