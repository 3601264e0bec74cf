// SPDX-License-Identifier: MIT
// Twin of scenarios/main_ordering.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(main_ordering) {
  log("sync 1");
  nx::setTimeout([] { log("timeout 0"); }, 0);
  (void)nx::Promise<>::resolve().then([] { log("promise 1"); });
  nx::nextTick([] { log("tick 1"); });
  nx::queueMicrotask([] { log("microtask 1"); });
  nx::nextTick([] { log("tick 2"); });
  (void)nx::Promise<>::resolve().then([] { log("promise 2"); });
  log("sync 2");
  return nx::run();
}
