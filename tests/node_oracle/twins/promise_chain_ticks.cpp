// SPDX-License-Identifier: MIT
// Twin of scenarios/promise_chain_ticks.js.
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::messageOf;

NX_ORACLE_SCENARIO(promise_chain_ticks) {
  using Str = nx::Promise<std::string>;
  (void)Str::resolve("v")
      .finally([] { log("finally ran"); })
      .then([](const std::string& v) { std::printf("after finally: %s\n", v.c_str()); });
  (void)Str::reject(std::runtime_error("e"))
      .finally([] { log("finally (rejected) ran"); })
      .catch_([](std::exception_ptr e) {
        std::printf("after finally: caught %s\n", messageOf(e).c_str());
        return std::string();
      });
  (void)Str::resolve("w")
      .catch_([](std::exception_ptr) { return std::string("not called"); })
      .then([](const std::string& v) { std::printf("after catch passthrough: %s\n", v.c_str()); });
  (void)Str::reject(std::runtime_error("r"))
      .then([](const std::string&) { log("skipped"); })
      .catch_([](std::exception_ptr e) {
        std::printf("caught after then passthrough: %s\n", messageOf(e).c_str());
      });
  (void)Str::reject(std::runtime_error("h"))
      .then([](const std::string&) { return std::string("not called"); },
            [](std::exception_ptr e) { return "recovered " + messageOf(e); })
      .then([](const std::string& v) { log(v); });
  nx::Promise<> p = nx::Promise<>::resolve();
  for (int i = 1; i <= 7; ++i) p = p.then([i] { std::printf("tick %d\n", i); });
  return nx::run();
}
