// SPDX-License-Identifier: MIT
// Twin of scenarios/uncaught_exception_listener.js.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(uncaught_exception_listener) {
  nx::process::on("uncaughtException", [](std::exception_ptr e) {
    std::printf("uncaughtException: %s\n", nx::oracle::messageOf(e).c_str());
  });
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });

  nx::setTimeout(
      [] {
        log("timer 1 throws");
        throw std::runtime_error("boom from timer");
      },
      1);
  nx::setTimeout(
      [] {
        log("timer 2 runs");
        nx::setImmediate([] {
          log("immediate throws");
          throw std::runtime_error("boom from immediate");
        });
        nx::setTimeout([] { log("timer 3 runs"); }, 5);
      },
      10);
  return nx::run();
}
