// SPDX-License-Identifier: MIT
// Twin of scenarios/promise_all_settled.js.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

nx::Promise<std::string> delay(double ms, std::string v) {
  auto r = nx::Promise<std::string>::withResolvers();
  nx::setTimeout([r, v] { r.resolve(v); }, ms);
  return r.promise;
}

nx::Promise<std::string> failAfter(double ms, std::string msg) {
  auto r = nx::Promise<std::string>::withResolvers();
  nx::setTimeout([r, msg] { r.reject(std::runtime_error(msg)); }, ms);
  return r.promise;
}

nx::Promise<> mainAsync() {
  // GCC 12 rejects braced lists inside coroutine bodies ("array used as initializer"), so
  // the inputs are built by plain lambdas (left to right, which fixes the timers' order).
  using Strings = std::vector<nx::Promise<std::string>>;
  auto rs = co_await nx::allSettled([] {
    return Strings{delay(20, "slow"), failAfter(5, "E-fast"),
                   nx::Promise<std::string>::resolve("now"),
                   nx::Promise<std::string>::reject(std::runtime_error("E-now"))};
  }());
  std::printf("count %zu\n", rs.size());
  for (const auto& r : rs) {
    if (r.fulfilled()) {
      std::printf("fulfilled %s\n", r.value->c_str());
    } else {
      std::printf("rejected %s\n", nx::oracle::messageOf(r.reason).c_str());
    }
  }
  auto none = co_await nx::allSettled(Strings());
  std::printf("empty: %zu\n", none.size());
}

}  // namespace

NX_ORACLE_SCENARIO(promise_all_settled) {
  (void)mainAsync().then([] { log("main done"); });
  return nx::run();
}
