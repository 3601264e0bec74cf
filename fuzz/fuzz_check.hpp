// SPDX-License-Identifier: MIT
// What the fuzz targets share: stopping on a broken invariant, and a strict UTF-8 check for
// targets whose decoders promise well-formed output.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <string_view>

namespace nx::fuzz {

/// Stops the run when `ok` is false, printing `what` and up to 2,000 bytes of `detail`;
/// libFuzzer then keeps the input as a crash artifact.
inline void require(bool ok, const char* what, std::string_view detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s [%.*s]\n", what,
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  __builtin_trap();
}

/// True if `s` is well-formed UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
inline bool validUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace nx::fuzz
