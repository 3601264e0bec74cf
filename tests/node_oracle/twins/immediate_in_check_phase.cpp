// SPDX-License-Identifier: MIT
// Twin of scenarios/immediate_in_check_phase.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(immediate_in_check_phase) {
  nx::setImmediate([] {
    log("immediate 1");
    nx::setImmediate([] {
      log("immediate 3 (queued in check phase)");
      nx::setImmediate([] { log("immediate 4 (queued in check phase)"); });
    });
    nx::setTimeout([] { log("timeout 0 (from immediate 1)"); }, 0);
    nx::nextTick([] { log("tick from immediate 1"); });
    nx::oracle::busyWait(5);
  });
  nx::setImmediate([] {
    log("immediate 2");
    (void)nx::Promise<>::resolve().then([] { log("promise from immediate 2"); });
  });
  return nx::run();
}
