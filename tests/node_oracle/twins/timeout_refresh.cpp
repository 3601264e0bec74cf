// SPDX-License-Identifier: MIT
// Twin of scenarios/timeout_refresh.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(timeout_refresh) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  int fired = 0;
  nx::Timeout again;
  nx::Timeout t = nx::setTimeout(
      [&fired, &again] {
        log("refreshed 50ms timeout fired");
        again = nx::setTimeout(
            [&fired, &again] {
              ++fired;
              std::printf("re-armed timeout run %d\n", fired);
              if (fired < 3) again.refresh();
            },
            10);
      },
      50);
  nx::setTimeout([] { log("50ms marker created after it"); }, 50);
  nx::oracle::busyWait(20);
  log("refresh after 20ms");
  t.refresh();
  return nx::run();
}
