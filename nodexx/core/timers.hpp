// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

#include "nodexx/core/move_function.hpp"

namespace nx {

namespace detail {
struct TimerNode;
struct ImmediateNode;
}  // namespace detail

/// The handle setTimeout()/setInterval() return. Copies refer to the same timer (like the JS
/// object); dropping every copy does not cancel it. Loop-affine.
class Timeout {
 public:
  Timeout() noexcept = default;
  Timeout(const Timeout& other) noexcept;
  Timeout& operator=(const Timeout& other) noexcept;
  ~Timeout();

  /// Lets the timer keep the loop alive again (the default).
  Timeout& ref();
  /// The timer no longer keeps the loop alive; it still fires if the loop runs anyway.
  Timeout& unref();
  /// True while the timer would keep the loop alive.
  bool hasRef() const noexcept;
  /// Restarts the countdown from now with the original delay; re-arms a timeout that already
  /// fired. No effect on a cleared timer.
  Timeout& refresh();
  /// Same as clearTimeout(*this).
  void close();
  explicit operator bool() const noexcept { return node_ != nullptr; }

 private:
  friend Timeout setTimeout(MoveFunction<void()>, double);
  friend Timeout setInterval(MoveFunction<void()>, double);
  friend void clearTimeout(const Timeout&);
  explicit Timeout(detail::TimerNode* node) noexcept;
  detail::TimerNode* node_ = nullptr;
};

/// The handle setImmediate() returns; copies refer to the same immediate.
class Immediate {
 public:
  Immediate() noexcept = default;
  Immediate(const Immediate& other) noexcept;
  Immediate& operator=(const Immediate& other) noexcept;
  ~Immediate();

  Immediate& ref();
  Immediate& unref();
  bool hasRef() const noexcept;
  explicit operator bool() const noexcept { return node_ != nullptr; }

 private:
  friend Immediate setImmediate(MoveFunction<void()>);
  friend void clearImmediate(const Immediate&);
  explicit Immediate(detail::ImmediateNode* node) noexcept;
  detail::ImmediateNode* node_ = nullptr;
};

/// Calls `fn` once after `ms` milliseconds, in the timers phase. As in Node, a delay that is
/// not in [1, 2^31-1] (0, negative, NaN) becomes 1 ms; one above 2^31-1 also prints a
/// TimeoutOverflowWarning. Fractions are truncated. Timers that expire in the same turn fire in
/// expiry order, ties in creation order, with nextTicks and microtasks drained between them.
Timeout setTimeout(MoveFunction<void()> fn, double ms = 1);
/// Calls `fn` every `ms` milliseconds (same coercion) until cleared.
Timeout setInterval(MoveFunction<void()> fn, double ms);
/// Cancels a timeout or interval; no effect on an empty, fired or cleared handle.
void clearTimeout(const Timeout& t);
inline void clearInterval(const Timeout& t) { clearTimeout(t); }

template <class Rep, class Period>
Timeout setTimeout(MoveFunction<void()> fn, std::chrono::duration<Rep, Period> d) {
  return setTimeout(std::move(fn), std::chrono::duration<double, std::milli>(d).count());
}
template <class Rep, class Period>
Timeout setInterval(MoveFunction<void()> fn, std::chrono::duration<Rep, Period> d) {
  return setInterval(std::move(fn), std::chrono::duration<double, std::milli>(d).count());
}

/// Calls `fn` in the check phase of this loop turn (or the next one when called from the check
/// phase itself). Immediates run in creation order with the tick queues drained between them.
Immediate setImmediate(MoveFunction<void()> fn);
/// Cancels an immediate that has not run yet.
void clearImmediate(const Immediate& i);

}  // namespace nx
