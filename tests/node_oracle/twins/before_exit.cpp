// SPDX-License-Identifier: MIT
// Twin of scenarios/before_exit.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(before_exit) {
  int n = 0;  // outlives the loop run
  nx::process::on("beforeExit", [&n](int code) {
    ++n;
    std::printf("beforeExit #%d code %d\n", n, code);
    nx::nextTick([k = n] { std::printf("  tick from beforeExit #%d\n", k); });
    if (n <= 2) {
      nx::setTimeout([k = n] { std::printf("  timer scheduled by beforeExit #%d\n", k); }, 5);
    } else {
      nx::process::exitCode = 2;
    }
  });
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });
  nx::setTimeout([] { log("main timer"); }, 1);
  log("main done");
  return nx::run();
}
