// SPDX-License-Identifier: MIT
// Twin of scenarios/async_errors.js.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::messageOf;

namespace {

nx::Promise<> throwsAtOnce() {
  log("throwsAtOnce runs");
  throw std::runtime_error("thrown before any await");
  co_return;
}

nx::Promise<std::string> awaitsRejection() {
  try {
    co_await nx::Promise<>::reject(std::runtime_error("awaited rejection"));
    log("not reached");
  } catch (const std::exception& e) {
    std::printf("caught in async fn: %s\n", e.what());
  }
  co_return "recovered";
}

// C++ has no `finally` block; the only path out of this one is the catch block.
nx::Promise<> rethrows() {
  try {
    co_await nx::Promise<>::resolve();
    throw std::runtime_error("inner");
  } catch (const std::exception& e) {
    log("finally in rethrows");
    throw std::runtime_error(std::string("rethrown from catch (") + e.what() + ")");
  }
}

void printCaught(std::exception_ptr e) { std::printf("caught: %s\n", messageOf(e).c_str()); }

}  // namespace

NX_ORACLE_SCENARIO(async_errors) {
  auto p = throwsAtOnce();
  log("after calling throwsAtOnce");
  (void)p.catch_(printCaught);
  (void)awaitsRejection().then(
      [](const std::string& v) { std::printf("awaitsRejection: %s\n", v.c_str()); });
  (void)rethrows().catch_(printCaught);
  log("sync end");
  return nx::run();
}
