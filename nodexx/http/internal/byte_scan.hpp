// SPDX-License-Identifier: MIT
// Byte searches for the short strings of a request head, where a libc call costs more than
// the scan itself: sixteen bytes at a time with SSE2 where the target has it, else eight at a
// time in a 64-bit word ("SIMD within a register"). Never included by public headers.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nx::http::detail::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

/// The eight bytes at `p` (unaligned).
inline std::uint64_t load(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

/// 0x80 in each byte of `x` that equals `c`, 0 elsewhere: exact, unlike the shorter
/// has-zero-byte test whose borrow can mark a byte above a match.
inline std::uint64_t matches(std::uint64_t x, char c) noexcept {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  const std::uint64_t v = x ^ (kOnes * static_cast<unsigned char>(c));
  return ~(((v & kLow7) + kLow7) | v | kLow7);
}

/// The index of the first byte marked in `mask` (non-zero) in memory order.
inline unsigned first(std::uint64_t mask) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<unsigned>(std::countr_zero(mask)) / 8;
  } else {
    return static_cast<unsigned>(std::countl_zero(mask)) / 8;
  }
}

/// `mask` without its first marked byte.
inline std::uint64_t dropFirst(std::uint64_t mask) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    return mask & (mask - 1);
  } else {
    return mask & ~(std::uint64_t{0x80} << (56 - 8 * first(mask)));
  }
}

/// `mask` without the marks of its first `n` bytes (n < 8) in memory order.
inline std::uint64_t dropBytes(std::uint64_t mask, unsigned n) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    return mask & (~std::uint64_t{0} << (8 * n));
  } else {
    return mask & (~std::uint64_t{0} >> (8 * n));
  }
}

/// Calls `visit(q)` for every q in [begin, end) where *q == c, in order, until a call returns
/// true; returns whether one did. Reads only inside [begin, end).
template <class Visit>
bool findEach(const char* begin, const char* end, char c, Visit visit) {
  const char* p = begin;
#if defined(__SSE2__)
  if (end - begin >= 16) {
    const __m128i needle = _mm_set1_epi8(c);
    auto marks = [&needle](const char* at) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
      return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(block, needle)));
    };
    for (; end - p >= 16; p += 16) {
      for (unsigned m = marks(p); m != 0; m &= m - 1) {
        if (visit(p + std::countr_zero(m))) return true;
      }
    }
    if (p == end) return false;
    // The last block, overlapping bytes already seen: their marks are dropped.
    const char* last = end - 16;
    for (unsigned m = marks(last) & (~0U << (p - last)); m != 0; m &= m - 1) {
      if (visit(last + std::countr_zero(m))) return true;
    }
    return false;
  }
#endif
  for (; end - p >= 8; p += 8) {
    for (std::uint64_t m = matches(load(p), c); m != 0; m = dropFirst(m)) {
      if (visit(p + first(m))) return true;
    }
  }
  if (p == end) return false;
  if (end - begin >= 8) {
    const char* last = end - 8;
    std::uint64_t m = dropBytes(matches(load(last), c), static_cast<unsigned>(p - last));
    for (; m != 0; m = dropFirst(m)) {
      if (visit(last + first(m))) return true;
    }
    return false;
  }
  for (; p != end; ++p) {
    if (*p == c && visit(p)) return true;
  }
  return false;
}

}  // namespace nx::http::detail::scan
