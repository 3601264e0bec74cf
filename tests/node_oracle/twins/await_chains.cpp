// SPDX-License-Identifier: MIT
// Twin of scenarios/await_chains.js: `await null` is co_await of a fulfilled Promise<>.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

nx::Promise<int> inner() {
  log("inner start");
  co_await nx::Promise<>::resolve();
  log("inner after await 1");
  co_await nx::Promise<>::resolve();
  log("inner after await 2");
  co_return 7;
}

nx::Promise<int> leaf() {
  log("leaf (no await)");
  co_return 8;
}

nx::Promise<> outer() {
  log("outer start");
  const int v = co_await inner();
  std::printf("outer got %d\n", v);
  const int w = co_await leaf();
  std::printf("outer got %d from leaf\n", w);
}

void ticker(int n) {
  nx::Promise<> p = nx::Promise<>::resolve();
  for (int i = 1; i <= n; ++i) p = p.then([i] { std::printf("tick %d\n", i); });
}

}  // namespace

NX_ORACLE_SCENARIO(await_chains) {
  log("script start");
  (void)outer().then([] { log("outer settled"); });
  ticker(8);
  log("script end");
  return nx::run();
}
