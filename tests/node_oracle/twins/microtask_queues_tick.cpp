// SPDX-License-Identifier: MIT
// Twin of scenarios/microtask_queues_tick.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(microtask_queues_tick) {
  nx::nextTick([] {
    log("tick 1");
    nx::nextTick([] {
      log("tick 1.1 (nested)");
      nx::nextTick([] { log("tick 1.1.1 (nested twice)"); });
    });
    (void)nx::Promise<>::resolve().then([] { log("promise from tick 1"); });
  });
  nx::nextTick([] { log("tick 2"); });
  (void)nx::Promise<>::resolve().then([] {
    log("promise 1");
    nx::nextTick([] {
      log("tick from promise 1");
      (void)nx::Promise<>::resolve().then([] { log("promise from tick from promise 1"); });
    });
    (void)nx::Promise<>::resolve().then([] { log("promise 1.1"); });
  });
  (void)nx::Promise<>::resolve().then([] { log("promise 2"); });
  log("sync end");
  return nx::run();
}
