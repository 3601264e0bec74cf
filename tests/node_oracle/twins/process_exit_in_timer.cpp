// SPDX-License-Identifier: MIT
// Twin of scenarios/process_exit_in_timer.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(process_exit_in_timer) {
  nx::process::on("exit", [](int code) {
    std::printf("exit %d\n", code);
    nx::nextTick([] { log("tick from exit listener (must not run)"); });
  });
  nx::setTimeout(
      [] {
        log("timer 1");
        nx::nextTick([] { log("tick (must not run)"); });
        (void)nx::Promise<>::resolve().then([] { log("microtask (must not run)"); });
        nx::setImmediate([] { log("immediate (must not run)"); });
        nx::process::exit(5);
      },
      1);
  nx::setTimeout([] { log("timer 2 (must not run)"); }, 1);
  nx::setTimeout([] { log("timer 3 (must not run)"); }, 50);
  return nx::run();
}
