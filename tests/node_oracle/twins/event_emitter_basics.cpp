// SPDX-License-Identifier: MIT
// Twin of scenarios/event_emitter_basics.js.
#include <cstdio>
#include <stdexcept>

#include "nodexx/core/event_emitter.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {
const char* boolStr(bool b) { return b ? "true" : "false"; }
}  // namespace

NX_ORACLE_SCENARIO(event_emitter_basics) {
  nx::EventEmitter e;
  e.on("data", [](int n) { std::printf("listener 1 got %d\n", n); });
  const nx::ListenerId second = e.on("data", [](int n) { std::printf("listener 2 got %d\n", n); });
  e.once("data", [](int n) { std::printf("once got %d\n", n); });
  log("before emit");
  std::printf("emit returned %s\n", boolStr(e.emit("data", 1)));
  log("after emit");
  std::printf("count %zu\n", e.listenerCount("data"));
  e.removeListener("data", second);
  std::printf("emit returned %s\n", boolStr(e.emit("data", 2)));
  std::printf("emit without listeners returned %s\n", boolStr(e.emit("nothing")));

  try {
    e.emit("error", std::runtime_error("bad thing"));
  } catch (const std::exception& err) {
    std::printf("caught: %s\n", err.what());
  }
  try {
    e.emit("error", "just text");
  } catch (const nx::SystemError& err) {
    std::printf("caught: %s: %s\n", std::string(err.code()).c_str(), err.what());
  }
  e.on("error", [](const std::runtime_error& err) {
    std::printf("error listener: %s\n", err.what());
  });
  std::printf("emit error returned %s\n", boolStr(e.emit("error", std::runtime_error("handled"))));
  return nx::run();
}
