// SPDX-License-Identifier: MIT
// Twin of scenarios/rejection_handled_late.js.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::messageOf;

namespace {

void printCaught(std::exception_ptr e) { std::printf("caught: %s\n", messageOf(e).c_str()); }

}  // namespace

NX_ORACLE_SCENARIO(rejection_handled_late) {
  nx::process::on("unhandledRejection", [](std::exception_ptr e) {
    std::printf("unhandledRejection (must not happen): %s\n", messageOf(e).c_str());
  });
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });

  auto p1 = nx::Promise<>::reject(std::runtime_error("handled in a nextTick"));
  nx::nextTick([p1] { (void)p1.catch_(printCaught); });

  auto p2 = nx::Promise<>::reject(std::runtime_error("handled two microtasks later"));
  (void)nx::Promise<>::resolve().then([] {}).then([p2] { (void)p2.catch_(printCaught); });

  (void)nx::Promise<>::resolve().then([] {
    auto p3 = nx::Promise<>::reject(
        std::runtime_error("rejected in a microtask, handled in its nextTick"));
    nx::nextTick([p3] { (void)p3.catch_(printCaught); });
  });

  nx::setTimeout([] { log("timer runs"); }, 1);
  return nx::run();
}
