// SPDX-License-Identifier: MIT
// Pieces of the WHATWG URL parser shared by url.cpp and url_host.cpp: character sets, percent
// encoding and the host parser. Never included by public headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nx::http::detail {

/// The percent-encode sets of the URL Standard, from smallest to largest.
enum class EncodeSet : std::uint8_t {
  C0Control,       // C0 controls and bytes above 0x7E
  Fragment,        // + space " < > `
  Query,           // C0 + space " # < >
  SpecialQuery,    // Query + '
  Path,            // Query + ? ` { }
  Userinfo,        // Path + / : ; = @ [ \ ] ^ |
  Component,       // Userinfo + $ % & + ,
  FormUrlencoded,  // Component + ! ' ( ) ~
};

/// True if byte `c` is in `set`.
bool inEncodeSet(unsigned char c, EncodeSet set) noexcept;

/// Appends `c` to `out`, as %XX (upper-case hex) when it is in `set`.
void appendEncoded(std::string& out, unsigned char c, EncodeSet set);

/// Appends every byte of `s` to `out`, percent-encoding those in `set`.
void appendEncoded(std::string& out, std::string_view s, EncodeSet set);

/// Value of a hex digit, or -1.
int hexValue(unsigned char c) noexcept;

/// The host parser: `input` is the text between the authority's `@` (or `//`) and the port.
/// Returns the serialised host (bracketed IPv6, dotted IPv4, lower-case domain, or the
/// percent-encoded opaque host when `isOpaque`), or nullopt on failure.
std::optional<std::string> parseHost(std::string_view input, bool isOpaque);

}  // namespace nx::http::detail

namespace nx::http::detail {

/// The UTF-16 code units of the JS string whose UTF-8 form is `s` (invalid UTF-8 becomes
/// U+FFFD, as a JS string built from such bytes would hold).
std::u16string toUtf16(std::string_view s);

}  // namespace nx::http::detail
