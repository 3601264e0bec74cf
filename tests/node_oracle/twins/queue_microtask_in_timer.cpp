// SPDX-License-Identifier: MIT
// Twin of scenarios/queue_microtask_in_timer.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(queue_microtask_in_timer) {
  nx::setTimeout(
      [] {
        log("timer");
        nx::setTimeout([] { log("timeout 0"); }, 0);
        nx::setImmediate([] { log("immediate"); });
        nx::queueMicrotask([] { log("queueMicrotask"); });
        (void)nx::Promise<>::resolve().then([] { log("promise"); });
        nx::nextTick([] { log("nextTick"); });
        nx::queueMicrotask([] { log("queueMicrotask 2"); });
        log("timer end");
      },
      1);
  return nx::run();
}
