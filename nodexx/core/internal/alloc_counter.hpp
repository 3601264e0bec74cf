// SPDX-License-Identifier: MIT
// Test support for the hot-path rule (nothing allocated per request or per event): counts the
// global operator new calls this thread makes while counting is on.
//
// Counting needs the replaceable global allocation functions replaced, and a program may
// replace them once: exactly one translation unit of a test binary defines
// NX_REPLACE_OPERATOR_NEW before including this header; every other one includes it plainly.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace nx::testing {

namespace detail {
inline thread_local bool countingAllocations = false;
inline thread_local std::size_t allocationCount = 0;
}  // namespace detail

/// Counts, from zero, the global operator new calls (all forms but the aligned ones) that this
/// thread makes until stopCountingAllocations().
inline void startCountingAllocations() noexcept {
  detail::allocationCount = 0;
  detail::countingAllocations = true;
}

/// Stops counting on this thread; returns the allocations made since startCountingAllocations().
inline std::size_t stopCountingAllocations() noexcept {
  detail::countingAllocations = false;
  return detail::allocationCount;
}

/// The allocations `fn()` makes on this thread.
template <class F>
std::size_t countAllocations(F&& fn) {
  startCountingAllocations();
  fn();
  return stopCountingAllocations();
}

/// Whether this binary's operator new is the counting one (false when the translation unit
/// that defines NX_REPLACE_OPERATOR_NEW is missing, or a sanitizer's took precedence): a test
/// asserts it before it trusts a count of zero.
inline bool allocationsAreCounted() {
  startCountingAllocations();
  // A direct call: the optimiser may drop a new-expression paired with its delete, not this.
  ::operator delete(::operator new(1));
  return stopCountingAllocations() == 1;
}

}  // namespace nx::testing

#ifdef NX_REPLACE_OPERATOR_NEW
void* operator new(std::size_t n) {
  if (nx::testing::detail::countingAllocations) ++nx::testing::detail::allocationCount;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (nx::testing::detail::countingAllocations) ++nx::testing::detail::allocationCount;
  return std::malloc(n == 0 ? 1 : n);
}
// Every form that pairs with the ones above is replaced too: under ASan a mix of ours and the
// sanitizer's would be reported as an alloc/dealloc mismatch.
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif
