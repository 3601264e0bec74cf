// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "nodexx/core/move_function.hpp"

struct uv_loop_s;

namespace nx {

class Loop;

namespace detail {
struct LoopState;
/// The thread's current loop; null until first use (inline so that lookups are one TLS load).
inline thread_local Loop* tlsLoop = nullptr;
/// Creates the calling thread's default loop and makes it current.
Loop& threadDefaultLoop();
}  // namespace detail

/// One event loop per thread: libuv's loop plus Node's nextTick and microtask queues.
/// Loop-affine: every object created on a loop belongs to it; other threads reach it only via
/// post(). Phases are libuv's: timers, pending, idle/prepare, poll, check (setImmediate),
/// close. After every callback the loop invokes, all nextTicks and then all microtasks run,
/// repeated until both queues are empty (ARCHITECTURE §2).
class Loop {
 public:
  Loop();
  /// Closes the loop's own handles. Destroying a loop that still has user handles open is a
  /// programming error (asserted in debug builds).
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  /// The calling thread's current loop, created on first use (Node's implicit loop).
  static Loop& current() {
    Loop* l = detail::tlsLoop;
    return l != nullptr ? *l : detail::threadDefaultLoop();
  }

  /// Drains the tick queues, then runs until nothing ref'd is pending; emits process
  /// "beforeExit" when the loop empties (its listeners may schedule more work) and "exit"
  /// at the end. Returns process::exitCode. Must be called on the loop's thread.
  int run();

  /// Runs `fn` on this loop's thread as a loop callback. Thread-safe; the only way in from
  /// another thread. Tasks posted while the loop is not running run when it next runs.
  /// post() does not keep the loop alive by itself: hold a KeepAlive for that.
  void post(MoveFunction<void()> fn);

  /// Keeps the loop alive while it exists (like a ref'd handle). Create and destroy it on the
  /// loop's thread; to release it from another thread, post its destruction.
  class KeepAlive {
   public:
    KeepAlive() noexcept = default;
    explicit KeepAlive(Loop& loop);
    KeepAlive(KeepAlive&& other) noexcept;
    KeepAlive& operator=(KeepAlive&& other) noexcept;
    ~KeepAlive();

   private:
    Loop* loop_ = nullptr;
  };

  /// True on the thread that created this loop.
  bool isLoopThread() const noexcept;

  /// The loop's cached time in milliseconds (uv_now), as Node's timers see it.
  std::uint64_t now() const noexcept;

  /// The underlying libuv loop, for glue code.
  uv_loop_s* uv() noexcept;

  detail::LoopState& state() noexcept { return *state_; }

 private:
  std::unique_ptr<detail::LoopState> state_;
};

/// Makes `loop` the calling thread's current loop for the scope's lifetime (tests, embedding).
class LoopScope {
 public:
  explicit LoopScope(Loop& loop) noexcept;
  ~LoopScope();
  LoopScope(const LoopScope&) = delete;
  LoopScope& operator=(const LoopScope&) = delete;

 private:
  Loop* previous_;
};

/// The calling thread's current loop.
inline Loop& loop() { return Loop::current(); }

/// Runs the current thread's loop; see Loop::run(). The usual end of main(): `return nx::run();`
int run();

/// Queues `fn` on the nextTick queue: it runs after the current callback, before promise
/// continuations and before the loop continues. A nextTick that queues a nextTick forever
/// starves I/O, as in Node.
void nextTick(MoveFunction<void()> fn);

/// Queues `fn` on the microtask queue (where promise continuations run), after all nextTicks.
void queueMicrotask(MoveFunction<void()> fn);

}  // namespace nx
