// SPDX-License-Identifier: MIT
// Twin of scenarios/immediate_unref.js.
#include <cstdio>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(immediate_unref) {
  nx::Immediate a =
      nx::setImmediate([] { log("unref immediate (must not run: nothing keeps the loop alive)"); });
  std::printf("hasRef before: %s\n", a.hasRef() ? "true" : "false");
  a.unref();
  std::printf("hasRef after unref: %s\n", a.hasRef() ? "true" : "false");
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });
  return nx::run();
}
