// SPDX-License-Identifier: MIT
#include "nodexx/resilience/async_queue.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"

namespace nx::resilience {

namespace detail {

// The queue proper, shared by the AsyncQueue and its tasks so that either may go first. The
// algorithm is p-queue v10's (fixed-window mode), with the events emitted at the same points.
struct QueueState : RefCounted {
  QueueState(const AsyncQueueOptions& o, Clock& c, AsyncQueue* q)
      : owner(q),
        clock(&c),
        concurrency(o.concurrency),
        intervalCap(o.intervalCap),
        intervalMs(o.interval.count()),
        timeoutMs(o.timeout.count()),
        carryover(o.carryoverIntervalCount),
        paused(!o.autoStart),
        intervalIgnored(o.intervalCap == std::numeric_limits<std::size_t>::max() ||
                        o.interval.count() == 0) {
    destroy = [](RefCounted* p) noexcept { delete static_cast<QueueState*>(p); };
  }

  // The waiting list, sorted by priority (highest first), FIFO within a priority.
  void link(QueueTask* task) noexcept;
  void unlink(QueueTask* task) noexcept;

  template <class... A, class... Args>
  void emit(Event<A...> AsyncQueue::*event, Args&... args);
  void emitActive();
  void emitNext();
  void emitEmptyAndIdle();
  void checkSizeWaiters();

  // Starts tasks while the limits allow.
  void processQueue() {
    while (tryStartOne()) {
    }
  }
  bool tryStartOne();
  void startTask(QueueTask& task);
  // A running task settled (first of: its promise, its timeout, its signal).
  void finishRunning(QueueTask& task, std::exception_ptr error);
  void abortQueued(QueueTask& task);
  void dropAll(const std::exception_ptr& error) noexcept;
  void scheduleWake(std::int64_t delayMs);
  void cancelWake() noexcept;

  AsyncQueue* owner;  // null once the AsyncQueue is destroyed: no more events
  Clock* clock;
  std::size_t concurrency;
  std::size_t intervalCap;
  std::int64_t intervalMs;
  std::int64_t timeoutMs;
  bool carryover;
  bool paused;
  bool intervalIgnored;

  std::size_t size = 0;
  std::size_t pending = 0;
  QueueTask* head = nullptr;
  QueueTask* tail = nullptr;

  // The current rate-limit window ends at windowEnd; intervalCount tasks started in it.
  std::int64_t windowEnd = std::numeric_limits<std::int64_t>::min();
  std::size_t intervalCount = 0;
  // At most one sleep until the next window, while the rate limit holds tasks back.
  bool wakeScheduled = false;
  std::uint64_t wakeGeneration = 0;
  std::optional<AbortController> wakeCancel;

  std::vector<Promise<>::Resolvers> emptyWaiters;
  std::vector<Promise<>::Resolvers> idleWaiters;
  std::vector<std::pair<std::size_t, Promise<>::Resolvers>> sizeWaiters;
};

namespace {

void resolveAll(std::vector<Promise<>::Resolvers>& waiters) {
  if (waiters.empty()) return;
  auto ready = std::move(waiters);
  waiters.clear();
  for (auto& r : ready) r.resolve();
}

void rejectAll(std::vector<Promise<>::Resolvers>& waiters, const std::exception_ptr& error) {
  for (auto& r : waiters) rejectDropped(*r.promise.state(), error);
  waiters.clear();
}

}  // namespace

QueueTask::QueueTask(bool takes) noexcept : takesSignal(takes) {
  destroy = [](RefCounted* p) noexcept { delete static_cast<QueueTask*>(p); };
}

QueueTask::~QueueTask() {
  if (queue != nullptr) release(queue);
}

void QueueState::link(QueueTask* task) noexcept {
  ++size;
  if (tail == nullptr || tail->priority >= task->priority) {  // the common case: append
    task->prev = tail;
    task->next = nullptr;
    (tail != nullptr ? tail->next : head) = task;
    tail = task;
    return;
  }
  // Behind the last task whose priority is at least as high; head first if there is none.
  QueueTask* before = tail;
  while (before != nullptr && before->priority < task->priority) before = before->prev;
  task->prev = before;
  task->next = before != nullptr ? before->next : head;
  task->next->prev = task;
  (before != nullptr ? before->next : head) = task;
}

void QueueState::unlink(QueueTask* task) noexcept {
  --size;
  (task->prev != nullptr ? task->prev->next : head) = task->next;
  (task->next != nullptr ? task->next->prev : tail) = task->prev;
  task->prev = task->next = nullptr;
}

template <class... A, class... Args>
void QueueState::emit(Event<A...> AsyncQueue::*event, Args&... args) {
  if (owner == nullptr) return;
  Event<A...>& e = owner->*event;
  if (e.listenerCount() == 0) return;
  try {
    e.emit(args...);
  } catch (...) {
    // EventTarget's rule: a listener's exception is reported, and the queue carries on.
    queueMicrotask([error = std::current_exception()] { std::rethrow_exception(error); });
  }
}

void QueueState::emitActive() {
  emit(&AsyncQueue::active);
  if (size == 0) resolveAll(emptyWaiters);
  checkSizeWaiters();
}

void QueueState::emitNext() {
  emit(&AsyncQueue::next);
  checkSizeWaiters();
}

void QueueState::emitEmptyAndIdle() {
  emit(&AsyncQueue::empty);
  if (size == 0) resolveAll(emptyWaiters);
  // An `empty` listener may have added a task.
  if (pending > 0 || size > 0) return;
  cancelWake();
  emit(&AsyncQueue::idle);
  if (pending == 0 && size == 0) resolveAll(idleWaiters);
}

void QueueState::checkSizeWaiters() {
  if (sizeWaiters.empty()) return;
  auto ready = std::partition(sizeWaiters.begin(), sizeWaiters.end(),
                              [this](const auto& w) { return size >= w.first; });
  std::vector<Promise<>::Resolvers> resolvers;
  for (auto it = ready; it != sizeWaiters.end(); ++it) resolvers.push_back(std::move(it->second));
  sizeWaiters.erase(ready, sizeWaiters.end());
  resolveAll(resolvers);
}

bool QueueState::tryStartOne() {
  for (;;) {
    if (size == 0) {
      emitEmptyAndIdle();
      return false;
    }
    if (paused || pending >= concurrency) return false;
    if (!intervalIgnored) {
      std::int64_t now = clock->now();
      if (now >= windowEnd) {
        windowEnd = now + intervalMs;
        intervalCount = carryover ? pending : 0;
      }
      if (intervalCount >= intervalCap) {
        scheduleWake(windowEnd - now);
        return false;
      }
    }
    QueueTask* task = head;
    unlink(task);
    auto hold = Ref<QueueTask>::adopt(task);  // the list's reference
    if (task->abortId != 0) task->signal.off(std::exchange(task->abortId, 0));
    if (task->signal.aborted()) {
      // Aborted, but its abort listener has not run yet (another listener of the same signal
      // started the queue): like an abort while waiting, the task does not start.
      task->phase = QueueTask::Phase::Done;
      task->fail(task->signal.reason(), false);
      emitNext();
      continue;
    }
    if (!intervalIgnored) ++intervalCount;
    startTask(*task);
    emitActive();
    return true;
  }
}

void QueueState::startTask(QueueTask& task) {
  task.phase = QueueTask::Phase::Running;
  ++pending;
  AbortSignal fnSignal = task.signal;
  if (timeoutMs > 0) {
    task.timer.emplace();
    Promise<> sleep = clock->sleep(timeoutMs, task.timer->signal());
    sleep.state()->addReaction([t = Ref<QueueTask>(&task), s = sleep.state()] {
      // A rejected sleep was cancelled: the task settled first.
      if (s->status != nx::detail::PromiseBase::Status::Fulfilled) return;
      if (t->phase != QueueTask::Phase::Running) return;
      QueueState& q = *t->queue;
      auto error = std::make_exception_ptr(TimeoutError(
          "Task timed out after " + std::to_string(q.timeoutMs) + "ms (queue has " +
          std::to_string(q.pending) + " running, " + std::to_string(q.size) + " waiting)"));
      t->fail(error, false);
      if (t->taskAbort) t->taskAbort->abort(error);
      q.finishRunning(*t, error);
    });
    if (task.takesSignal) {
      task.taskAbort.emplace();
      fnSignal = task.taskAbort->signal();
    }
  }
  if (task.signal) {
    task.abortId = task.signal.onAbort([t = Ref<QueueTask>(&task)] {
      t->abortId = 0;
      if (t->taskAbort) t->taskAbort->abort(t->signal.reason());
      // Settled from a microtask, as p-queue's race with the abort does, not inside abort().
      queueMicrotask([t] {
        if (t->phase != QueueTask::Phase::Running) return;
        auto reason = t->signal.reason();
        t->fail(reason, false);
        t->queue->finishRunning(*t, reason);
      });
    });
  }
  task.start(fnSignal);
}

void QueueState::finishRunning(QueueTask& task, std::exception_ptr error) {
  task.phase = QueueTask::Phase::Done;
  if (task.abortId != 0) task.signal.off(std::exchange(task.abortId, 0));
  if (task.timer) task.timer->abort();  // cancels the timeout's sleep
  if (error) {
    emit(&AsyncQueue::error, error);
  } else {
    emit(&AsyncQueue::completed);
  }
  --pending;
  processQueue();
  emitNext();
}

void QueueState::abortQueued(QueueTask& task) {
  if (task.phase != QueueTask::Phase::Queued) return;
  task.abortId = 0;  // the signal removed the listener before calling it
  unlink(&task);
  auto hold = Ref<QueueTask>::adopt(&task);  // the list's reference
  task.phase = QueueTask::Phase::Done;
  task.fail(task.signal.reason(), false);
  processQueue();
  emitNext();
}

void QueueState::dropAll(const std::exception_ptr& error) noexcept {
  while (head != nullptr) {
    QueueTask* task = head;
    unlink(task);
    auto hold = Ref<QueueTask>::adopt(task);
    if (task->abortId != 0) task->signal.off(std::exchange(task->abortId, 0));
    task->phase = QueueTask::Phase::Done;
    task->fail(error, true);
  }
}

void QueueState::scheduleWake(std::int64_t delayMs) {
  if (wakeScheduled) return;
  wakeScheduled = true;
  std::uint64_t generation = ++wakeGeneration;
  wakeCancel.emplace();
  Promise<> sleep = clock->sleep(delayMs, wakeCancel->signal());
  sleep.state()->addReaction([q = Ref<QueueState>(this), generation] {
    if (q->wakeGeneration != generation || !q->wakeScheduled) return;  // cancelled
    q->wakeScheduled = false;
    q->wakeCancel.reset();
    q->processQueue();
  });
}

void QueueState::cancelWake() noexcept {
  if (!wakeScheduled) return;
  wakeScheduled = false;
  ++wakeGeneration;
  wakeCancel->abort();
  wakeCancel.reset();
}

void taskSettled(QueueTask& task, std::exception_ptr error) {
  task.queue->finishRunning(task, std::move(error));
}

void enqueue(QueueState& q, QueueTask* task, int priority, AbortSignal signal) {
  Ref<QueueState> keep(&q);  // a listener may destroy the AsyncQueue
  task->queue = &q;
  retain(&q);
  task->priority = priority;
  if (signal.aborted()) {
    // Never added, so no events (p-queue).
    task->phase = QueueTask::Phase::Done;
    task->fail(signal.reason(), false);
    release(task);
    return;
  }
  task->signal = std::move(signal);
  bool hadWaiting = q.size > 0;
  q.link(task);
  if (task->signal) {
    task->abortId = task->signal.onAbort([t = Ref<QueueTask>(task)] { t->queue->abortQueued(*t); });
  }
  q.emit(&AsyncQueue::added);
  // One attempt when nothing else waits, so that an add() that starts its task emits no
  // `empty`; all waiting tasks otherwise.
  if (hadWaiting) {
    q.processQueue();
  } else {
    q.tryStartOne();
  }
}

}  // namespace detail

namespace {

const AsyncQueueOptions& checked(const AsyncQueueOptions& o) {
  if (o.concurrency == 0) {
    throw RangeError("ERR_OUT_OF_RANGE", "AsyncQueue: concurrency must be at least 1");
  }
  if (o.intervalCap == 0) {
    throw RangeError("ERR_OUT_OF_RANGE", "AsyncQueue: intervalCap must be at least 1");
  }
  if (o.timeout.count() < 0 || o.interval.count() < 0) {
    throw RangeError("ERR_OUT_OF_RANGE", "AsyncQueue: timeout and interval must be >= 0");
  }
  return o;
}

}  // namespace

AsyncQueue::AsyncQueue(AsyncQueueOptions options, Clock& clock)
    : s_(new detail::QueueState(checked(options), clock, this)) {}

AsyncQueue::AsyncQueue(AsyncQueue&& other) noexcept
    : active(std::move(other.active)),
      idle(std::move(other.idle)),
      empty(std::move(other.empty)),
      added(std::move(other.added)),
      next(std::move(other.next)),
      completed(std::move(other.completed)),
      error(std::move(other.error)),
      s_(std::exchange(other.s_, nullptr)) {
  if (s_ != nullptr) s_->owner = this;
}

AsyncQueue::~AsyncQueue() {
  if (s_ == nullptr) return;
  s_->owner = nullptr;
  auto error = std::make_exception_ptr(AbortError("The queue was destroyed"));
  s_->dropAll(error);
  detail::rejectAll(s_->emptyWaiters, error);
  detail::rejectAll(s_->idleWaiters, error);
  for (auto& w : s_->sizeWaiters) detail::rejectDropped(*w.second.promise.state(), error);
  s_->sizeWaiters.clear();
  s_->cancelWake();
  detail::release(s_);
}

void AsyncQueue::pause() noexcept { s_->paused = true; }

void AsyncQueue::start() {
  detail::Ref<detail::QueueState> keep(s_);  // a listener may destroy *this
  if (!keep->paused) return;
  keep->paused = false;
  if (keep->size > 0) keep->processQueue();
}

bool AsyncQueue::isPaused() const noexcept { return s_->paused; }

void AsyncQueue::clear() {
  detail::Ref<detail::QueueState> keep(s_);  // a listener may destroy *this
  if (keep->size == 0) return;
  keep->dropAll(std::make_exception_ptr(AbortError("The queue was cleared")));
  keep->emitEmptyAndIdle();
  keep->emitNext();
}

std::size_t AsyncQueue::size() const noexcept { return s_->size; }
std::size_t AsyncQueue::pending() const noexcept { return s_->pending; }
std::size_t AsyncQueue::concurrency() const noexcept { return s_->concurrency; }

void AsyncQueue::setConcurrency(std::size_t n) {
  if (n == 0) throw RangeError("ERR_OUT_OF_RANGE", "AsyncQueue: concurrency must be at least 1");
  detail::Ref<detail::QueueState> keep(s_);  // a listener may destroy *this
  keep->concurrency = n;
  if (keep->size > 0) keep->processQueue();
}

Promise<> AsyncQueue::onEmpty() {
  if (s_->size == 0) return Promise<>::resolve();
  auto r = Promise<>::withResolvers();
  s_->emptyWaiters.push_back(r);
  return r.promise;
}

Promise<> AsyncQueue::onIdle() {
  if (s_->size == 0 && s_->pending == 0) return Promise<>::resolve();
  auto r = Promise<>::withResolvers();
  s_->idleWaiters.push_back(r);
  return r.promise;
}

Promise<> AsyncQueue::onSizeLessThan(std::size_t limit) {
  if (s_->size < limit) return Promise<>::resolve();
  auto r = Promise<>::withResolvers();
  s_->sizeWaiters.emplace_back(limit, r);
  return r.promise;
}

}  // namespace nx::resilience
