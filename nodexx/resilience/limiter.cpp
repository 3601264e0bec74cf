// SPDX-License-Identifier: MIT
#include "nodexx/resilience/limiter.hpp"

#include "nodexx/core/errors.hpp"

namespace nx::resilience {

namespace detail {

LimiterState::LimiterState(std::size_t limit) noexcept : concurrency(limit) {
  destroy = [](RefCounted* p) noexcept { delete static_cast<LimiterState*>(p); };
}

void LimiterState::push(LimiterTask* task) noexcept {
  if (tail != nullptr) {
    tail->next = task;
  } else {
    head = task;
  }
  tail = task;
  ++pending;
}

void LimiterState::drain() {
  // Re-read on every turn: a task's synchronous part may add tasks, clear the queue or change
  // the concurrency.
  while (active < concurrency && head != nullptr) {
    LimiterTask* task = head;
    head = task->next;
    if (head == nullptr) tail = nullptr;
    --pending;
    ++active;
    task->start(*this);
  }
}

void LimiterState::finished() {
  --active;
  drain();
}

void LimiterState::clear(std::exception_ptr error) noexcept {
  LimiterTask* task = std::exchange(head, nullptr);
  tail = nullptr;
  pending = 0;
  while (task != nullptr) {
    LimiterTask* next = task->next;
    task->drop(error);
    task = next;
  }
}

}  // namespace detail

namespace {

void checkConcurrency(std::size_t n) {
  if (n == 0) throw RangeError("ERR_OUT_OF_RANGE", "Limiter: concurrency must be at least 1");
}

}  // namespace

Limiter::Limiter(std::size_t concurrency) : s_(nullptr) {
  checkConcurrency(concurrency);
  s_ = new detail::LimiterState(concurrency);
}

Limiter& Limiter::operator=(Limiter&& other) noexcept {
  if (this != &other) {
    Limiter old(std::move(*this));
    s_ = std::exchange(other.s_, nullptr);
  }
  return *this;
}

Limiter::~Limiter() {
  if (s_ == nullptr) return;
  if (s_->head != nullptr) {
    s_->clear(std::make_exception_ptr(AbortError("The limiter was destroyed")));
  }
  detail::release(s_);
}

void Limiter::setConcurrency(std::size_t n) {
  checkConcurrency(n);
  s_->concurrency = n;
  s_->drain();
}

void Limiter::clearQueue() noexcept {
  if (s_->head == nullptr) return;
  s_->clear(std::make_exception_ptr(AbortError("The queue was cleared")));
}

}  // namespace nx::resilience
