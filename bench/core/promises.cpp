// SPDX-License-Identifier: MIT
// Promise resolution: js/await_resolved.js and js/then_chain.js.
#include "bench.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"

namespace bench {
namespace {

// Each await of a settled promise still suspends and resumes in a microtask, as in JS.
nx::Promise<long> sumAwaits(long ops) {
  const auto ready = nx::Promise<long>::resolve(1);
  long sum = 0;
  for (long i = 0; i < ops; ++i) sum += co_await ready;
  co_return sum;
}

}  // namespace

int awaitResolved(long ops) {
  const Ns t0 = now();
  (void)sumAwaits(ops).then([ops, t0](long sum) {
    report("await_resolved", ops, now() - t0);
    if (sum != ops) nx::process::exitCode = 1;
  });
  return nx::run();
}

int thenChain(long ops) {
  const Ns t0 = now();
  auto p = nx::Promise<long>::resolve(0);
  for (long i = 0; i < ops; ++i) p = p.then([](long v) { return v + 1; });
  (void)p.then([ops, t0](long last) {
    report("then_chain", ops, now() - t0);
    if (last != ops) nx::process::exitCode = 1;
  });
  return nx::run();
}

}  // namespace bench
