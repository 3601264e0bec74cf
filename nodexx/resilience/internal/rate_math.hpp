// SPDX-License-Identifier: MIT
// Integer helpers shared by the rate-limit algorithms (token_bucket.cpp, rate_limit_windows.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "nodexx/core/errors.hpp"
#include "nodexx/resilience/rate_limit.hpp"

namespace nx::resilience::internal {

/// The largest scaled quantity (capacity in units, limit times window) an algorithm accepts,
/// so that sums of two or three of them, and a time plus one of them, stay inside int64.
inline constexpr std::int64_t kMaxScaled = std::int64_t{1} << 61;

inline std::int64_t clampTime(std::int64_t ms) noexcept {
  return std::clamp(ms, kMinTimeMs, kMaxTimeMs);
}

/// `later - earlier` for later ≥ earlier, exact while the difference is below 2^64 (two clamped
/// times, or a clamped time and a window start at most 2^61 before a clamped time), where the
/// signed difference could overflow.
inline std::uint64_t elapsedMs(std::int64_t later, std::int64_t earlier) noexcept {
  return static_cast<std::uint64_t>(later) - static_cast<std::uint64_t>(earlier);
}

/// A positive int64 as uint64, for comparisons with elapsedMs.
inline std::uint64_t unsignedOf(std::int64_t v) noexcept { return static_cast<std::uint64_t>(v); }

/// ⌈a / b⌉ for a ≥ 0, b > 0.
inline std::int64_t ceilDiv(std::int64_t a, std::int64_t b) noexcept {
  return a / b + (a % b != 0);
}

inline void checkCount(std::int64_t n, const char* who) {
  if (n < 0) throw RangeError("ERR_OUT_OF_RANGE", std::string(who) + ": n must be >= 0");
}

inline void checkConfig(bool ok, const char* who, const char* what) {
  if (!ok) throw RangeError("ERR_OUT_OF_RANGE", std::string(who) + ": " + what);
}

/// a·b when it is at most kMaxScaled (a, b ≥ 0); -1 otherwise.
inline std::int64_t scaledProduct(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > kMaxScaled) return -1;
  return r;
}

}  // namespace nx::resilience::internal
