// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::resilience {

/// Time as the resilience algorithms see it: a monotonic millisecond count and a way to wait.
/// Every component takes a Clock& (default Clock::system()) so that tests drive time by hand
/// with ManualClock instead of sleeping. Loop-affine.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds on a monotonic scale with an arbitrary origin.
  virtual std::int64_t now() = 0;
  /// Resolves once `ms` milliseconds have passed on this clock; rejects with AbortError if
  /// `signal` aborts first. The real clock's wait does not keep the loop alive when `unref`.
  virtual Promise<> sleep(std::int64_t ms, AbortSignal signal = {}) = 0;

  /// The real clock: process::hrtime() and nx::sleep() on the current loop.
  static Clock& system();
};

/// A clock that moves only when told to. advance() fires the sleeps that fall due, in due-time
/// order (ties in the order they were started), each as a promise resolution, so their
/// continuations run on the next microtask drain (run the loop, or call advance() from a
/// coroutine and co_await a tick).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t startMs = 0) : now_(startMs) {}
  std::int64_t now() override { return now_; }
  Promise<> sleep(std::int64_t ms, AbortSignal signal = {}) override;
  /// Moves time forward by `ms` (≥ 0), resolving every sleep due by then.
  void advance(std::int64_t ms);
  /// Sleeps not yet due.
  std::size_t pendingSleeps() const noexcept { return sleeps_.size(); }

 private:
  struct Waiter {
    Promise<>::Resolvers resolvers;
    AbortSignal signal;
    ListenerId abortListener = 0;
  };
  std::int64_t now_;
  std::uint64_t seq_ = 0;
  std::multimap<std::pair<std::int64_t, std::uint64_t>, Waiter> sleeps_;
};

}  // namespace nx::resilience
