// SPDX-License-Identifier: MIT
#include "nodexx/resilience/circuit_breaker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/resilience/internal/test_probes.hpp"

using ::testing::ElementsAre;

namespace nx::resilience {
namespace {

using testing::codeOf;
using testing::Outcome;
using testing::watch;

// A downstream call the test settles by hand. Like a well-behaved call it rejects when its
// signal aborts (a promise that never settles would keep its reaction, and the breaker, alive).
struct Pending {
  Promise<int>::Resolvers r = Promise<int>::withResolvers();
  AbortSignal signal;
  int calls = 0;

  auto call() {
    return [this](AbortSignal s) {
      ++calls;
      signal = s;
      s.onAbort([r = r] { r.reject(AbortError()); });
      return r.promise;
    };
  }
};

Promise<int> ok(AbortSignal) { return Promise<int>::resolve(1); }
Promise<int> bad(AbortSignal) {
  return Promise<int>::reject(SystemError("EBAD", "downstream failed"));
}

class CircuitBreakerTest : public nx::testing::FreshLoop {
 protected:
  // Options for a small, quick breaker: no timeout, 1 s reset, 1 s window of 10 buckets.
  static CircuitBreakerOptions small() {
    CircuitBreakerOptions o;
    o.timeout = 0;
    o.resetTimeout = 1000;
    o.rollingCountTimeout = 1000;
    o.rollingCountBuckets = 10;
    return o;
  }

  // Records every state event in `log`.
  template <class B>
  void record(B& b) {
    b.events().open.on([this] { mark("open"); });
    b.events().halfOpen.on([this] { mark("halfOpen"); });
    b.events().close.on([this] { mark("close"); });
  }

  // Fires `call` and returns how it settled after the loop drained.
  template <class F>
  Outcome fireNow(CircuitBreaker<int>& b, F call) {
    Outcome o;
    watch(b.fire(std::move(call)), o);
    run();
    return o;
  }

  ManualClock clock{1'000'000};
};

TEST_F(CircuitBreakerTest, ClosedPassesValuesAndErrorsThrough) {
  CircuitBreaker<int> b(small(), clock);
  Outcome v = fireNow(b, [](AbortSignal) { return Promise<int>::resolve(7); });
  EXPECT_EQ(v.value, 7);
  Outcome plain = fireNow(b, [] { return 8; });  // a task returning T, without a signal
  EXPECT_EQ(plain.value, 8);
  CircuitBreakerOptions o = small();
  o.errorThresholdPercentage = 100;  // never exceeded: stays closed
  CircuitBreaker<int> lenient(o, clock);
  Outcome e = fireNow(lenient, bad);
  EXPECT_EQ(e.error, "EBAD");
  Outcome thrown = fireNow(lenient, []() -> Promise<int> { throw SystemError("ESYNC", "sync"); });
  EXPECT_EQ(thrown.error, "ESYNC");
  EXPECT_TRUE(b.closed());
  CircuitBreakerStats s = b.stats();
  EXPECT_EQ(s.fires, 2u);
  EXPECT_EQ(s.successes, 2u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(lenient.stats().failures, 2u);
}

TEST_F(CircuitBreakerTest, VoidBreakerAndCoroutineCallsKeepTheirCaptures) {
  CircuitBreaker<> b(small(), clock);
  auto gate = Promise<>::withResolvers();
  std::string seen;
  auto longName = std::make_shared<std::string>("captured by value, used after a suspension");
  // A capturing coroutine lambda passed as a temporary: the breaker keeps it alive.
  auto p = b.fire([longName, gate, &seen](AbortSignal) -> Promise<> {
    co_await gate.promise;
    seen = *longName;
  });
  longName.reset();
  gate.resolve();
  bool done = false;
  (void)p.then([&] { done = true; });
  run();
  EXPECT_TRUE(done);
  EXPECT_EQ(seen, "captured by value, used after a suspension");
}

TEST_F(CircuitBreakerTest, OpensWhenTheErrorPercentageExceedsTheThreshold) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.events().failure.on([this](std::exception_ptr e) { mark("failure " + codeOf(e)); });
  fireNow(b, ok);
  fireNow(b, bad);  // 1 of 2 = 50 %: not above 50
  EXPECT_TRUE(b.closed());
  fireNow(b, bad);  // 2 of 3
  EXPECT_TRUE(b.opened());
  EXPECT_THAT(log, ElementsAre("failure EBAD", "failure EBAD", "open"));
}

TEST_F(CircuitBreakerTest, OpenRejectsFastWithoutCallingAndEmitsReject) {
  CircuitBreaker<int> b(small(), clock);
  std::vector<std::string> rejects;
  b.events().reject.on([&](std::exception_ptr e) { rejects.push_back(codeOf(e)); });
  b.open();
  Pending p;
  Outcome o = fireNow(b, p.call());
  EXPECT_EQ(p.calls, 0);
  EXPECT_EQ(o.error, "EOPENBREAKER");
  EXPECT_THAT(rejects, ElementsAre("EOPENBREAKER"));
  EXPECT_EQ(b.stats().rejects, 1u);
  EXPECT_EQ(b.stats().fires, 1u);
  (void)b.fire(ok).catch_([this](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const CircuitBreakerError& ce) {
      mark(ce.what());  // opossum's message
    }
    mark(CircuitBreakerBase::isOurError(e) ? "ours" : "theirs");
    mark(CircuitBreakerBase::isOurError(std::make_exception_ptr(SystemError("E", "e"))) ? "ours"
                                                                                        : "theirs");
    return 0;
  });
  run();
  EXPECT_THAT(log, ElementsAre("Breaker is open", "ours", "theirs"));
}

TEST_F(CircuitBreakerTest, ResetTimeoutMovesOpenToHalfOpen) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.open();
  clock.advance(999);
  run();
  EXPECT_TRUE(b.opened());
  clock.advance(1);
  run();
  EXPECT_TRUE(b.halfOpen());
  EXPECT_THAT(log, ElementsAre("open", "halfOpen"));
}

TEST_F(CircuitBreakerTest, HalfOpenLetsExactlyOneTrialThroughAndSuccessCloses) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.events().success.on([this] { mark("success"); });
  b.open();
  clock.advance(1000);
  run();
  Pending trial;
  Outcome t;
  watch(b.fire(trial.call()), t);
  EXPECT_EQ(trial.calls, 1);
  Pending other;
  Outcome o1 = fireNow(b, other.call());
  Outcome o2 = fireNow(b, other.call());
  EXPECT_EQ(other.calls, 0);
  EXPECT_EQ(o1.error, "EOPENBREAKER");
  EXPECT_EQ(o2.error, "EOPENBREAKER");
  EXPECT_TRUE(b.halfOpen());
  trial.r.resolve(5);
  run();
  EXPECT_EQ(t.value, 5);
  EXPECT_TRUE(b.closed());
  // opossum closes from its own success listener, before the user's listeners run.
  EXPECT_THAT(log, ElementsAre("open", "halfOpen", "close", "success"));
  EXPECT_EQ(fireNow(b, ok).value, 1);
}

TEST_F(CircuitBreakerTest, FailedTrialReopensAndRestartsTheResetTimer) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.open();
  clock.advance(1000);
  run();
  clock.advance(400);  // the trial comes late: the timer restarts from its failure
  Outcome t = fireNow(b, bad);
  EXPECT_EQ(t.error, "EBAD");
  EXPECT_TRUE(b.opened());
  clock.advance(999);
  run();
  EXPECT_TRUE(b.opened());
  clock.advance(1);
  run();
  EXPECT_TRUE(b.halfOpen());
  EXPECT_THAT(log, ElementsAre("open", "halfOpen", "open", "halfOpen"));
}

TEST_F(CircuitBreakerTest, OnlyTheTrialDecidesTheHalfOpenState) {
  CircuitBreaker<int> b(small(), clock);
  Pending early;  // admitted while closed, settles while half-open
  Outcome e;
  watch(b.fire(early.call()), e);
  b.open();
  clock.advance(1000);
  run();
  Pending trial;
  Outcome t;
  watch(b.fire(trial.call()), t);
  early.r.reject(SystemError("ELATE", "late"));
  run();
  EXPECT_EQ(e.error, "ELATE");
  EXPECT_TRUE(b.halfOpen());  // counted, but it was not the trial
  EXPECT_EQ(b.stats().failures, 1u);
  trial.r.resolve(1);
  run();
  EXPECT_TRUE(b.closed());
}

TEST_F(CircuitBreakerTest, TimeoutAbortsTheCallsSignalAndCountsAFailure) {
  CircuitBreakerOptions o = small();
  o.timeout = 100;
  CircuitBreaker<int> b(o, clock);
  std::vector<std::string> events;
  b.events().timeout.on([&](std::exception_ptr e) { events.push_back("timeout " + codeOf(e)); });
  b.events().failure.on([&](std::exception_ptr e) { events.push_back("failure " + codeOf(e)); });
  Pending p;
  Outcome out;
  watch(b.fire(p.call()), out);
  ASSERT_TRUE(static_cast<bool>(p.signal));
  clock.advance(99);
  run();
  EXPECT_FALSE(out.settled);
  EXPECT_FALSE(p.signal.aborted());
  clock.advance(1);
  run();
  EXPECT_EQ(out.error, "ETIMEDOUT");
  EXPECT_TRUE(p.signal.aborted());
  EXPECT_EQ(codeOf(p.signal.reason()), "ETIMEDOUT");
  EXPECT_THAT(events, ElementsAre("timeout ETIMEDOUT", "failure ETIMEDOUT"));
  p.r.resolve(3);  // too late: ignored
  run();
  CircuitBreakerStats s = b.stats();
  EXPECT_EQ(s.timeouts, 1u);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.successes, 0u);
  EXPECT_EQ(s.latencyCount, 1u);
  EXPECT_EQ(s.latencyPercentiles.back(), 100);
  EXPECT_TRUE(b.opened());  // 1 failure of 1 fire
  try {
    std::rethrow_exception(p.signal.reason());
  } catch (const CircuitBreakerError& e) {
    EXPECT_EQ(e.name(), "TimeoutError");
    EXPECT_STREQ(e.what(), "Timed out after 100ms");
  }
}

TEST_F(CircuitBreakerTest, ACallThatSettlesInTimeCancelsItsTimer) {
  CircuitBreakerOptions o = small();
  o.timeout = 100;
  CircuitBreaker<int> b(o, clock);
  Pending p;
  Outcome out;
  watch(b.fire(p.call()), out);
  EXPECT_EQ(clock.pendingSleeps(), 1u);
  clock.advance(50);
  p.r.resolve(4);
  run();
  EXPECT_EQ(out.value, 4);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_FALSE(p.signal.aborted());
  EXPECT_EQ(b.stats().latencyPercentiles.back(), 50);
  EXPECT_EQ(fireNow(b, bad).error, "EBAD");  // a fast failure cancels it too
  EXPECT_TRUE(b.closed());                   // 1 failure in 2 fires
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(CircuitBreakerTest, IsErrorFalseCountsAsSuccessAndStillRejects) {
  CircuitBreakerOptions o = small();
  o.isError = [](const std::exception_ptr& e) { return codeOf(e) != "E404"; };
  CircuitBreaker<int> b(o, clock);
  b.fallback([](std::exception_ptr) { return -1; });
  auto notFound = [](AbortSignal) { return Promise<int>::reject(SystemError("E404", "nf")); };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(fireNow(b, notFound).error, "E404");  // no fallback
  EXPECT_TRUE(b.closed());
  EXPECT_EQ(b.stats().successes, 5u);
  EXPECT_EQ(b.stats().failures, 0u);
  EXPECT_EQ(b.stats().fallbacks, 0u);
  // In half-open state a filtered error closes the breaker, as a success does.
  b.open();
  clock.advance(1000);
  run();
  EXPECT_EQ(fireNow(b, notFound).error, "E404");
  EXPECT_TRUE(b.closed());
}

TEST_F(CircuitBreakerTest, VolumeThresholdKeepsItClosedUntilEnoughFires) {
  CircuitBreakerOptions o = small();
  o.volumeThreshold = 3;
  CircuitBreaker<int> b(o, clock);
  fireNow(b, bad);
  fireNow(b, bad);
  EXPECT_TRUE(b.closed());  // 100 % failures, but 2 fires < 3
  fireNow(b, bad);
  EXPECT_TRUE(b.opened());
}

TEST_F(CircuitBreakerTest, BucketsRollOutOfTheWindow) {
  CircuitBreakerOptions o = small();  // 1000 ms window, 100 ms buckets
  o.volumeThreshold = 2;
  CircuitBreaker<int> b(o, clock);
  fireNow(b, bad);
  EXPECT_EQ(b.stats().fires, 1u);
  clock.advance(950);
  EXPECT_EQ(b.stats().fires, 1u);
  clock.advance(50);  // 10 rotations: the first bucket is gone
  EXPECT_EQ(b.stats().fires, 0u);
  fireNow(b, bad);  // 1 fire in the window: below the volume threshold
  EXPECT_TRUE(b.closed());
  clock.advance(99);
  fireNow(b, bad);  // same bucket: 2 fires, 2 failures
  EXPECT_TRUE(b.opened());
  // Rotation follows the construction-time grid, as opossum's interval does.
  EXPECT_EQ(b.stats().failures, 2u);
  clock.advance(1);  // a new bucket starts; the two fires are 100 ms old
  EXPECT_EQ(b.stats().fires, 2u);
  clock.advance(900);
  EXPECT_EQ(b.stats().fires, 0u);
  EXPECT_EQ(b.totals().fires, 3u);  // totals never roll
  EXPECT_EQ(b.totals().failures, 3u);
}

TEST_F(CircuitBreakerTest, CapacityRejectsExcessCallsAsFailures) {
  CircuitBreakerOptions o = small();
  o.capacity = 1;
  o.errorThresholdPercentage = 60;
  CircuitBreaker<int> b(o, clock);
  std::vector<std::string> locked;
  b.events().semaphoreLocked.on([&](std::exception_ptr e) { locked.push_back(codeOf(e)); });
  Pending first;
  Outcome f;
  watch(b.fire(first.call()), f);
  Pending second;
  Outcome s = fireNow(b, second.call());
  EXPECT_EQ(second.calls, 0);
  EXPECT_EQ(s.error, "ESEMLOCKED");
  EXPECT_THAT(locked, ElementsAre("ESEMLOCKED"));
  EXPECT_EQ(b.stats().semaphoreRejections, 1u);
  EXPECT_EQ(b.stats().failures, 1u);  // opossum counts it as a failure: 50 % < 60 %
  EXPECT_TRUE(b.closed());
  first.r.resolve(1);
  run();
  EXPECT_EQ(f.value, 1);
  EXPECT_EQ(fireNow(b, ok).value, 1);  // the slot is free again
}

TEST_F(CircuitBreakerTest, TimeoutFreesTheCapacitySlot) {
  CircuitBreakerOptions o = small();
  o.capacity = 1;
  o.timeout = 10;
  o.errorThresholdPercentage = 100;
  CircuitBreaker<int> b(o, clock);
  Pending slow;
  Outcome out;
  watch(b.fire(slow.call()), out);
  clock.advance(10);
  run();
  EXPECT_EQ(out.error, "ETIMEDOUT");
  EXPECT_EQ(fireNow(b, ok).value, 1);  // as opossum: the slot is released at the timeout
}

TEST_F(CircuitBreakerTest, FallbackReplacesFailuresRefusalsAndTimeouts) {
  CircuitBreakerOptions o = small();
  o.timeout = 50;
  o.capacity = 1;
  o.errorThresholdPercentage = 100;  // stays closed: refusals below come from open() and capacity
  CircuitBreaker<int> b(o, clock);
  std::vector<std::string> seen;
  b.fallback([&seen](std::exception_ptr e) {
    seen.push_back(codeOf(e));
    return -1;
  });
  b.events().fallback.on([&](std::exception_ptr e) { mark("fallback " + codeOf(e)); });
  EXPECT_EQ(fireNow(b, bad).value, -1);
  Pending slow;
  Outcome t;
  watch(b.fire(slow.call()), t);
  EXPECT_EQ(fireNow(b, ok).value, -1);  // capacity
  clock.advance(50);
  run();
  EXPECT_EQ(t.value, -1);  // timeout
  b.open();
  EXPECT_EQ(fireNow(b, ok).value, -1);  // open
  EXPECT_THAT(seen, ElementsAre("EBAD", "ESEMLOCKED", "ETIMEDOUT", "EOPENBREAKER"));
  EXPECT_THAT(log, ElementsAre("fallback EBAD", "fallback ESEMLOCKED", "fallback ETIMEDOUT",
                               "fallback EOPENBREAKER"));
  EXPECT_EQ(b.stats().fallbacks, 4u);
}

TEST_F(CircuitBreakerTest, FallbackMayBeAsyncAndItsFailureRejects) {
  CircuitBreaker<int> b(small(), clock);
  b.fallback([](std::exception_ptr) -> Promise<int> { co_return 42; });
  b.open();
  EXPECT_EQ(fireNow(b, ok).value, 42);
  b.fallback([](std::exception_ptr) -> int { throw SystemError("EFALLBACK", "no luck"); });
  EXPECT_EQ(fireNow(b, ok).error, "EFALLBACK");
  EXPECT_EQ(b.stats().fallbacks, 1u);  // a throwing fallback emits no `fallback`, as opossum
}

TEST_F(CircuitBreakerTest, HealthCheckRunsNowAndEveryIntervalAndOpensOnFailure) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.events().healthCheckFailed.on([this](std::exception_ptr e) { mark("unhealthy " + codeOf(e)); });
  int checks = 0;
  bool healthy = true;
  b.healthCheck(
      [&]() -> Promise<> {
        ++checks;
        if (!healthy) return Promise<>::reject(SystemError("EDOWN", "down"));
        return Promise<>::resolve();
      },
      200);
  EXPECT_EQ(checks, 1);
  clock.advance(199);
  run();
  EXPECT_EQ(checks, 1);
  clock.advance(1);
  run();
  EXPECT_EQ(checks, 2);
  EXPECT_TRUE(b.closed());
  healthy = false;
  clock.advance(200);
  run();
  EXPECT_EQ(checks, 3);
  EXPECT_TRUE(b.opened());
  EXPECT_THAT(log, ElementsAre("unhealthy EDOWN", "open"));
  b.shutdown();
  run();
  clock.advance(1000);
  run();
  EXPECT_EQ(checks, 3);  // stopped
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_THROW(b.healthCheck([] { return Promise<>::resolve(); }, 0), RangeError);
}

TEST_F(CircuitBreakerTest, AThrowingHealthCheckFailsToo) {
  CircuitBreaker<int> b(small(), clock);
  b.healthCheck([]() -> Promise<> { throw SystemError("ETHROW", "x"); }, 100);
  run();
  EXPECT_TRUE(b.opened());
}

TEST_F(CircuitBreakerTest, WarmUpIgnoresFailuresDuringTheFirstWindow) {
  CircuitBreakerOptions o = small();
  o.allowWarmUp = true;
  CircuitBreaker<int> b(o, clock);
  EXPECT_TRUE(b.warmUp());
  fireNow(b, bad);
  fireNow(b, bad);
  EXPECT_TRUE(b.closed());
  clock.advance(999);
  fireNow(b, bad);
  EXPECT_TRUE(b.closed());
  clock.advance(1);
  EXPECT_FALSE(b.warmUp());
  fireNow(b, bad);
  EXPECT_TRUE(b.opened());
}

TEST_F(CircuitBreakerTest, DisabledRunsEverythingAndCountsOnlyFires) {
  CircuitBreakerOptions o = small();
  o.enabled = false;
  o.timeout = 10;
  CircuitBreaker<int> b(o, clock);
  b.fallback([](std::exception_ptr) { return -1; });
  EXPECT_FALSE(b.enabled());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(fireNow(b, bad).error, "EBAD");
  b.open();
  Pending p;
  Outcome out;
  watch(b.fire(p.call()), out);
  clock.advance(100);
  run();
  EXPECT_FALSE(out.settled);  // no timeout either
  EXPECT_FALSE(static_cast<bool>(p.signal));
  p.r.resolve(9);
  run();
  EXPECT_EQ(out.value, 9);
  CircuitBreakerStats s = b.stats();
  EXPECT_EQ(s.fires, 5u);
  EXPECT_EQ(s.failures, 0u);
  b.enable();
  EXPECT_EQ(fireNow(b, ok).value, -1);  // open, with the fallback
}

TEST_F(CircuitBreakerTest, ManualOpenAndCloseEmitOnceAndCloseCancelsTheResetTimer) {
  CircuitBreaker<int> b(small(), clock);
  record(b);
  b.open();
  b.open();
  EXPECT_EQ(clock.pendingSleeps(), 1u);
  b.close();
  b.close();
  run();
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  clock.advance(5000);
  run();
  EXPECT_TRUE(b.closed());
  EXPECT_THAT(log, ElementsAre("open", "close"));
}

TEST_F(CircuitBreakerTest, ShutdownRejectsRemovesListenersAndStopsTimers) {
  CircuitBreaker<int> b(small(), clock);
  int events = 0;
  b.events().shutdown.on([&] { ++events; });
  b.events().fire.on([&] { ++events; });
  b.open();
  b.shutdown();
  b.shutdown();
  run();
  EXPECT_EQ(events, 1);
  EXPECT_TRUE(b.isShutdown());
  EXPECT_EQ(clock.pendingSleeps(), 0u);
  EXPECT_EQ(fireNow(b, ok).error, "ESHUTDOWN");
  EXPECT_EQ(events, 1);  // no `fire` after shutdown
  b.close();
  EXPECT_TRUE(b.isShutdown());  // final
}

TEST_F(CircuitBreakerTest, CallsInFlightOutliveTheBreaker) {
  Pending p;
  Outcome out;
  {
    CircuitBreakerOptions o = small();
    o.timeout = 100;
    CircuitBreaker<int> b(o, clock);
    watch(b.fire(p.call()), out);
    CircuitBreaker<int> moved = std::move(b);
    b = CircuitBreaker<int>(small(), clock);  // assigning to a moved-from breaker works
  }
  p.r.resolve(11);
  run();
  EXPECT_EQ(out.value, 11);
  EXPECT_EQ(clock.pendingSleeps(), 0u);
}

TEST_F(CircuitBreakerTest, ListenersMayDestroyTheBreaker) {
  auto b = std::make_unique<CircuitBreaker<int>>(small(), clock);
  b->events().fire.on([&] { b.reset(); });
  Outcome out;
  watch(b->fire(ok), out);
  run();
  EXPECT_EQ(out.error, "ESHUTDOWN");
}

TEST_F(CircuitBreakerTest, AListenerExceptionIsReportedAndTheBreakerCarriesOn) {
  std::vector<std::string> uncaught;
  process::on("uncaughtException", [&](std::exception_ptr e) { uncaught.push_back(describe(e)); });
  CircuitBreaker<int> b(small(), clock);
  b.fallback([](std::exception_ptr) { return -1; });
  b.events().failure.on([](std::exception_ptr) { throw RangeError("E_LISTENER", "failure"); });
  b.events().fire.once([] { throw RangeError("E_LISTENER", "fire"); });
  Outcome o = fireNow(b, bad);
  EXPECT_EQ(o.value, -1);   // the call still settled, through the fallback
  EXPECT_TRUE(b.opened());  // and the failure still opened the breaker
  EXPECT_THAT(uncaught, ElementsAre("RangeError: fire", "RangeError: failure"));
}

TEST_F(CircuitBreakerTest, LatencyStatistics) {
  CircuitBreaker<int> b(small(), clock);
  for (int ms : {10, 20, 30, 40}) {
    Pending p;
    Outcome out;
    watch(b.fire(p.call()), out);
    clock.advance(ms);
    p.r.resolve(0);
    run();
  }
  CircuitBreakerStats s = b.stats();
  EXPECT_EQ(s.latencyCount, 4u);
  EXPECT_EQ(s.latencySum, 100);
  EXPECT_DOUBLE_EQ(s.latencyMean, 25.0);
  // kPercentiles: 0, .25, .5, .75, .9, .95, .99, .995, 1 by nearest rank.
  EXPECT_THAT(s.latencyPercentiles, ElementsAre(10, 10, 20, 30, 40, 40, 40, 40, 40));
  clock.advance(1000);
  EXPECT_EQ(b.stats().latencyCount, 0u);
  EXPECT_EQ(b.stats().latencyMean, 0.0);
  EXPECT_EQ(b.totals().latencyCount, 4u);
}

TEST_F(CircuitBreakerTest, LargeLatenciesAreWithinTheHistogramsResolution) {
  CircuitBreakerOptions o = small();
  o.rollingCountTimeout = 100'000'000;
  CircuitBreaker<int> b(o, clock);
  for (int ms : {1000, 5000, 77777, 1234567, 3000000}) {
    Pending p;
    Outcome out;
    watch(b.fire(p.call()), out);
    clock.advance(ms);
    p.r.resolve(0);
    run();
  }
  CircuitBreakerStats s = b.stats();
  EXPECT_EQ(s.latencyPercentiles[0], 1000);             // min: exact
  EXPECT_EQ(s.latencyPercentiles.back(), 3000000);      // max: exact
  const std::int64_t median = s.latencyPercentiles[2];  // the 3rd of 5: 77777
  EXPECT_LE(median, 77777);
  EXPECT_GE(median, 77777 * 15 / 16);
}

TEST_F(CircuitBreakerTest, RejectsInvalidOptions) {
  auto make = [this](auto change) {
    CircuitBreakerOptions o = small();
    change(o);
    CircuitBreaker<int> b(o, clock);
  };
  EXPECT_THROW(make([](auto& o) { o.timeout = -1; }), RangeError);
  EXPECT_THROW(make([](auto& o) { o.resetTimeout = -1; }), RangeError);
  EXPECT_THROW(make([](auto& o) { o.rollingCountTimeout = 0; }), RangeError);
  EXPECT_THROW(make([](auto& o) { o.rollingCountBuckets = 0; }), RangeError);
  EXPECT_NO_THROW(make([](auto& o) { o.rollingCountBuckets = 5000; }));  // 1 ms buckets
}

TEST_F(CircuitBreakerTest, TheSystemClocksResetTimerDoesNotKeepTheLoopAlive) {
  CircuitBreakerOptions o = small();
  o.resetTimeout = 60'000;
  CircuitBreaker<int> b(o);
  b.healthCheck([] { return Promise<>::resolve(); }, 60'000);
  b.open();
  const auto t0 = process::hrtime();
  run();
  EXPECT_LT(process::hrtime() - t0, std::chrono::seconds(5));
  EXPECT_TRUE(b.opened());
}

// A model of opossum's state machine (with this breaker's documented differences: only the
// half-open trial decides), driven by random fires, settlements and clock steps, and compared
// with the breaker after each step.
class BreakerModel {
 public:
  BreakerModel(const CircuitBreakerOptions& o, std::int64_t start)
      : o_(o),
        start_(start),
        bucketMs_(std::max<std::int64_t>(1, o.rollingCountTimeout / o.rollingCountBuckets)) {}

  struct Call {
    std::uint32_t trialEpoch = 0;
  };

  // Returns the admitted call, or nothing when the breaker refuses.
  std::optional<Call> fire(std::int64_t now) {
    ++bucket(now).fires;
    if (state_ == CircuitState::Open || (state_ == CircuitState::HalfOpen && trial_)) {
      ++bucket(now).rejects;
      return std::nullopt;
    }
    Call c;
    if (state_ == CircuitState::HalfOpen) {
      trial_ = true;
      c.trialEpoch = epoch_;
    }
    return c;
  }

  void settle(std::int64_t now, const Call& c, bool success) {
    const bool isTrial =
        c.trialEpoch != 0 && c.trialEpoch == epoch_ && state_ == CircuitState::HalfOpen;
    if (success) {
      ++bucket(now).successes;
      if (isTrial) setState(CircuitState::Closed, now);
      return;
    }
    ++bucket(now).failures;
    if (isTrial) {
      setState(CircuitState::Open, now);
      return;
    }
    if (state_ != CircuitState::Closed) return;
    std::uint64_t fires = 0;
    std::uint64_t failures = 0;
    const std::int64_t cur = interval(now);
    for (const auto& [i, b] : buckets_) {
      if (i > cur - o_.rollingCountBuckets) {
        fires += b.fires;
        failures += b.failures;
      }
    }
    if (fires < o_.volumeThreshold) return;
    const double rate =
        fires == 0 ? 1e300 : static_cast<double>(failures) * 100.0 / static_cast<double>(fires);
    if (rate > o_.errorThresholdPercentage) setState(CircuitState::Open, now);
  }

  void advanceTo(std::int64_t now) {
    if (state_ == CircuitState::Open && now >= openedAt_ + o_.resetTimeout) {
      setState(CircuitState::HalfOpen, now);
    }
  }

  CircuitState state() const { return state_; }

  std::uint64_t windowFires(std::int64_t now) const {
    std::uint64_t n = 0;
    for (const auto& [i, b] : buckets_) {
      if (i > interval(now) - o_.rollingCountBuckets) n += b.fires;
    }
    return n;
  }
  std::uint64_t windowFailures(std::int64_t now) const {
    std::uint64_t n = 0;
    for (const auto& [i, b] : buckets_) {
      if (i > interval(now) - o_.rollingCountBuckets) n += b.failures;
    }
    return n;
  }

 private:
  struct Counts {
    std::uint64_t fires = 0, successes = 0, failures = 0, rejects = 0;
  };
  std::int64_t interval(std::int64_t now) const { return (now - start_) / bucketMs_; }
  Counts& bucket(std::int64_t now) { return buckets_[interval(now)]; }
  void setState(CircuitState s, std::int64_t now) {
    state_ = s;
    ++epoch_;
    trial_ = false;
    if (s == CircuitState::Open) openedAt_ = now;
  }

  CircuitBreakerOptions o_;
  std::int64_t start_;
  std::int64_t bucketMs_;
  std::map<std::int64_t, Counts> buckets_;
  CircuitState state_ = CircuitState::Closed;
  bool trial_ = false;
  std::uint32_t epoch_ = 1;
  std::int64_t openedAt_ = 0;
};

TEST_F(CircuitBreakerTest, PropertyMatchesAReferenceModelOfTheStateMachine) {
  std::map<std::string, int> transitions;  // coverage: every transition must happen often
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint32_t>(n)); };
    CircuitBreakerOptions o = small();
    o.errorThresholdPercentage = 10.0 * pick(10);
    o.volumeThreshold = static_cast<std::uint64_t>(pick(5));
    o.resetTimeout = 100 + 100 * pick(10);
    o.rollingCountTimeout = 500 + 250 * pick(6);
    o.rollingCountBuckets = 1 + pick(10);
    CircuitBreaker<int> b(o, clock);
    BreakerModel model(o, clock.now());
    const char* last = "closed";
    auto note = [&](const char* to) {
      ++transitions[std::string(last) + "->" + to];
      last = to;
    };
    b.events().open.on([&] { note("open"); });
    b.events().halfOpen.on([&] { note("halfOpen"); });
    b.events().close.on([&] { note("closed"); });
    struct InFlight {
      std::shared_ptr<Pending> pending;
      std::shared_ptr<Outcome> out;  // watched until the call settles
      BreakerModel::Call call;
    };
    std::vector<InFlight> inFlight;
    for (int step = 0; step < 400; ++step) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
      const int op = pick(10);
      if (op < 4) {  // fire
        auto pending = std::make_shared<Pending>();
        auto out = std::make_shared<Outcome>();
        watch(b.fire(pending->call()), *out);
        std::optional<BreakerModel::Call> admitted = model.fire(clock.now());
        run();
        ASSERT_EQ(pending->calls == 1, admitted.has_value());
        if (admitted) {
          inFlight.push_back({pending, out, *admitted});
        } else {
          ASSERT_EQ(out->error, "EOPENBREAKER");
        }
      } else if (op < 8 && !inFlight.empty()) {  // settle one call in flight
        const auto i = static_cast<std::size_t>(pick(static_cast<int>(inFlight.size())));
        const bool success = pick(100) < 45;
        InFlight f = inFlight[i];
        inFlight.erase(inFlight.begin() + static_cast<std::ptrdiff_t>(i));
        if (success) {
          f.pending->r.resolve(1);
        } else {
          f.pending->r.reject(SystemError("EBAD", "x"));
        }
        run();
        ASSERT_TRUE(f.out->settled);
        model.settle(clock.now(), f.call, success);
      } else {  // let time pass
        const std::int64_t ms = pick(4) == 0 ? pick(2000) : pick(120);
        clock.advance(ms);
        run();
        model.advanceTo(clock.now());
      }
      ASSERT_EQ(b.state(), model.state());
      CircuitBreakerStats s = b.stats();
      ASSERT_EQ(s.fires, model.windowFires(clock.now()));
      ASSERT_EQ(s.failures, model.windowFailures(clock.now()));
    }
    for (InFlight& f : inFlight) f.pending->r.resolve(0);
    run();
  }
  for (auto& [name, n] : transitions) std::printf("%s: %d\n", name.c_str(), n);
  for (const char* t : {"closed->open", "open->halfOpen", "halfOpen->open", "halfOpen->closed"}) {
    EXPECT_GE(transitions[t], 20) << t;
  }
}

}  // namespace
}  // namespace nx::resilience
