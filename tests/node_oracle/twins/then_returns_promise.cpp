// SPDX-License-Identifier: MIT
// Twin of scenarios/then_returns_promise.js.
#include <cstdio>
#include <string>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(then_returns_promise) {
  (void)nx::Promise<>::resolve()
      .then([] {
        log("A1 returns a promise");
        return nx::Promise<std::string>::resolve("x");
      })
      .then([](const std::string& v) { std::printf("A2 got %s\n", v.c_str()); });

  auto c = nx::Promise<std::string>::withResolvers();
  c.resolve(nx::Promise<std::string>::resolve("y"));
  (void)c.promise.then([](const std::string& v) { std::printf("C got %s\n", v.c_str()); });

  (void)nx::Promise<>::resolve()
      .then([] { log("B1"); })
      .then([] { log("B2"); })
      .then([] { log("B3"); })
      .then([] { log("B4"); })
      .then([] { log("B5"); });
  return nx::run();
}
