// SPDX-License-Identifier: MIT
// Twin of scenarios/uncaught_exception_tick_order.js.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(uncaught_exception_tick_order) {
  nx::process::on("uncaughtException", [](std::exception_ptr e) {
    std::string message = nx::oracle::messageOf(e);
    std::printf("handler: %s\n", message.c_str());
    nx::nextTick([message] { std::printf("  tick from handler (%s)\n", message.c_str()); });
  });

  nx::setTimeout(
      [] {
        log("timer 1 throws");
        nx::nextTick([] { log("  tick from timer 1"); });
        (void)nx::Promise<>::resolve().then([] { log("  promise from timer 1"); });
        throw std::runtime_error("boom 1");
      },
      1);
  nx::setTimeout(
      [] {
        log("timer 2");
        nx::setImmediate([] {
          log("immediate 1 throws");
          nx::nextTick([] { log("  tick from immediate 1"); });
          throw std::runtime_error("boom 2");
        });
        nx::setImmediate([] { log("immediate 2"); });
      },
      1);
  nx::oracle::busyWait(5);
  return nx::run();
}
