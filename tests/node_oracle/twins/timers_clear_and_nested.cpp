// SPDX-License-Identifier: MIT
// Twin of scenarios/timers_clear_and_nested.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(timers_clear_and_nested) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  nx::Timeout a;
  nx::Timeout b;
  a = nx::setTimeout(
      [&a, &b] {
        log("a clears b");
        nx::clearTimeout(b);
        nx::setTimeout(
            [&a] {
              log("nested 0 from a");
              nx::clearTimeout(a);
              log("cleared a after it fired");
            },
            0);
        nx::setImmediate([] { log("immediate from a"); });
        nx::oracle::busyWait(5);
      },
      1);
  b = nx::setTimeout([] { log("b (must not run)"); }, 1);
  nx::setTimeout([] { log("c runs"); }, 1);
  nx::clearTimeout(nx::Timeout());
  nx::oracle::busyWait(5);
  return nx::run();
}
