// SPDX-License-Identifier: MIT
// Twin of scenarios/uncaught_exception_exit_code.js.
#include <cstdio>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(uncaught_exception_exit_code) {
  nx::process::exitCode = 3;
  nx::process::on("exit", [](int code) {
    std::printf("exit %d, exitCode %d\n", code, nx::process::exitCode.load());
  });
  nx::setTimeout(
      [] {
        log("timer throws");
        throw std::runtime_error("nobody catches this");
      },
      1);
  nx::setTimeout([] { log("timer 2 (must not run)"); }, 1);
  return nx::run();
}
