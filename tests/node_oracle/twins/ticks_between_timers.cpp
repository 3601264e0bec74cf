// SPDX-License-Identifier: MIT
// Twin of scenarios/ticks_between_timers.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

NX_ORACLE_SCENARIO(ticks_between_timers) {
  for (int ms : {0, 5}) {
    nx::setTimeout(
        [ms] {
          std::printf("timer A (%d)\n", ms);
          nx::nextTick([ms] { std::printf("  tick from A (%d)\n", ms); });
          (void)nx::Promise<>::resolve().then([ms] { std::printf("  promise from A (%d)\n", ms); });
          nx::queueMicrotask([ms] {
            std::printf("  microtask from A (%d)\n", ms);
            nx::nextTick([ms] { std::printf("  tick from A's microtask (%d)\n", ms); });
          });
        },
        ms);
    nx::setTimeout([ms] { std::printf("timer B (%d)\n", ms); }, ms);
  }
  return nx::run();
}
