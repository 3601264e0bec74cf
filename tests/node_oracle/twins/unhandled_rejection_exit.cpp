// SPDX-License-Identifier: MIT
// Twin of scenarios/unhandled_rejection_exit.js.
#include <cstdio>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(unhandled_rejection_exit) {
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });
  nx::setTimeout([] { log("timer (must not run)"); }, 0);
  nx::setImmediate([] { log("immediate (must not run)"); });
  nx::nextTick([] { log("tick"); });
  (void)nx::Promise<>::reject(std::runtime_error("boom"));
  (void)nx::Promise<>::resolve().then([] { log("microtask"); });
  log("sync end");
  return nx::run();
}
