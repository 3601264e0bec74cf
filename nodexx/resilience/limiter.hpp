// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <limits>
#include <type_traits>
#include <utility>

#include "nodexx/core/promise.hpp"
#include "nodexx/resilience/task.hpp"

namespace nx::resilience {

namespace detail {

struct LimiterState;

// One call waiting for a slot, or running with a function that must outlive its promise.
struct LimiterTask {
  LimiterTask* next = nullptr;
  // Calls the function; the task then owns itself until the function's promise settles.
  virtual void start(LimiterState& state) = 0;
  // Rejects the caller's promise with `error` (never reported as unhandled) and frees the task.
  virtual void drop(std::exception_ptr error) noexcept = 0;

 protected:
  ~LimiterTask() = default;
};

// Shared by the Limiter and its running tasks, so that a Limiter may die while they run.
struct LimiterState : RefCounted {
  explicit LimiterState(std::size_t limit) noexcept;

  void push(LimiterTask* task) noexcept;
  // Starts queued tasks while slots are free. A loop, never recursion: a task that completes
  // at once frees its slot from a microtask, not from inside start().
  void drain();
  // A running task settled: frees its slot and starts the next.
  void finished();
  void clear(std::exception_ptr error) noexcept;

  std::size_t concurrency;
  std::size_t active = 0;
  std::size_t pending = 0;
  LimiterTask* head = nullptr;
  LimiterTask* tail = nullptr;
};

// The reaction to a running task's promise: settles the caller's promise, frees the slot.
template <class T>
void onTaskSettled(LimiterState* state, nx::detail::PromiseState<T>& src,
                   const nx::detail::StateRef<T>& out) {
  forwardOutcome(*out, src);
  state->finished();
}

template <class F, class T>
struct LimiterTaskNode final : LimiterTask {
  LimiterTaskNode(F&& f, nx::detail::StateRef<T> o) : fn(std::move(f)), out(std::move(o)) {}

  void start(LimiterState& state) override {
    Ref<LimiterState> st(&state);  // before the call: the task may destroy the Limiter
    Promise<T> p = callTask(fn, AbortSignal());
    p.state()->addReaction([self = this, st = std::move(st), src = p.state()] {
      auto out = std::move(self->out);
      delete self;  // the function (and what a coroutine lambda captured) dies after its promise
      onTaskSettled(st.get(), *src, out);
    });
  }
  void drop(std::exception_ptr error) noexcept override {
    rejectDropped(*out, std::move(error));
    delete this;
  }

  F fn;
  nx::detail::StateRef<T> out;
};

}  // namespace detail

/// Runs async functions with at most `concurrency` running at once, the rest waiting in FIFO
/// order (npm p-limit): `Limiter limit(8); auto v = co_await limit([] { return fetchOne(); });`.
///
/// A task is a callable returning Promise<T> (a coroutine), a plain value or void; the call
/// returns a Promise<T> that settles like the task's promise. A task that throws rejects the
/// returned promise. When a slot is free the task starts synchronously inside the call (like
/// p-queue; p-limit defers it by one microtask); otherwise it starts when a running task's
/// promise settles, from that promise's microtask, so a long run of tasks that complete at
/// once never nests on the stack. The callable is kept alive until its promise settles, so a
/// coroutine lambda may capture what it uses.
///
/// Dropped tasks (clearQueue(), or the Limiter destroyed) never run: their promises reject with
/// AbortError, which p-limit only does with `rejectOnClear`, because a C++ coroutine awaiting a
/// promise that never settles is never resumed. Such a rejection is not reported as unhandled
/// (p-queue's clear() rule); a promise chained from it still is.
///
/// Cost per task: the caller's promise state, plus one node for a task that waits or whose
/// callable has state; no other allocation. Loop-affine. Running tasks keep the shared state
/// alive, so the Limiter may be destroyed (or moved) while they run.
class Limiter {
 public:
  /// Concurrency without a limit (p-limit's Infinity).
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  /// `concurrency` ≥ 1 tasks may run at once; 0 throws RangeError (ERR_OUT_OF_RANGE).
  explicit Limiter(std::size_t concurrency);
  /// Leaves `other` empty: only destruction and assignment are valid on it.
  Limiter(Limiter&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  Limiter& operator=(Limiter&& other) noexcept;
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;
  /// Drops the waiting tasks as clearQueue() does; running tasks complete normally.
  ~Limiter();

  /// Runs `fn` when a slot is free (see the class comment). Throws std::bad_alloc only.
  template <Task F>
  Promise<TaskValue<F>> operator()(F fn);

  /// Tasks running now (p-limit's activeCount).
  std::size_t activeCount() const noexcept { return s_->active; }
  /// Tasks waiting for a slot (p-limit's pendingCount).
  std::size_t pendingCount() const noexcept { return s_->pending; }
  /// The current limit.
  std::size_t concurrency() const noexcept { return s_->concurrency; }
  /// Changes the limit (≥ 1, else RangeError). Raising it starts waiting tasks at once,
  /// synchronously; lowering it lets running tasks finish and starts none until fewer than
  /// `n` run.
  void setConcurrency(std::size_t n);
  /// Drops every waiting task: they never run and their promises reject with AbortError
  /// ("The queue was cleared"). Running tasks are not affected.
  void clearQueue() noexcept;

 private:
  detail::LimiterState* s_;
};

template <Task F>
Promise<TaskValue<F>> Limiter::operator()(F fn) {
  using D = std::decay_t<F>;
  using T = TaskValue<F>;
  auto out = nx::detail::StateRef<T>::make();
  Promise<T> result(out);
  detail::LimiterState& st = *s_;
  if (st.active < st.concurrency && st.head == nullptr) {
    ++st.active;
    if constexpr (std::is_empty_v<D> && std::is_trivially_copyable_v<D>) {
      // A callable without state need not outlive its call: no node.
      detail::Ref<detail::LimiterState> keep(&st);  // the task may destroy the Limiter
      Promise<T> p = detail::callTask(fn, AbortSignal());
      p.state()->addReaction([out = std::move(out), keep = std::move(keep), src = p.state()] {
        detail::onTaskSettled(keep.get(), *src, out);
      });
    } else {
      (new detail::LimiterTaskNode<D, T>(std::move(fn), std::move(out)))->start(st);
    }
  } else {
    st.push(new detail::LimiterTaskNode<D, T>(std::move(fn), std::move(out)));
  }
  return result;
}

}  // namespace nx::resilience
