// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

/// URL and HTML escaping as Express uses them: `encodeurl` (Location headers, redirects) and
/// `escape-html` (the HTML bodies of redirects and error pages). Pure functions, any thread.
namespace nx::web {

/// encodeurl: percent-encodes every byte of `url` that may not appear in a URL, leaving
/// already-encoded `%XX` sequences, reserved characters (`;/?:@&=+$,#`) and the URL
/// punctuation `!'()*-._~[]^|` and `\` alone. A `%` not followed by two hex digits becomes `%25`.
/// Bytes that are not valid UTF-8 are encoded as U+FFFD (`%EF%BF%BD`), as the package does
/// for a lone surrogate. Never throws.
std::string encodeUrl(std::string_view url);

/// Appends encodeUrl(url) to `out` (no temporary string).
void appendEncodedUrl(std::string& out, std::string_view url);

/// JavaScript's encodeURIComponent(text): every byte except A-Z a-z 0-9 - _ . ! ~ * ' ( ) is
/// percent-encoded (upper-case hex). Invalid UTF-8 is encoded as U+FFFD (`%EF%BF%BD`), where
/// JavaScript would throw on a lone surrogate. Never throws.
std::string encodeURIComponent(std::string_view text);

/// JavaScript's decodeURIComponent(text): `%XX` escapes decoded as UTF-8; nullopt where
/// JavaScript throws URIError (a `%` without two hex digits, escapes that are not valid UTF-8,
/// overlong forms or surrogates). Bytes outside escapes are copied unchanged.
std::optional<std::string> decodeURIComponent(std::string_view text);

/// escape-html: replaces `"` `&` `'` `<` `>` by `&quot;` `&amp;` `&#39;` `&lt;` `&gt;`.
/// Never throws.
std::string escapeHtml(std::string_view text);

/// Appends escapeHtml(text) to `out` (no temporary string).
void appendEscapedHtml(std::string& out, std::string_view text);

}  // namespace nx::web
