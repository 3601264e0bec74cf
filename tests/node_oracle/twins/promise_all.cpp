// SPDX-License-Identifier: MIT
// Twin of scenarios/promise_all.js.
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
using Ints = std::vector<nx::Promise<int>>;

auto settle(Deferred d, std::string v) {
  return [d, v] {
    std::printf("  settle %s\n", v.c_str());
    d.resolve(v);
  };
}

auto fail(Deferred d, std::string msg) {
  return [d, msg] {
    std::printf("  reject %s\n", msg.c_str());
    d.reject(std::runtime_error(msg));
  };
}

std::string join(const std::vector<std::string>& vs) {
  std::string s;
  for (const auto& v : vs) s += (s.empty() ? "" : ",") + v;
  return s;
}

nx::Promise<> mainAsync() {
  auto a = nx::Promise<std::string>::withResolvers();
  auto b = nx::Promise<std::string>::withResolvers();
  auto first = nx::all(
      [&] { return Strings{a.promise, b.promise, nx::Promise<std::string>::resolve("c")}; }());
  steps(settle(b, "b"), settle(a, "a"));
  std::printf("all: %s\n", join(co_await first).c_str());

  auto x = nx::Promise<std::string>::withResolvers();
  auto e1 = nx::Promise<std::string>::withResolvers();
  auto e2 = nx::Promise<std::string>::withResolvers();
  auto second = nx::all([&] { return Strings{x.promise, e1.promise, e2.promise}; }());
  steps(fail(e1, "E1"), fail(e2, "E2"), settle(x, "x"));
  try {
    co_await second;
    log("all fulfilled (wrong)");
  } catch (const std::exception& e) {
    std::printf("all rejected: %s\n", e.what());
  }

  (void)nx::all([] { return Ints{nx::Promise<int>::resolve(1), nx::Promise<int>::resolve(2)}; }())
      .then([](const std::vector<int>& v) {
        std::printf("settled inputs: %d,%d\n", v.at(0), v.at(1));
      });
  (void)nx::Promise<>::resolve()
      .then([] { log("tick 1"); })
      .then([] { log("tick 2"); })
      .then([] { log("tick 3"); });

  auto empty = co_await nx::all(Ints());
  std::printf("empty all: %zu\n", empty.size());
}

}  // namespace

NX_ORACLE_SCENARIO(promise_all) {
  (void)mainAsync().then([] { log("main done"); });
  return nx::run();
}
