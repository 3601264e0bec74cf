// SPDX-License-Identifier: MIT
// A client protecting itself from a flaky downstream service, the way a Node service would with
// p-limit + p-retry + opossum:
//
//   limit (4 in flight) → retry (3 attempts, jittered backoff) → circuit breaker → downstream
//
// The simulated "inventory" service answers in ~5 ms, fails 5 % of calls and is sometimes slow
// (200 ms, past the breaker's 50 ms timeout, which aborts the call). Between 300 and 1000 ms it
// has an outage (90 % failures): the breaker opens, fails calls fast instead of piling them up,
// lets one trial call through every 250 ms (half-open), and closes once the service is back.
// Calls the breaker refuses are not retried: the client serves a degraded answer at once.
// Typical output (timings vary by a few ms and so do the counts; the random choices are seeded):
//
//   [  510 ms] inventory: closed -> open     (window: 76 fires, 39 failures)
//   [  766 ms] inventory: open -> halfOpen (next call is the trial)
//   [  778 ms] inventory: halfOpen -> closed   (trial succeeded)
//   [  785 ms] inventory: closed -> open     (window: 81 fires, 42 failures)
//   [ 1038 ms] inventory: open -> halfOpen (next call is the trial)
//   [ 1045 ms] inventory: halfOpen -> open     (trial failed)
//   [ 1298 ms] inventory: open -> halfOpen (next call is the trial)
//   [ 1314 ms] inventory: halfOpen -> closed   (trial succeeded)
//   150 requests: 57 ok, 93 degraded; 39 retries
//   breaker: 189 fires, 57 successes, 48 failures (5 timeouts), 84 rejected; latency ...
//
// A lucky trial during the outage closes the breaker, and the next failure re-opens it at once:
// as in opossum, closing keeps the window's statistics, which are still mostly failures.
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/combinators.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/resilience/circuit_breaker.hpp"
#include "nodexx/resilience/limiter.hpp"
#include "nodexx/resilience/retry.hpp"

using namespace nx;
using namespace nx::resilience;

namespace {

constexpr int kRequests = 150;
constexpr int kRequestEveryMs = 10;

const auto kStart = process::hrtime();
std::mt19937 rng(42);  // deterministic choices for the simulated service and the jitter

double elapsedMs() { return static_cast<double>((process::hrtime() - kStart).count()) / 1e6; }

int percent() { return static_cast<int>(rng() % 100); }

// The downstream service. Its wait honours the signal, so the breaker's timeout cancels it.
Promise<std::string> inventory(int item, AbortSignal signal) {
  const double t = elapsedMs();
  const int failurePercent = t >= 300 && t < 1000 ? 90 : 5;
  const bool slow = percent() < 4;
  const bool fails = percent() < failurePercent;
  co_await sleep(slow ? 200 : 5, signal);
  if (fails) throw SystemError("EUPSTREAM", "inventory answered 503");
  co_return "item " + std::to_string(item) + ": 3 in stock";
}

// What main() owns and every request uses; it outlives them all (run() returns after them).
struct Client {
  explicit Client(CircuitBreakerOptions o) : breaker(std::move(o)) {}
  CircuitBreaker<std::string> breaker;
  Limiter limit{4};
  RetryOptions retryOptions;
  int ok = 0;
  int degraded = 0;
  int retries = 0;
};

Promise<> request(Client& client, int item) {
  try {
    std::string answer = co_await retry(
        [&client, item](RetryContext) {
          return client.limit([&client, item] {
            return client.breaker.fire([item](AbortSignal s) { return inventory(item, s); });
          });
        },
        client.retryOptions);
    ++client.ok;
  } catch (const SystemError&) {
    ++client.degraded;  // a cached or default answer would be served here
  }
}

Promise<> traffic(Client& client) {
  std::vector<Promise<>> requests;
  for (int item = 0; item < kRequests; ++item) {
    requests.push_back(request(client, item));
    // Paced from the start, so that timer overshoot does not accumulate.
    const double next = static_cast<double>((item + 1) * kRequestEveryMs) - elapsedMs();
    if (next >= 1) co_await sleep(next);
  }
  co_await all(std::move(requests));

  std::printf("%d requests: %d ok, %d degraded; %d retries\n", kRequests, client.ok,
              client.degraded, client.retries);
  const CircuitBreakerStats s = client.breaker.totals();
  std::printf(
      "breaker: %llu fires, %llu successes, %llu failures (%llu timeouts), %llu rejected; "
      "latency mean %.1f ms, p50 %lld ms, p99 %lld ms\n",
      static_cast<unsigned long long>(s.fires), static_cast<unsigned long long>(s.successes),
      static_cast<unsigned long long>(s.failures), static_cast<unsigned long long>(s.timeouts),
      static_cast<unsigned long long>(s.rejects), s.latencyMean,
      static_cast<long long>(s.latencyPercentiles[2]),
      static_cast<long long>(s.latencyPercentiles[6]));
}

CircuitBreakerOptions breakerOptions() {
  CircuitBreakerOptions o;
  o.name = "inventory";
  o.timeout = 50;  // ms; the call's signal aborts
  o.errorThresholdPercentage = 50;
  o.volumeThreshold = 10;       // no verdict on fewer calls in the window
  o.rollingCountTimeout = 500;  // a 500 ms window of 10 buckets
  o.resetTimeout = 250;
  return o;
}

}  // namespace

int main() {
  Client client(breakerOptions());
  client.retryOptions.maxAttempts = 3;
  client.retryOptions.initialDelay = 20;
  client.retryOptions.jitter = Jitter::Full;
  client.retryOptions.random = [] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  // Fail fast while the breaker is open: retrying a refusal only adds load and latency.
  client.retryOptions.retryOn = [](const std::exception_ptr& e, int) {
    try {
      std::rethrow_exception(e);
    } catch (const SystemError& error) {
      return error.code() != "EOPENBREAKER";
    } catch (const std::exception&) {
      return true;
    }
  };
  client.retryOptions.onRetry = [&client](int, std::int64_t, const std::exception_ptr&) {
    ++client.retries;
  };

  CircuitBreakerEvents& events = client.breaker.events();
  const char* state = "closed";
  auto transition = [&state, &client](const char* to, const char* why) {
    std::printf("[%5.0f ms] %s: %s -> %-8s (%s)\n", elapsedMs(),
                std::string(client.breaker.name()).c_str(), state, to, why);
    state = to;
  };
  events.open.on([&] {
    if (std::string(state) == "halfOpen") return transition("open", "trial failed");
    const CircuitBreakerStats s = client.breaker.stats();
    const std::string why = "window: " + std::to_string(s.fires) + " fires, " +
                            std::to_string(s.failures) + " failures";
    transition("open", why.c_str());
  });
  events.halfOpen.on([&] { transition("halfOpen", "next call is the trial"); });
  events.close.on([&] { transition("closed", "trial succeeded"); });

  (void)traffic(client);
  return run();
}
