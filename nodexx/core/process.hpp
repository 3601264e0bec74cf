// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/event_emitter.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/warning.hpp"

namespace nx {

/// Signals a process can listen for (process::on(Signal, fn)).
enum class Signal { Hup = 1, Int = 2, Quit = 3, Usr1 = 10, Usr2 = 12, Pipe = 13, Term = 15, Winch = 28 };

/// Node's name of a signal: "SIGINT", "SIGTERM", ...
std::string_view signalName(Signal s) noexcept;

namespace process {

/// The code run() returns and the process exits with (process.exitCode). Default 0.
inline std::atomic<int> exitCode{0};

/// Ends the process now, as Node's process.exit(): sets exitCode, emits "exit" with it, flushes
/// stdio, then exits without running anything else (no destructors, no pending callbacks).
[[noreturn]] void exit(int code);
[[noreturn]] void exit();

/// The process's events on the current loop, like Node's `process` emitter:
/// - "beforeExit" (int code): the loop emptied; listeners may schedule more work.
/// - "exit" (int code): run() is returning or exit() was called; only synchronous work runs.
/// - "uncaughtException" (std::exception_ptr): an exception escaped a callback. Without a
///   listener it is printed to stderr and the process exits with code 1.
/// - "unhandledRejection" (std::exception_ptr): see setUnhandledRejections().
/// - signal names ("SIGINT", ...) (Signal), registered through on(Signal, fn).
EventEmitter& emitter();

/// Adds a listener for a process event; see emitter() for the events and their payloads.
template <class F>
ListenerId on(std::string_view event, F&& listener) {
  return emitter().on(event, std::forward<F>(listener));
}
template <class F>
ListenerId once(std::string_view event, F&& listener) {
  return emitter().once(event, std::forward<F>(listener));
}
/// Removes a listener added with on()/once().
bool off(std::string_view event, ListenerId id);

/// Listens for a signal; `listener` is called with the Signal (or nothing) on the loop thread.
/// Like Node, a listener replaces the default action (SIGINT/SIGTERM no longer terminate) and
/// does not keep the loop alive. Removing the last listener restores the default action.
ListenerId on(Signal signal, MoveFunction<void(Signal)> listener);
bool off(Signal signal, ListenerId id);

/// What an unhandled rejection does (Node's --unhandled-rejections).
enum class UnhandledRejections {
  Throw,  ///< default: emit "unhandledRejection"; with no listener, treat as uncaught (exit 1)
  Warn,   ///< print a warning and emit "unhandledRejection"; keep running
  None,   ///< only emit "unhandledRejection"
};
void setUnhandledRejections(UnhandledRejections mode) noexcept;
UnhandledRejections unhandledRejections() noexcept;

int pid() noexcept;
/// The value of an environment variable, or nullopt when unset.
std::optional<std::string> env(std::string_view name);
/// Monotonic time for measuring intervals (process.hrtime.bigint()).
std::chrono::nanoseconds hrtime() noexcept;
/// Seconds since the process started (process.uptime()).
double uptime() noexcept;

/// process.memoryUsage(), in bytes. The heap figures come from the C++ allocator (glibc
/// mallinfo2): heapTotal is what it holds from the OS, heapUsed what is allocated.
struct MemoryUsage {
  std::size_t rss = 0;
  std::size_t heapTotal = 0;
  std::size_t heapUsed = 0;
};
MemoryUsage memoryUsage();

}  // namespace process
}  // namespace nx
