// SPDX-License-Identifier: MIT
// Twin of scenarios/unhandled_rejection_hook.js.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

nx::Promise<> failing() {
  co_await nx::Promise<>::resolve();
  throw std::runtime_error("from async function");
}

}  // namespace

NX_ORACLE_SCENARIO(unhandled_rejection_hook) {
  nx::process::on("unhandledRejection", [](std::exception_ptr e) {
    std::printf("hook: %s\n", nx::oracle::messageOf(e).c_str());
  });
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });

  (void)nx::Promise<>::reject(std::runtime_error("first"));
  (void)failing();
  nx::nextTick([] { log("tick"); });
  (void)nx::Promise<>::resolve().then([] { log("microtask"); });
  nx::setTimeout(
      [] {
        log("timer still runs");
        (void)nx::Promise<>::reject(std::runtime_error("from timer"));
        nx::setTimeout([] { log("later timer runs"); }, 1);
      },
      1);
  log("sync end");
  return nx::run();
}
