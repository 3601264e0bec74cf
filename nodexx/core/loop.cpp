// SPDX-License-Identifier: MIT
#include "nodexx/core/loop.hpp"

#include <cassert>

#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"

namespace nx {
namespace detail {

void closeTimers(LoopState& s) noexcept;   // timers.cpp
void closeProcess(LoopState& s) noexcept;  // process.cpp

namespace {

void onInbox(uv_async_t* h) {
  LoopState& s = stateOf(h->loop);
  std::vector<Task> batch;
  {
    std::lock_guard lock(s.inboxMutex);
    batch.swap(s.inbox);
  }
  for (Task& t : batch) invokeCallback(s, [&t] { t(); });
}

}  // namespace

LoopState::LoopState(Loop& o) : owner(o), thread(std::this_thread::get_id()) {
  uv_loop_init(&uv);
  uv.data = this;
  uv_loop_configure(&uv, UV_METRICS_IDLE_TIME);
  startNs = uv_hrtime();
  uv_async_init(&uv, &async, onInbox);
  uv_unref(reinterpret_cast<uv_handle_t*>(&async));
  initTimers(*this);
}

LoopState::~LoopState() {
  closeTimers(*this);
  closeProcess(*this);
  uv_close(reinterpret_cast<uv_handle_t*>(&async), nullptr);
  // Close whatever else is still open so that uv_loop_close() succeeds; owners of such
  // handles free them in their close callbacks.
  uv_walk(
      &uv,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  while (uv_run(&uv, UV_RUN_NOWAIT) != 0) {
  }
  [[maybe_unused]] int rc = uv_loop_close(&uv);
  assert(rc == 0);
  ticks.clear();
  microtasks.clear();
  for (PromiseBase* p : pendingRejections) release(p);
}

void drainQueues(LoopState& s) {
  if (s.draining) return;
  s.draining = true;
  do {
    while (!s.ticks.empty()) {
      if (auto e = s.ticks.runFront()) reportUncaught(std::move(e));
    }
    while (!s.microtasks.empty()) {
      if (auto e = s.microtasks.runFront()) reportUncaught(std::move(e));
    }
    if (s.ticks.empty() && !s.pendingRejections.empty()) processRejections(s);
  } while (!s.ticks.empty() || !s.microtasks.empty());
  s.draining = false;
}

void pushMicrotask(MoveFunction<void()> fn) { loop().state().microtasks.push(std::move(fn)); }

}  // namespace detail

Loop::Loop() : state_(std::make_unique<detail::LoopState>(*this)) {}

Loop::~Loop() {
  if (detail::tlsLoop == this) detail::tlsLoop = nullptr;
}

Loop& detail::threadDefaultLoop() {
  thread_local Loop threadDefault;
  tlsLoop = &threadDefault;
  return threadDefault;
}

int Loop::run() {
  detail::LoopState& s = *state_;
  assert(isLoopThread());
  detail::drainQueues(s);
  detail::onInbox(&s.async);  // tasks posted before run()
  for (;;) {
    uv_run(&s.uv, UV_RUN_DEFAULT);
    detail::drainQueues(s);  // what a callback that threw left behind
    if (uv_loop_alive(&s.uv) != 0) continue;
    if (!detail::emitBeforeExit(s)) break;
  }
  detail::emitExit(s);
  return process::exitCode;
}

void Loop::post(MoveFunction<void()> fn) {
  detail::LoopState& s = *state_;
  {
    std::lock_guard lock(s.inboxMutex);
    s.inbox.push_back(std::move(fn));
  }
  uv_async_send(&s.async);
}

Loop::KeepAlive::KeepAlive(Loop& loop) : loop_(&loop) {
  if (loop_->state_->keepAlives++ == 0) {
    uv_ref(reinterpret_cast<uv_handle_t*>(&loop_->state_->async));
  }
}
Loop::KeepAlive::KeepAlive(KeepAlive&& other) noexcept
    : loop_(std::exchange(other.loop_, nullptr)) {}
Loop::KeepAlive& Loop::KeepAlive::operator=(KeepAlive&& other) noexcept {
  if (this != &other) {
    this->~KeepAlive();
    loop_ = std::exchange(other.loop_, nullptr);
  }
  return *this;
}
Loop::KeepAlive::~KeepAlive() {
  if (loop_ && --loop_->state_->keepAlives == 0) {
    uv_unref(reinterpret_cast<uv_handle_t*>(&loop_->state_->async));
  }
}

bool Loop::isLoopThread() const noexcept { return state_->thread == std::this_thread::get_id(); }

std::uint64_t Loop::now() const noexcept { return uv_now(&state_->uv); }

uv_loop_s* Loop::uv() noexcept { return &state_->uv; }

LoopScope::LoopScope(Loop& loop) noexcept : previous_(detail::tlsLoop) {
  detail::tlsLoop = &loop;
}
LoopScope::~LoopScope() { detail::tlsLoop = previous_; }

int run() { return loop().run(); }

void nextTick(MoveFunction<void()> fn) { loop().state().ticks.push(std::move(fn)); }

void queueMicrotask(MoveFunction<void()> fn) { loop().state().microtasks.push(std::move(fn)); }

}  // namespace nx
