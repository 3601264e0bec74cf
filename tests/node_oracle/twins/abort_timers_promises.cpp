// SPDX-License-Identifier: MIT
// Twin of scenarios/abort_timers_promises.js: nx::sleep(ms, signal) is timers/promises
// setTimeout(ms, undefined, { signal }).
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

auto report(std::string label) {
  return [label](std::exception_ptr e) {
    std::printf("%s rejected: %s %s %s\n", label.c_str(), nx::oracle::nameOf(e).c_str(),
                nx::oracle::codeOf(e).c_str(), nx::oracle::messageOf(e).c_str());
  };
}

void mustNotResolve() { log("must not resolve"); }

}  // namespace

NX_ORACLE_SCENARIO(abort_timers_promises) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  (void)nx::sleep(5, nx::AbortSignal::abort()).then(mustNotResolve, report("pre-aborted"));

  nx::AbortController ac;
  std::printf("aborted before: %s\n", ac.signal().aborted() ? "true" : "false");
  (void)nx::sleep(1000, ac.signal()).then(mustNotResolve, report("sleep 1"));
  nx::setTimeout(
      [&ac] {
        log("aborting");
        ac.abort();
        std::printf("aborted after: %s\n", ac.signal().aborted() ? "true" : "false");
      },
      10);

  (void)nx::sleep(60).then([] { log("plain sleep 60 resolved"); });

  nx::AbortController custom;
  (void)nx::sleep(1000, custom.signal()).then(mustNotResolve, report("custom reason"));
  nx::setTimeout(
      [&custom] { custom.abort(std::make_exception_ptr(std::runtime_error("my reason"))); }, 110);

  nx::AbortSignal ts = nx::AbortSignal::timeout(160);
  ts.onAbort([&ts] { std::printf("timeout signal: %s\n", nx::describe(ts.reason()).c_str()); });
  (void)nx::sleep(1000, ts).then(mustNotResolve, report("timeout"));

  nx::AbortSignal never = nx::AbortSignal::timeout(5000);
  never.onAbort([] { log("5 s timeout signal (must not fire)"); });
  nx::process::on("exit", [](int code) { std::printf("exit %d\n", code); });
  return nx::run();
}
