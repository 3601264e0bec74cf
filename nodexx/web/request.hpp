// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/web/middleware.hpp"
#include "nodexx/web/multipart.hpp"

namespace nx::stream {
template <class T>
class Readable;
}  // namespace nx::stream

namespace nx::web {

struct AppOptions;

namespace detail {
class Exchange;
struct Context;
}  // namespace detail

/// The route parameters of the current layer (Express's `req.params`), decoded with
/// decodeURIComponent. With `mergeParams` a mounted router also sees its parent's parameters
/// (its own win on a name clash). A wildcard (`*splat`) value is the matched text ("a/b/c");
/// segments() splits it as Express 5's array.
///
/// Views are valid until the request ends (the Request's lifetime). Not thread-safe.
class Params {
 public:
  struct Entry {
    std::string_view name{};
    std::string_view value{};
    bool wildcard = false;
  };
  /// The value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  /// The value of `name`, or "" when absent.
  std::string_view operator[](std::string_view name) const noexcept {
    return get(name).value_or(std::string_view());
  }
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  /// The segments of a wildcard parameter (Express 5 gives `req.params.splat` as an array);
  /// for a plain parameter, a one-element list. Allocates.
  std::vector<std::string> segments(std::string_view name) const;
  std::size_t size() const noexcept { return end_ - begin_; }
  bool empty() const noexcept { return size() == 0; }
  const Entry* begin() const noexcept;
  const Entry* end() const noexcept;

 private:
  friend class detail::Dispatch;
  friend struct detail::Context;
  const std::vector<Entry>* all_ = nullptr;
  std::uint32_t begin_ = 0;
  std::uint32_t end_ = 0;
};

/// The cookies of a request (`req.cookies()` / `req.signedCookies()`): name → decoded value,
/// first occurrence wins (cookie-parser). Views valid for the request's lifetime.
class Cookies {
 public:
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::string_view operator[](std::string_view name) const noexcept {
    return get(name).value_or(std::string_view());
  }
  bool has(std::string_view name) const noexcept { return get(name).has_value(); }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  auto begin() const noexcept { return entries_.begin(); }
  auto end() const noexcept { return entries_.end(); }
  /// Adds a cookie (parsers use this; the first value of a name wins on lookup).
  void add(std::string name, std::string value);
  void clear() noexcept { entries_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

/// The request side of one exchange (Express's `req`). Created by the App for each request;
/// protocol-neutral (HTTP/1.1 today, the in-memory exchange of testing::inject).
///
/// Lifetime: a `Request&` handed to a handler stays valid until the request has been handled:
/// the response ended (or the connection closed) and every handler's promise has settled. Do
/// not keep it, or views from it, after that. Every string_view returned below is valid for
/// that whole lifetime unless stated otherwise. Thread: the loop thread of the server.
class Request {
 public:
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  // ---- The request line ----------------------------------------------------------------------
  /// The method in upper case ("GET").
  std::string_view method() const noexcept;
  /// The URL relative to the current mount point, with its query ("/users/7?x=1" inside
  /// `app.use("/api", router)` for "/api/users/7?x=1"); always starts with "/".
  std::string_view url() const;
  /// The path part of url() (no query).
  std::string_view path() const noexcept;
  /// The request target as received, never rewritten by mounting.
  std::string_view originalUrl() const noexcept;
  /// The path the current router is mounted at ("/api"; "" at the top level).
  std::string_view baseUrl() const noexcept;
  /// "1.1" (HTTP/1.1).
  std::string_view httpVersion() const noexcept;

  // ---- Parameters and query ------------------------------------------------------------------
  /// The route parameters of the current layer. A malformed percent-escape in a parameter
  /// makes the route fail with 400 `invalid_param_encoding` before any handler runs.
  const Params& params() const noexcept;
  /// params()[name]: "" when absent.
  std::string_view param(std::string_view name) const noexcept;
  /// The parsed query string (Express's `req.query`), an object, parsed on first use with the
  /// app's query parser: simple (default; Node's querystring: values are strings, a repeated
  /// key an array of strings), extended (qs: nested objects and arrays), or none (always {}).
  const json::Value& query();
  /// The first value of query key `name` (simple parser: the string; repeated: the first).
  std::optional<std::string_view> query(std::string_view name);

  // ---- Headers -------------------------------------------------------------------------------
  /// The first header field named `name` (case-insensitive); "Referer" and "Referrer" are
  /// interchangeable (Express's req.get()).
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  /// Same as get().
  std::optional<std::string_view> header(std::string_view name) const noexcept { return get(name); }
  /// Every field of the request as received (name as sent, value).
  std::size_t headerCount() const noexcept;
  std::pair<std::string_view, std::string_view> headerAt(std::size_t i) const noexcept;

  /// The best match of the request's Content-Type among `types` (type-is: "json",
  /// "application/*", "+json", "text/html"), as the entry of `types` that matched; nullopt
  /// when none matches or the request has no body.
  std::optional<std::string_view> is(std::initializer_list<std::string_view> types) const;
  std::optional<std::string_view> is(std::string_view type) const { return is({type}); }
  /// True when the request has a body (Transfer-Encoding, or Content-Length other than 0).
  bool hasBody() const noexcept;
  /// The Content-Type field ("" when absent).
  std::string_view contentType() const noexcept;

  /// Content negotiation (negotiator's rules): the best of `offers` for Accept, or nullopt.
  /// Offers may be extensions ("json", "html") or types. With no Accept field, the first offer.
  std::optional<std::string_view> accepts(std::initializer_list<std::string_view> offers) const;
  std::optional<std::string_view> accepts(std::string_view offer) const { return accepts({offer}); }
  std::optional<std::string_view> acceptsEncodings(
      std::initializer_list<std::string_view> offers) const;
  std::optional<std::string_view> acceptsCharsets(
      std::initializer_list<std::string_view> offers) const;
  std::optional<std::string_view> acceptsLanguages(
      std::initializer_list<std::string_view> offers) const;

  // ---- Cookies -------------------------------------------------------------------------------
  /// Unsigned cookies from the Cookie field, parsed on first use (cookie-parser; `j:` values
  /// are kept as text). Signed cookies (`s:` prefix) that verify are in signedCookies()
  /// instead; those that fail are absent from both.
  const Cookies& cookies();
  /// Cookies whose `s:` signature verifies with one of AppOptions::cookieSecrets.
  const Cookies& signedCookies();

  // ---- Connection ----------------------------------------------------------------------------
  /// The client address: the peer address, or with `trust proxy` the right-most untrusted
  /// X-Forwarded-For entry (proxy-addr).
  std::string_view ip();
  /// With `trust proxy`: the X-Forwarded-For chain, client first (Express's req.ips); else {}.
  std::span<const std::string> ips();
  /// The Host (or, when the peer is trusted, X-Forwarded-Host) without the port.
  std::string_view hostname() const noexcept;
  /// The Host field as sent (with port; Express 5's req.host).
  std::string_view host() const noexcept;
  /// "https" for TLS connections, or the trusted X-Forwarded-Proto; else "http".
  std::string_view protocol() const noexcept;
  /// protocol() == "https".
  bool secure() const noexcept { return protocol() == "https"; }
  /// X-Requested-With is "XMLHttpRequest" (case-insensitive).
  bool xhr() const noexcept;
  /// Conditional GET/HEAD check against the response's ETag/Last-Modified so far (fresh).
  bool fresh() const;
  bool stale() const { return !fresh(); }

  // ---- Body ----------------------------------------------------------------------------------
  /// The parsed body (Express's `req.body`): null until a body parser ran (and after one that
  /// skipped the request), else what it produced (object for json/urlencoded/multipart fields,
  /// string for text, ...).
  const json::Value& body() const noexcept;
  json::Value& body() noexcept;
  /// Maps body() onto T (a struct with NX_JSON). Throws HttpError 400 `validation_failed`
  /// with `errors: [{path, message}]` when it does not fit.
  template <class T>
  T bodyAs() const;
  /// Set by a body parser once it consumed the body (body-parser's `req._body`): later
  /// parsers skip the request.
  bool bodyParsed() const noexcept;
  void setBodyParsed(bool parsed = true) noexcept;
  /// The raw body, chunk by chunk (nullopt at the end); see http::IncomingMessage::read().
  Promise<std::optional<Buffer>> read();
  /// The raw body as a Readable (created on first use; one interface per request).
  std::shared_ptr<stream::Readable<Buffer>> stream();
  /// The body limit of this request (bytes; 0 = unlimited). Lowering it before the body
  /// arrives makes the transport stop early with 413.
  void setMaxBodyBytes(std::uint64_t n) noexcept;
  std::uint64_t maxBodyBytes() const noexcept;
  /// Files of a multipart body (mw::multipart fills it), in arrival order.
  std::vector<UploadedFile>& files() noexcept;
  const std::vector<UploadedFile>& files() const noexcept;

  // ---- Misc ----------------------------------------------------------------------------------
  /// The request id: X-Request-Id when it is 1..128 characters of [A-Za-z0-9._:-], else a
  /// generated one (a per-process random prefix and a counter; unique, not secret).
  std::string_view id();
  /// Per-request values for later middleware (shared with Response::locals).
  Locals& locals() noexcept;
  /// The response of this exchange (Express's req.res).
  Response& res() noexcept;
  /// The settings of the app handling the request: inside a mounted App, that App's
  /// (Express's req.app).
  const AppOptions& settings() const noexcept;
  /// The underlying exchange (for transports and the framework's own modules).
  detail::Exchange& exchange() noexcept;

 private:
  friend struct detail::Context;
  friend class detail::Dispatch;
  explicit Request(detail::Context& c) noexcept : c_(c) {}
  [[noreturn]] static void throwMapping(const std::exception& e);
  detail::Context& c_;
};

}  // namespace nx::web

#include "nodexx/web/request_impl.hpp"  // IWYU pragma: export
