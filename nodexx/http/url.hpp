// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"

namespace nx::http {

/// Thrown for input that is not a URL: name "TypeError", code "ERR_INVALID_URL", message
/// "Invalid URL", with the offending text in input() (and base() when one was given), as
/// Node's `new URL()` throws.
class InvalidUrlError : public SystemError {
 public:
  explicit InvalidUrlError(std::string input, std::string base = {});
  std::string_view name() const noexcept override { return "TypeError"; }
  /// The string that failed to parse.
  const std::string& input() const noexcept { return input_; }
  /// The base it was resolved against; empty when there was none.
  const std::string& base() const noexcept { return base_; }

 private:
  std::string input_;
  std::string base_;
};

/// The WHATWG URLSearchParams: an ordered list of name/value pairs parsed from and serialised
/// to application/x-www-form-urlencoded text. Names and values are UTF-8; decoding turns `+`
/// into a space, keeps malformed `%` escapes as they are and replaces invalid UTF-8 by U+FFFD.
/// A value type (copyable). Unlike Node's, the object is not live: Url::searchParams() returns
/// a snapshot, and Url::setSearchParams() writes one back.
class URLSearchParams {
 public:
  using Entry = std::pair<std::string, std::string>;

  URLSearchParams() = default;
  /// Parses `query`; one leading `?` is skipped, as `new URLSearchParams("?a=1")` does.
  explicit URLSearchParams(std::string_view query);

  /// Adds a pair at the end.
  void append(std::string_view name, std::string_view value);
  /// Removes every pair named `name`.
  void remove(std::string_view name);
  /// The first value named `name`, or nullopt (JS null).
  std::optional<std::string> get(std::string_view name) const;
  /// Every value named `name`, in order.
  std::vector<std::string> getAll(std::string_view name) const;
  /// True if a pair named `name` exists.
  bool has(std::string_view name) const;
  /// Replaces the first pair named `name` by `value` and removes the others; appends if none.
  void set(std::string_view name, std::string_view value);
  /// Stable sort by name (UTF-16 code unit order, as the standard says).
  void sort();
  /// The number of pairs.
  std::size_t size() const noexcept { return list_.size(); }
  /// The pairs in order.
  const std::vector<Entry>& entries() const noexcept { return list_; }
  /// The application/x-www-form-urlencoded serialisation (space as `+`), without `?`.
  std::string toString() const;

 private:
  std::vector<Entry> list_;
};

/// A parsed URL following the WHATWG URL Standard, as Node's `new URL(input, base)`.
///
/// All schemes parse: the special ones (http, https, ws, wss, ftp, file) with hosts, default
/// ports, dot-segment removal and backslashes as slashes; any other scheme with an opaque host
/// or an opaque path (`mailto:x`). Getters return Node's strings (protocol "https:", search
/// "?q" or "", hash "#f" or "", port "" when it is the scheme's default).
///
/// Limits and differences from Node, all documented in nodexx/http/README.md:
/// - IDNA is not implemented: a host whose (percent-decoded) name has a non-ASCII byte is
///   rejected with ERR_INVALID_URL where Node would convert it to punycode; ASCII names are
///   lower-cased, and `xn--` labels are passed through without punycode validation.
/// - Input is UTF-8; bytes of invalid UTF-8 are percent-encoded as they are (Node would see
///   U+FFFD in a JS string).
/// Copyable value type; never touches the event loop, so it may be used on any thread.
class Url {
 public:
  /// Parses `input` as an absolute URL. Throws InvalidUrlError.
  explicit Url(std::string_view input);
  /// Parses `input` relative to `base` (itself parsed first). Throws InvalidUrlError when
  /// either fails, as `new URL(input, base)`.
  Url(std::string_view input, std::string_view base);
  /// Parses `input` relative to an already parsed base.
  Url(std::string_view input, const Url& base);

  /// Like the constructors, but nullopt instead of an exception (URL.parse of newer Node).
  static std::optional<Url> parse(std::string_view input, const Url* base = nullptr);
  /// True if `input` (against `base`, if not empty) parses (URL.canParse).
  static bool canParse(std::string_view input, std::string_view base = {});

  /// The whole serialisation.
  std::string href() const;
  /// Same as href() (url.toString()).
  std::string toString() const { return href(); }
  /// "scheme://host[:port]" for http, https, ws, wss and ftp; blob: URLs give their inner
  /// URL's origin; every other scheme gives "null".
  std::string origin() const;
  /// The scheme with its colon: "https:".
  std::string protocol() const { return scheme_ + ":"; }
  /// The scheme without the colon, lower-case: "https".
  const std::string& scheme() const noexcept { return scheme_; }
  /// Percent-encoded user name, or "".
  const std::string& username() const noexcept { return username_; }
  /// Percent-encoded password, or "".
  const std::string& password() const noexcept { return password_; }
  /// hostname() plus ":port" when the port is not the default.
  std::string host() const;
  /// The serialised host: a lower-case domain, dotted IPv4, bracketed IPv6, or "".
  std::string hostname() const { return host_.value_or(std::string()); }
  /// The port as text, "" when absent or the scheme's default.
  std::string port() const;
  /// The port number, or nullopt when absent or the scheme's default.
  std::optional<std::uint16_t> portNumber() const noexcept { return port_; }
  /// The port to connect to: portNumber(), else the scheme's default (80 for http/ws, 443 for
  /// https/wss, 21 for ftp), else 0.
  std::uint16_t effectivePort() const noexcept;
  /// The path: "/a/b" for hierarchical URLs, the opaque text for `mailto:` and the like.
  std::string pathname() const;
  /// "?query" or "" (also for an empty query).
  std::string search() const;
  /// "#fragment" or "" (also for an empty fragment).
  std::string hash() const;
  /// pathname() + search(): the request target an HTTP client sends (Node's `path` option of
  /// http.request and the `path` of the legacy url.parse()).
  std::string path() const { return pathname() + search(); }
  /// The query parsed as application/x-www-form-urlencoded (a snapshot; see URLSearchParams).
  URLSearchParams searchParams() const;
  /// True for http, https, ws, wss, ftp and file.
  bool isSpecial() const noexcept;
  /// True for a bracketed IPv6 host.
  bool hasIpv6Host() const noexcept { return host_ && !host_->empty() && (*host_)[0] == '['; }

  /// Replaces the query as the `search` setter does: a leading `?` is dropped, the rest is
  /// percent-encoded; "" removes it.
  void setSearch(std::string_view search);
  /// Replaces the query with the serialisation of `params` ("" when empty).
  void setSearchParams(const URLSearchParams& params);
  /// Replaces the fragment as the `hash` setter does: a leading `#` is dropped; "" removes it.
  void setHash(std::string_view hash);

  friend bool operator==(const Url& a, const Url& b) { return a.href() == b.href(); }

 private:
  Url() = default;
  friend class UrlParser;

  std::string scheme_;
  std::string username_;
  std::string password_;
  std::optional<std::string> host_;
  std::optional<std::uint16_t> port_;
  bool opaquePath_ = false;
  std::vector<std::string> path_;  // segments; one element holding the text when opaque
  std::optional<std::string> query_;
  std::optional<std::string> fragment_;
};

/// A request target split at its first `?`: `"/a/b?x=1"` gives path "/a/b" and query "x=1";
/// hasQuery tells "/a?" from "/a". Views into the argument; no decoding, no normalisation.
/// This is the fast split a server needs for routing before (or instead of) a full parse.
struct TargetParts {
  std::string_view path;
  std::string_view query;
  bool hasQuery = false;
};
TargetParts splitTarget(std::string_view target) noexcept;

/// Percent-decodes `s` (no `+` handling): valid `%XX` escapes become bytes, malformed ones
/// stay as they are. The result is bytes; no UTF-8 validation.
std::string percentDecode(std::string_view s);

}  // namespace nx::http
