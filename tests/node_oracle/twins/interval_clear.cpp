// SPDX-License-Identifier: MIT
// Twin of scenarios/interval_clear.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(interval_clear) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  int n = 0;
  nx::Timeout iv;
  iv = nx::setInterval(
      [&n, &iv] {
        ++n;
        std::printf("interval run %d\n", n);
        nx::nextTick([k = n] { std::printf("  tick after run %d\n", k); });
        if (n == 3) {
          nx::clearInterval(iv);
          log("  cleared inside its own callback");
          nx::clearInterval(iv);
          nx::setTimeout([&n] { std::printf("after 30ms: runs = %d\n", n); }, 30);
        }
      },
      5);

  int m = 0;
  nx::Timeout other = nx::setInterval(
      [&m] {
        ++m;
        std::printf("other run %d\n", m);
      },
      1000);
  nx::clearInterval(other);
  log("other cleared before its first run");
  return nx::run();
}
