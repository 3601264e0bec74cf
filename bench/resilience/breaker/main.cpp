// SPDX-License-Identifier: MIT
// bench_breaker <name> [ops]: CircuitBreaker::fire() throughput on an always-succeeding async
// call (an already resolved promise) in the closed state, one fire awaited after another. Prints
// one JSON line; breaker.js is the same program with opossum, and run.py compares the two.
//   fire          timeout disabled (opossum `timeout: false`)
//   fire_timeout  the default 10 s timeout: a timer armed and cancelled per call
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/resilience/circuit_breaker.hpp"

namespace {

using nx::Promise;
using nx::resilience::CircuitBreaker;

Promise<long> fireAll(CircuitBreaker<long>& breaker, long ops) {
  long sum = 0;
  for (long i = 0; i < ops; ++i) {
    sum += co_await breaker.fire([](nx::AbortSignal) { return Promise<long>::resolve(1); });
  }
  co_return sum;
}

int bench(std::string_view name, long ops, std::int64_t timeout) {
  nx::resilience::CircuitBreakerOptions options;
  options.timeout = timeout;
  CircuitBreaker<long> breaker(options);
  const auto t0 = nx::process::hrtime();
  (void)fireAll(breaker, ops).then([&, ops, t0](long sum) {
    const auto ns = static_cast<long long>((nx::process::hrtime() - t0).count());
    std::printf("{\"name\":\"%.*s\",\"ops\":%ld,\"ns\":%lld,\"nsPerOp\":%.3f}\n",
                static_cast<int>(name.size()), name.data(), ops, ns,
                static_cast<double>(ns) / static_cast<double>(ops));
    if (sum != ops || breaker.stats().successes != static_cast<std::uint64_t>(ops)) {
      nx::process::exitCode = 1;
    }
  });
  return nx::run();
}

int usage() {
  std::fputs("usage: bench_breaker fire|fire_timeout [ops]\n       bench_breaker --list\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string_view name = argv[1];
  if (name == "--list") {
    std::puts("fire\nfire_timeout");
    return 0;
  }
  const long ops = argc > 2 ? std::atol(argv[2]) : 1'000'000;
  if (ops <= 0) return usage();
  if (name == "fire") return bench(name, ops, 0);
  if (name == "fire_timeout") return bench(name, ops, 10'000);
  return usage();
}
