// SPDX-License-Identifier: MIT
// Twin of scenarios/promise_race.js.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::steps;

namespace {

using Deferred = nx::Promise<std::string>::Resolvers;
// GCC 12 rejects braced lists inside coroutine bodies ("array used as initializer"), so the
// input vectors are built by plain lambdas.
using Strings = std::vector<nx::Promise<std::string>>;

auto settle(Deferred d, std::string v) {
  return [d, v] {
    std::printf("  %s settles\n", v.c_str());
    d.resolve(v);
  };
}

auto fail(Deferred d, std::string msg) {
  return [d, msg] {
    std::printf("  %s rejects\n", msg.c_str());
    d.reject(std::runtime_error(msg));
  };
}

nx::Promise<> mainAsync() {
  auto slow = nx::Promise<std::string>::withResolvers();
  auto fast = nx::Promise<std::string>::withResolvers();
  auto r1 = nx::race([&] { return Strings{slow.promise, fast.promise}; }());
  steps(settle(fast, "fast"), settle(slow, "slow"));
  std::printf("winner: %s\n", (co_await r1).c_str());

  auto late = nx::Promise<std::string>::withResolvers();
  auto early = nx::Promise<std::string>::withResolvers();
  auto r2 = nx::race([&] { return Strings{late.promise, early.promise}; }());
  steps(fail(early, "E-early"), settle(late, "late"));
  try {
    co_await r2;
  } catch (const std::exception& e) {
    std::printf("race rejected: %s\n", e.what());
  }

  auto pending = nx::Promise<std::string>::withResolvers();
  auto r3 = nx::race(
      [&] { return Strings{pending.promise, nx::Promise<std::string>::resolve("settled")}; }());
  steps(settle(pending, "pending"));
  std::printf("winner: %s\n", (co_await r3).c_str());
}

}  // namespace

NX_ORACLE_SCENARIO(promise_race) {
  (void)mainAsync().then([] { log("main done"); });
  return nx::run();
}
