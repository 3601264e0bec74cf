// SPDX-License-Identifier: MIT
// Twin of scenarios/promise_any.js.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::steps;

namespace {

// GCC 12 rejects braced lists inside coroutine bodies ("array used as initializer"), so the
// input vectors are built by plain lambdas.
using Strings = std::vector<nx::Promise<std::string>>;

nx::Promise<> mainAsync() {
  auto e1 = nx::Promise<std::string>::withResolvers();
  auto ok = nx::Promise<std::string>::withResolvers();
  auto later = nx::Promise<std::string>::withResolvers();
  auto first = nx::any([&] { return Strings{e1.promise, ok.promise, later.promise}; }());
  steps([e1] { e1.reject(std::runtime_error("E1")); }, [ok] { ok.resolve("ok"); },
        [later] { later.resolve("later"); });
  std::printf("any: %s\n", (co_await first).c_str());

  auto a = nx::Promise<std::string>::withResolvers();
  auto b = nx::Promise<std::string>::withResolvers();
  auto second = nx::any([&] {
    return Strings{a.promise, b.promise,
                   nx::Promise<std::string>::reject(std::runtime_error("E-c"))};
  }());
  steps([b] { b.reject(std::runtime_error("E-b")); }, [a] { a.reject(std::runtime_error("E-a")); });
  try {
    co_await second;
  } catch (const nx::AggregateError& e) {
    std::printf("%s\n", nx::describe(std::current_exception()).c_str());
    std::printf("errors.length %zu\n", e.errors().size());
    for (const auto& x : e.errors()) std::printf("  %s\n", nx::oracle::messageOf(x).c_str());
  }
  try {
    co_await nx::any(Strings());
  } catch (const nx::AggregateError& e) {
    std::printf("empty: %s %zu\n", std::string(e.name()).c_str(), e.errors().size());
  }
}

}  // namespace

NX_ORACLE_SCENARIO(promise_any) {
  (void)mainAsync().then([] { log("main done"); });
  return nx::run();
}
