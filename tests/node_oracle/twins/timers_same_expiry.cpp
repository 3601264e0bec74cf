// SPDX-License-Identifier: MIT
// Twin of scenarios/timers_same_expiry.js.
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(timers_same_expiry) {
  nx::setTimeout([] { log("A 300ms (created 1st)"); }, 300);
  nx::setTimeout([] { log("B 5ms (created 2nd)"); }, 5);
  nx::setTimeout([] { log("C 300ms (created 3rd)"); }, 300);
  nx::setTimeout([] { log("D 5ms (created 4th)"); }, 5);
  nx::setTimeout([] { log("E 150ms (created 5th)"); }, 150);
  nx::oracle::busyWait(320);
  log("busy wait done");

  nx::setTimeout(
      [] {
        log("phase 2");
        nx::setTimeout([] { log("X 30ms"); }, 30);
        nx::oracle::busyWait(15);
        nx::setTimeout([] { log("Y 15ms, created 15ms later"); }, 15);
      },
      1);
  return nx::run();
}
