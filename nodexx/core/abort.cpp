// SPDX-License-Identifier: MIT
#include "nodexx/core/abort.hpp"

#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/timers.hpp"

namespace nx {
namespace detail {

struct AbortState {
  bool aborted = false;
  std::exception_ptr reason;
  ListenerId nextId = 1;
  std::vector<std::pair<ListenerId, MoveFunction<void()>>> listeners;

  void abort(std::exception_ptr why) {
    if (aborted) return;
    aborted = true;
    // The default reason is the DOMException Node creates, whose message differs from the
    // AbortError that Node's own APIs (timers/promises, fs) reject with.
    reason =
        why ? std::move(why) : std::make_exception_ptr(AbortError("This operation was aborted"));
    auto run = std::move(listeners);
    listeners.clear();
    for (auto& [id, fn] : run) {
      try {
        fn();
      } catch (...) {
        reportUncaught(std::current_exception());
      }
    }
  }
};

}  // namespace detail

bool AbortSignal::aborted() const noexcept { return s_ && s_->aborted; }

std::exception_ptr AbortSignal::reason() const noexcept { return s_ ? s_->reason : nullptr; }

void AbortSignal::throwIfAborted() const {
  if (aborted()) std::rethrow_exception(s_->reason);
}

ListenerId AbortSignal::onAbort(MoveFunction<void()> fn) const {
  if (!s_ || s_->aborted) return 0;
  ListenerId id = s_->nextId++;
  s_->listeners.emplace_back(id, std::move(fn));
  return id;
}

bool AbortSignal::off(ListenerId id) const {
  if (!s_) return false;
  auto& ls = s_->listeners;
  for (auto it = ls.begin(); it != ls.end(); ++it) {
    if (it->first == id) {
      ls.erase(it);
      return true;
    }
  }
  return false;
}

AbortSignal AbortSignal::abort(std::exception_ptr reason) {
  auto s = std::make_shared<detail::AbortState>();
  s->abort(std::move(reason));
  return AbortSignal(std::move(s));
}

AbortSignal AbortSignal::timeout(double ms) {
  auto s = std::make_shared<detail::AbortState>();
  std::weak_ptr<detail::AbortState> weak = s;
  setTimeout(
      [weak] {
        if (auto st = weak.lock()) st->abort(std::make_exception_ptr(TimeoutError()));
      },
      ms)
      .unref();
  return AbortSignal(std::move(s));
}

AbortSignal AbortSignal::any(const std::vector<AbortSignal>& signals) {
  auto s = std::make_shared<detail::AbortState>();
  for (const AbortSignal& src : signals) {
    if (src.aborted()) {
      s->abort(src.reason());
      return AbortSignal(std::move(s));
    }
  }
  std::weak_ptr<detail::AbortState> weak = s;
  for (const AbortSignal& src : signals) {
    src.onAbort([weak, from = std::weak_ptr<detail::AbortState>(src.s_)] {
      auto st = weak.lock();
      auto origin = from.lock();
      if (st && origin) st->abort(origin->reason);
    });
  }
  return AbortSignal(std::move(s));
}

AbortController::AbortController() : signal_(std::make_shared<detail::AbortState>()) {}

void AbortController::abort(std::exception_ptr reason) { signal_.s_->abort(std::move(reason)); }

}  // namespace nx
