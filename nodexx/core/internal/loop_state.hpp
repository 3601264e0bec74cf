// SPDX-License-Identifier: MIT
// The loop's private state, shared by the core's .cpp files. Never included by public headers.
#pragma once

#include <uv.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/move_function.hpp"

namespace nx::detail {

using Task = MoveFunction<void()>;

/// A FIFO of tasks in a power-of-two ring; push and pop never allocate once grown.
class TaskRing {
 public:
  TaskRing() = default;
  TaskRing(const TaskRing&) = delete;
  TaskRing& operator=(const TaskRing&) = delete;

  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }

  void push(Task&& t) {
    if (tail_ - head_ == slots_.size()) grow();
    slots_[tail_++ & (slots_.size() - 1)] = std::move(t);
  }

  /// Moves the oldest task out; the queue must not be empty.
  Task pop() noexcept { return std::move(slots_[head_++ & (slots_.size() - 1)]); }

  void clear() noexcept {
    while (!empty()) pop();
  }

 private:
  void grow() {
    std::size_t n = size();
    std::vector<Task> bigger(slots_.empty() ? 64 : slots_.size() * 2);
    for (std::size_t i = 0; i < n; ++i) bigger[i] = pop();
    slots_ = std::move(bigger);
    head_ = 0;
    tail_ = n;
  }

  std::vector<Task> slots_;
  std::size_t head_ = 0;  // monotonically increasing; wraps only after 2^64 tasks
  std::size_t tail_ = 0;
};

struct TimerWheel;      // timers.cpp
struct ImmediateQueue;  // timers.cpp
struct ProcessState;    // process.cpp
struct PromiseBase;     // promise.hpp

/// Deletes the per-loop parts whose types are private to one .cpp file (defined there).
struct PartDeleter {
  void operator()(TimerWheel* p) const noexcept;
  void operator()(ImmediateQueue* p) const noexcept;
  void operator()(ProcessState* p) const noexcept;
};

struct LoopState {
  explicit LoopState(Loop& owner);
  ~LoopState();

  uv_loop_t uv{};
  Loop& owner;
  std::thread::id thread;
  std::uint64_t startNs = 0;

  TaskRing ticks;
  TaskRing microtasks;
  int callbackDepth = 0;
  bool draining = false;

  // Rejected promises that had no handler when they were rejected; checked after draining.
  std::vector<PromiseBase*> pendingRejections;

  // post(): a mutex-guarded inbox drained by an unref'd async handle.
  uv_async_t async{};
  std::mutex inboxMutex;
  std::vector<Task> inbox;
  int keepAlives = 0;

  std::unique_ptr<TimerWheel, PartDeleter> timers;
  std::unique_ptr<ImmediateQueue, PartDeleter> immediates;
  std::unique_ptr<ProcessState, PartDeleter> process;
};

/// Runs every nextTick, then every microtask, until both queues are empty, then reports
/// unhandled rejections. No-op when already draining.
void drainQueues(LoopState& s);

/// Routes an exception that escaped a callback: process "uncaughtException" listeners, or
/// print it and exit with code 1 as Node does.
void reportUncaught(std::exception_ptr e);

/// Wraps a call from libuv into user code: exceptions are reported as uncaught and, for the
/// outermost callback, the tick queues are drained afterwards. As in Node, a callback that
/// threw (and was handled by an "uncaughtException" listener) does not drain: its ticks run
/// after the next callback, or before the loop would end.
template <class F>
void invokeCallback(LoopState& s, F&& fn) noexcept {
  ++s.callbackDepth;
  bool failed = false;
  try {
    std::forward<F>(fn)();
  } catch (...) {
    failed = true;
    reportUncaught(std::current_exception());
  }
  if (--s.callbackDepth == 0 && !failed) drainQueues(s);
}

/// The LoopState of a libuv loop created by Loop.
inline LoopState& stateOf(uv_loop_t* l) noexcept { return *static_cast<LoopState*>(l->data); }

// Hooks the other core files provide for loop construction and the end of run().
void initTimers(LoopState& s);
bool emitBeforeExit(LoopState& s);    // process.cpp: returns whether the loop is alive after
void emitExit(LoopState& s);          // process.cpp
void processRejections(LoopState& s);  // promise.cpp

}  // namespace nx::detail
