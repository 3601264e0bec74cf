// SPDX-License-Identifier: MIT
// Twin of scenarios/exit_listener_throws.js.
#include <cstdio>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(exit_listener_throws) {
  nx::process::on("exit", [](int code) {
    std::printf("exit listener 1: %d\n", code);
    throw std::runtime_error("thrown in an exit listener");
  });
  nx::process::on("exit", [](int) { log("exit listener 2 (must not run)"); });
  nx::setTimeout([] { log("timer"); }, 1);
  return nx::run();
}
