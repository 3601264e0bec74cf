// SPDX-License-Identifier: MIT
// Twin of scenarios/exit_code.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(exit_code) {
  nx::process::exitCode = 3;
  nx::process::on("exit", [](int code) {
    std::printf("exit listener 1: code %d, exitCode %d\n", code, nx::process::exitCode.load());
  });
  nx::process::on("exit", [](int code) {
    std::printf("exit listener 2: code %d\n", code);
    nx::setTimeout([] { log("timer from exit listener (must not run)"); }, 0);
    nx::process::exitCode = 4;
  });
  nx::setTimeout(
      [] { std::printf("timer runs, exitCode %d\n", nx::process::exitCode.load()); }, 5);
  return nx::run();
}
