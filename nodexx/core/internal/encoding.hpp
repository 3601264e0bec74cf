// SPDX-License-Identifier: MIT
// Node's text encodings (StringBytes) behind Buffer: UTF-8, hex, base64/base64url, latin1/ascii
// and UTF-16LE. Text is a JS string in its UTF-8 form, as in Buffer's API. Shared by the core's
// .cpp files; never included by public headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"

namespace nx::detail {

/// What decodeUtf8() returns for an invalid sequence.
inline constexpr char32_t kBad = 0xFFFFFFFF;

/// Decodes the sequence at s[0..n) (n > 0); `len` receives the bytes consumed. An invalid
/// sequence consumes its maximal subpart (at least one byte) and yields kBad.
char32_t decodeUtf8(const std::uint8_t* s, std::size_t n, std::size_t& len) noexcept;

/// Calls fn(unit) for each UTF-16 code unit of the JS string whose UTF-8 form is `s`.
template <class F>
void forEachUtf16Unit(std::string_view text, F&& fn) {
  auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t len;
    char32_t cp = decodeUtf8(s + i, n - i, len);
    i += len;
    if (cp == kBad) cp = 0xFFFD;
    if (cp >= 0x10000) {
      fn(static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10)));
      fn(static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF)));
    } else {
      fn(static_cast<char16_t>(cp));
    }
  }
}

/// Lowercase hex digit pairs: kHexPairs[2 * b] and kHexPairs[2 * b + 1] spell byte b.
extern const std::array<char, 512> kHexPairs;

/// Buffer::byteLength: the bytes `string` decodes to with `enc` (for base64 an upper bound).
std::size_t byteLength(std::string_view string, Encoding enc) noexcept;

/// Decodes `string` with `enc` into dst[0..dstLen) and returns the bytes written, as Node's
/// StringBytes::Write. Utf8 never splits a character.
std::size_t encodeInto(std::uint8_t* dst, std::size_t dstLen, std::string_view string,
                       Encoding enc);

/// Buffer::toString: the bytes s[0..n) encoded with `enc`, as UTF-8 text (Node's
/// StringBytes::Encode). Invalid UTF-8 and lone UTF-16 surrogates become U+FFFD.
std::string bytesToString(const std::uint8_t* s, std::size_t n, Encoding enc);

/// Buffer::parseEncoding: the Encoding named `name` (case-insensitive), or nullopt.
std::optional<Encoding> parseEncoding(std::string_view name) noexcept;

}  // namespace nx::detail
