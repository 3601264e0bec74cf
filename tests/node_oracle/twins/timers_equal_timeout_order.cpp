// SPDX-License-Identifier: MIT
// Twin of scenarios/timers_equal_timeout_order.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(timers_equal_timeout_order) {
  nx::setTimeout([] { log("1ms a"); }, 1);
  nx::setTimeout([] { log("0ms b"); }, 0);
  nx::setTimeout([] { log("1ms c"); }, 1);
  nx::setTimeout([] { log("negative d"); }, -5);
  nx::setTimeout([] { log("0ms e"); }, 0);
  for (int i = 1; i <= 5; ++i) nx::setTimeout([i] { std::printf("10ms #%d\n", i); }, 10);
  return nx::run();
}
