// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <type_traits>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"

namespace nx {

namespace detail {
Promise<> sleepMs(double ms, AbortSignal signal);
}

/// Resolves after `ms` milliseconds (timers/promises setTimeout; same delay coercion as
/// setTimeout). If `signal` aborts first, the timer is cleared and the promise rejects with an
/// AbortError; an already aborted signal rejects at once.
/// `ms` may be any arithmetic type (a template so that it wins over POSIX ::sleep(unsigned)
/// when `using namespace nx` is in effect).
template <class N>
  requires std::is_arithmetic_v<N>
Promise<> sleep(N ms, AbortSignal signal = {}) {
  return detail::sleepMs(static_cast<double>(ms), std::move(signal));
}

template <class Rep, class Period>
Promise<> sleep(std::chrono::duration<Rep, Period> d, AbortSignal signal = {}) {
  return detail::sleepMs(std::chrono::duration<double, std::milli>(d).count(), std::move(signal));
}

}  // namespace nx
