// SPDX-License-Identifier: MIT
// Twin of scenarios/timer_unref.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {
const char* boolStr(bool b) { return b ? "true" : "false"; }
}  // namespace

NX_ORACLE_SCENARIO(timer_unref) {
  nx::Timeout early = nx::setTimeout([] { log("unref 5ms fired (loop still alive)"); }, 5);
  early.unref();

  nx::Timeout lonely = nx::setTimeout([] { log("unref 100s fired (must not print)"); }, 100000);
  std::printf("lonely hasRef before: %s\n", boolStr(lonely.hasRef()));
  lonely.unref();
  std::printf("lonely hasRef after unref: %s\n", boolStr(lonely.hasRef()));

  nx::Timeout back = nx::setTimeout([] { log("re-ref 30ms fired"); }, 30);
  back.unref();
  back.ref();
  std::printf("back hasRef: %s\n", boolStr(back.hasRef()));

  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });
  return nx::run();
}
