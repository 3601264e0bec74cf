// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/combinators.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/resilience/clock.hpp"
#include "nodexx/resilience/task.hpp"

namespace nx::resilience {

class AsyncQueue;

/// AsyncQueue's settings (p-queue's constructor options). Only trivially destructible
/// members, so a braced temporary is safe inside a co_await expression (core README, g++ 12).
struct AsyncQueueOptions {
  /// Tasks running at once, ≥ 1. Default: no limit.
  std::size_t concurrency = std::numeric_limits<std::size_t>::max();
  /// False: the queue starts paused, tasks wait until start().
  bool autoStart = true;
  /// Per task, from its start: after this long the task's promise rejects with TimeoutError
  /// ("Task timed out after 100ms (queue has 2 running, 5 waiting)"), the `error` event fires
  /// and its slot is freed; the function keeps running (a task taking an AbortSignal sees it
  /// abort). 0 = no timeout.
  std::chrono::milliseconds timeout{0};
  /// At most this many task starts per `interval` window (≥ 1). Default: no limit.
  std::size_t intervalCap = std::numeric_limits<std::size_t>::max();
  /// The rate-limit window; 0 disables the rate limit.
  std::chrono::milliseconds interval{0};
  /// True: tasks still running when a window opens count against its intervalCap (p-queue v10's
  /// name; ≤ v8 called it carryoverConcurrencyCount).
  bool carryoverIntervalCount = false;
};

/// Per-task options of AsyncQueue::add: `q.add(fn, {2})`, `q.add(fn, {signal})`,
/// `q.add(fn, {2, signal})`. Not an aggregate on purpose: it owns a signal, and g++ 12
/// destroys a designated-initialised temporary twice inside a co_await expression; the
/// constructors make `{.priority = 2}` a compile error instead of a double free.
class AddOptions {
 public:
  AddOptions() noexcept {}  // NOLINT(modernize-use-equals-default): keeps this a non-aggregate
  AddOptions(int priority) noexcept : priority(priority) {}  // NOLINT(google-explicit-constructor)
  AddOptions(AbortSignal signal) noexcept                    // NOLINT(google-explicit-constructor)
      : signal(std::move(signal)) {}
  AddOptions(int priority, AbortSignal signal) noexcept
      : priority(priority), signal(std::move(signal)) {}

  /// Higher runs first; equal priorities run in the order added. Default 0.
  int priority = 0;
  /// Aborting removes the task if it waits (its promise rejects with the signal's reason, by
  /// default an AbortError) or, if it runs, rejects its promise and frees its slot (the function
  /// keeps running). An already aborted signal rejects at once and emits nothing.
  AbortSignal signal;
};

namespace detail {

struct QueueState;

// One add(): waiting in the priority list, running, or done (settled, the function may still
// run). References: the list or the starter, the function's promise reaction, the abort
// listener and the timeout reaction each hold one.
struct QueueTask : RefCounted {
  enum class Phase : unsigned char { Queued, Running, Done };

  explicit QueueTask(bool takesSignal) noexcept;
  virtual ~QueueTask();
  QueueTask(const QueueTask&) = delete;
  QueueTask& operator=(const QueueTask&) = delete;

  // Calls the function with `signal` and watches its promise.
  virtual void start(const AbortSignal& signal) = 0;
  // Rejects the caller's promise; `dropped`: not reported as unhandled.
  virtual void fail(std::exception_ptr error, bool dropped) noexcept = 0;

  QueueTask* prev = nullptr;
  QueueTask* next = nullptr;
  QueueState* queue = nullptr;  // one reference, from add() on
  int priority = 0;
  Phase phase = Phase::Queued;
  bool takesSignal;
  AbortSignal signal;                        // the caller's
  ListenerId abortId = 0;                    // on `signal`
  std::optional<AbortController> timer;      // cancels the timeout's sleep
  std::optional<AbortController> taskAbort;  // the signal the function sees, with a timeout
};

// Called when the function's promise settles first: emits and frees the slot.
void taskSettled(QueueTask& task, std::exception_ptr error);
// Adds `task` to `q`, which takes over the task's one reference.
void enqueue(QueueState& q, QueueTask* task, int priority, AbortSignal signal);

template <class F, class T>
struct QueueTaskNode final : QueueTask {
  explicit QueueTaskNode(F&& f)
      : QueueTask(TaskTraits<F>::kTakesSignal),
        fn(std::move(f)),
        out(nx::detail::StateRef<T>::make()) {}

  void start(const AbortSignal& taskSignal) override {
    Promise<T> p = callTask(fn, taskSignal);
    p.state()->addReaction([self = Ref<QueueTaskNode>(this), src = p.state()] {
      if (self->phase != Phase::Running) return;  // timed out or aborted first
      std::exception_ptr error;
      if (src->status == nx::detail::PromiseBase::Status::Rejected) error = src->error;
      forwardOutcome(*self->out, *src);
      taskSettled(*self, std::move(error));
    });
  }
  void fail(std::exception_ptr error, bool dropped) noexcept override {
    if (dropped) {
      rejectDropped(*out, std::move(error));
    } else {
      out->reject(std::move(error));
    }
  }

  F fn;
  nx::detail::StateRef<T> out;
};

}  // namespace detail

/// A promise queue with concurrency, priorities, rate limits and per-task timeouts (npm
/// p-queue v10): `AsyncQueue q({.concurrency = 4}); auto v = co_await q.add(fetchOne);`.
///
/// Tasks are what Limiter takes (task.hpp); a task that takes an AbortSignal receives the
/// signal of its add() (with a timeout: one that also aborts, with the TimeoutError, when the
/// task times out). add() returns a Promise<T> that settles like the task. A task starts
/// synchronously inside add() when the queue may start it; otherwise when a slot frees (from
/// the finished task's microtask, so tasks that complete at once never nest on the stack),
/// when start() or setConcurrency() allows it, or when the next rate-limit window opens.
///
/// Rate limit: windows of `interval` ms on the Clock; a window opens at the first start (or
/// attempt) after the previous one closed, and at most `intervalCap` tasks start in it.
///
/// Events, in p-queue's order (listeners run synchronously; an exception from a listener is
/// reported as uncaught, like EventTarget's, and does not disturb the queue): `added` (p-queue's
/// `add`) after a task is queued; `active` after a task starts; `completed` / `error(e)` when a
/// task's promise fulfills / rejects or times out (not for tasks removed by clear() or an abort
/// while waiting); `empty` whenever a start attempt finds no waiting task; `idle` when, in
/// addition, none runs; `next` after a task finishes or a waiting task is removed.
///
/// Dropped tasks (clear(), the queue destroyed) never run and their promises reject with
/// AbortError, not reported as unhandled; pending onEmpty/onIdle/onSizeLessThan promises
/// reject the same way when the queue is destroyed. Loop-affine; running tasks keep the shared
/// state alive, so the queue may be destroyed or moved while they run.
class AsyncQueue {
 public:
  /// Throws RangeError (ERR_OUT_OF_RANGE) for a concurrency or intervalCap of 0 or a negative
  /// timeout or interval. `clock` must outlive the queue and its tasks.
  explicit AsyncQueue(AsyncQueueOptions options = {}, Clock& clock = Clock::system());
  /// Leaves `other` empty: only destruction is valid on it. Not during an emit.
  AsyncQueue(AsyncQueue&& other) noexcept;
  AsyncQueue& operator=(AsyncQueue&&) = delete;
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;
  /// Drops the waiting tasks (AbortError); running tasks complete, without events.
  ~AsyncQueue();

  /// Queues `fn` (see the class comment). Throws std::bad_alloc only.
  template <Task F>
  Promise<TaskValue<F>> add(F fn, AddOptions options = {});
  /// Adds each function with the same options; fulfills with their values in order (void for
  /// void tasks) or rejects with the first rejection (Promise.all).
  template <Task F>
  auto addAll(std::vector<F> fns, AddOptions options = {});

  /// Starts no further tasks until start(); running tasks continue.
  void pause() noexcept;
  /// Resumes after pause() or `autoStart = false`, starting what may start now.
  void start();
  bool isPaused() const noexcept;
  /// Drops every waiting task (their promises reject with AbortError "The queue was
  /// cleared"), then emits `empty`, `idle` (if none runs) and `next`.
  void clear();

  /// Waiting tasks.
  std::size_t size() const noexcept;
  /// Running tasks (timed-out or aborted ones no longer count).
  std::size_t pending() const noexcept;
  std::size_t concurrency() const noexcept;
  /// Changes the limit (≥ 1, else RangeError); raising it starts waiting tasks at once.
  void setConcurrency(std::size_t n);

  /// Resolves when no task waits (at once if none does); tasks may still run.
  [[nodiscard]] Promise<> onEmpty();
  /// Resolves when no task waits or runs (at once if so).
  [[nodiscard]] Promise<> onIdle();
  /// Resolves when fewer than `limit` tasks wait (at once if so), for backpressure:
  /// `co_await q.onSizeLessThan(100); (void)q.add(next);`.
  [[nodiscard]] Promise<> onSizeLessThan(std::size_t limit);

  Event<> active{"active", "AsyncQueue"};
  Event<> idle{"idle", "AsyncQueue"};
  Event<> empty{"empty", "AsyncQueue"};
  /// p-queue's `add` event (a member cannot share the name of add()).
  Event<> added{"add", "AsyncQueue"};
  Event<> next{"next", "AsyncQueue"};
  Event<> completed{"completed", "AsyncQueue"};
  Event<std::exception_ptr> error{"error", "AsyncQueue"};

 private:
  detail::QueueState* s_;
};

template <Task F>
Promise<TaskValue<F>> AsyncQueue::add(F fn, AddOptions options) {
  auto* task = new detail::QueueTaskNode<std::decay_t<F>, TaskValue<F>>(std::move(fn));
  Promise<TaskValue<F>> result(task->out);
  detail::enqueue(*s_, task, options.priority, std::move(options.signal));
  return result;
}

template <Task F>
auto AsyncQueue::addAll(std::vector<F> fns, AddOptions options) {
  std::vector<Promise<TaskValue<F>>> promises;
  promises.reserve(fns.size());
  for (F& fn : fns) promises.push_back(add(std::move(fn), options));
  return all(std::move(promises));
}

}  // namespace nx::resilience
