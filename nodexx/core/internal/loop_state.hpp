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

/// A FIFO of tasks in linked fixed-size blocks (like Node's FixedQueue). Entries never move, so
/// a task runs in place while it queues more, and pushing never copies the queue.
class TaskQueue {
 public:
  TaskQueue() = default;
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;
  ~TaskQueue() {
    clear();
    delete first_;
    delete spare_;
  }

  bool empty() const noexcept { return first_ == nullptr || first_->head == first_->tail; }

  void push(Task&& t) {
    if (last_ == nullptr || last_->tail == kBlockSize) addBlock();
    last_->slots[last_->tail++] = std::move(t);
  }

  /// Runs the oldest task (the queue must not be empty) and destroys it; returns what it threw.
  std::exception_ptr runFront() noexcept {
    Block* b = first_;
    Task& t = b->slots[b->head];
    std::exception_ptr error;
    try {
      t();
    } catch (...) {
      error = std::current_exception();
    }
    t.reset();
    if (++b->head == b->tail) {
      if (b->tail == kBlockSize && b->next != nullptr) {
        first_ = b->next;
        recycle(b);
      } else if (b == last_) {
        b->head = b->tail = 0;  // empty: reuse the block from its start
      }
    }
    return error;
  }

  void clear() noexcept {
    while (!empty()) {
      Block* b = first_;
      b->slots[b->head].reset();
      if (++b->head == b->tail) {
        if (b->next == nullptr) {
          b->head = b->tail = 0;
        } else {
          first_ = b->next;
          recycle(b);
        }
      }
    }
  }

 private:
  static constexpr std::size_t kBlockSize = 256;
  struct Block {
    Block* next = nullptr;
    std::size_t head = 0;
    std::size_t tail = 0;
    Task slots[kBlockSize];
  };

  void addBlock() {
    Block* b = spare_ != nullptr ? std::exchange(spare_, nullptr) : new Block();
    b->next = nullptr;
    b->head = b->tail = 0;
    if (last_ == nullptr) {
      first_ = b;
    } else {
      last_->next = b;
    }
    last_ = b;
  }

  void recycle(Block* b) noexcept {
    if (spare_ == nullptr) {
      spare_ = b;
    } else {
      delete b;
    }
  }

  Block* first_ = nullptr;
  Block* last_ = nullptr;
  Block* spare_ = nullptr;  // one empty block kept, so a steady trickle never allocates
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

  TaskQueue ticks;
  TaskQueue microtasks;
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
