// SPDX-License-Identifier: MIT
// Twin of scenarios/abort_signal_reasons.js.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

void show(const char* label, const nx::AbortSignal& signal) {
  std::printf("%s: aborted %s, reason %s\n", label, signal.aborted() ? "true" : "false",
              nx::describe(signal.reason()).c_str());
}

}  // namespace

NX_ORACLE_SCENARIO(abort_signal_reasons) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  nx::AbortController ac;
  int calls = 0;
  ac.signal().onAbort([&calls] { ++calls; });
  ac.abort();
  ac.abort(std::make_exception_ptr(std::runtime_error("ignored second reason")));
  show("controller", ac.signal());
  std::printf("abort listener calls: %d\n", calls);

  show("AbortSignal.abort()", nx::AbortSignal::abort());

  nx::AbortController mine;
  mine.abort(std::make_exception_ptr(std::runtime_error("my reason")));
  show("custom", mine.signal());

  try {
    ac.signal().throwIfAborted();
  } catch (...) {
    std::printf("throwIfAborted: %s\n", nx::describe(std::current_exception()).c_str());
  }

  nx::AbortSignal ts = nx::AbortSignal::timeout(10);
  ts.onAbort([&ts] { show("timeout", ts); });
  nx::setTimeout([] { log("keeper timer"); }, 30);
  return nx::run();
}
