// SPDX-License-Identifier: MIT
// Shared by the core benchmarks: the clock, the report line and the benchmark entry points.
#pragma once

#include <chrono>
#include <string_view>

#include "nodexx/core/process.hpp"

namespace bench {

using Ns = std::chrono::nanoseconds;

/// The clock both sides use (process.hrtime.bigint() in the JS twins).
inline Ns now() noexcept { return nx::process::hrtime(); }

/// Prints the one line run.py reads, the same as js/report.js:
/// {"name":"<name>","ops":<ops>,"ns":<elapsed>,"nsPerOp":<elapsed/ops>}
void report(std::string_view name, long ops, Ns elapsed);

// Each runs one benchmark of `ops` operations and returns the process exit code.
int awaitResolved(long ops);   // promises.cpp
int thenChain(long ops);       // promises.cpp
int queueMicrotask(long ops);  // queues.cpp
int nextTick(long ops);        // queues.cpp
int timers(long ops);          // timers.cpp
int setImmediate(long ops);    // timers.cpp
int emit1(long ops);           // emitter.cpp
int emit3(long ops);           // emitter.cpp

}  // namespace bench
