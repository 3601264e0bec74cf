// SPDX-License-Identifier: MIT
// Twin of scenarios/uncaught_exception_handler_throws.js.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(uncaught_exception_handler_throws) {
  nx::process::on("uncaughtException", [](std::exception_ptr e) {
    std::printf("handler: %s\n", nx::oracle::messageOf(e).c_str());
    throw std::runtime_error("the handler throws");
  });
  nx::process::on("exit",
                  [](int code) { std::printf("exit %d (Node does not print this)\n", code); });
  nx::setTimeout(
      [] {
        log("timer throws");
        throw std::runtime_error("first");
      },
      1);
  nx::setTimeout([] { log("timer 2 (must not run)"); }, 1);
  return nx::run();
}
