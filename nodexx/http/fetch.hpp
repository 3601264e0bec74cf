// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/stream/readable.hpp"

namespace nx::http {

class Agent;
class IncomingResponse;

/// What fetch() does with a 3xx response that has a Location field.
enum class RedirectMode : unsigned char {
  /// Return the 3xx response as it is (the default, as Node's http module). Browsers' fetch
  /// follows by default because a page cannot see redirects otherwise; a server-side client
  /// should see them (SSRF checks, credentials, retries), so following is opt-in here.
  Manual,
  /// Follow up to maxRedirects hops (301/302 turn POST into GET, 303 turns anything but HEAD
  /// into GET, 307/308 keep method and body; Authorization and Cookie are dropped when the
  /// origin changes, as the fetch standard says).
  Follow,
  /// Fail with ERR_FETCH_REDIRECT "unexpected redirect".
  Error,
};

/// The default body limit of fetch(): 64 MiB of decoded bytes (the same bound as zlib's
/// default maxOutputLength, so a compressed bomb is stopped at the same size).
inline constexpr std::uint64_t kDefaultFetchMaxResponseBytes = std::uint64_t{64} << 20;

/// Options of fetch() (the fetch standard's RequestInit, plus client limits). A non-aggregate
/// (it has a constructor), so a temporary is safe in a co_await expression with g++ 12:
/// `http::FetchInit init; init.method = "POST"; init.body = Buffer::from(json);`.
class FetchInit {
 public:
  FetchInit() {}  // user-provided: makes the class a non-aggregate (see above)

  std::string method = "GET";
  Headers headers;
  /// The request body, sent with Content-Length; none when empty.
  std::optional<Buffer> body;
  AbortSignal signal;
  RedirectMode redirect = RedirectMode::Manual;
  /// Hops followed at most with RedirectMode::Follow (the fetch standard's 20); one more
  /// fails with ERR_FETCH_REDIRECT "redirect count exceeded".
  int maxRedirects = 20;
  /// Send "Accept-Encoding: gzip, deflate, br" (unless the headers name one) and decode gzip,
  /// deflate and br bodies, as Node's fetch does. false: bytes as received.
  bool decompress = true;
  /// Socket idle timeout (RequestOptions::timeout). 0: none.
  std::chrono::milliseconds timeout{0};
  /// Total time for the request, every redirect and the body (TimeoutError). 0: none.
  std::chrono::milliseconds deadline{0};
  /// Decoded body bytes that text()/buffer() accept (ERR_HTTP_RESPONSE_TOO_LARGE) and that a
  /// decoder emits (ERR_BUFFER_TOO_LARGE on body()). 0: unlimited.
  std::uint64_t maxResponseBytes = kDefaultFetchMaxResponseBytes;
  /// Connection pool; null: Agent::global().
  Agent* agent = nullptr;
  /// TLS verification (on by default) and extra CA certificates (PEM).
  bool rejectUnauthorized = true;
  std::string ca;
};

/// The result of fetch(), as the fetch standard's Response. A value type: copies share the
/// body stream, which can be read once (text(), buffer() or body()).
class Response {
 public:
  /// The status code.
  int status() const noexcept { return status_; }
  /// The reason phrase ("OK").
  const std::string& statusText() const noexcept { return statusText_; }
  /// True for a status in 200..299.
  bool ok() const noexcept { return status_ >= 200 && status_ <= 299; }
  /// The response fields (Content-Encoding stays even when the body was decoded).
  const Headers& headers() const noexcept { return headers_; }
  /// The final URL, after redirects.
  const std::string& url() const noexcept { return url_; }
  /// True if a redirect was followed.
  bool redirected() const noexcept { return redirected_; }
  /// The (decoded) body stream. Reading it elsewhere makes text()/buffer() see the rest only.
  std::shared_ptr<stream::Readable<Buffer>> body() const noexcept { return body_; }
  /// True once text(), buffer() or arrayBuffer-style reading started.
  bool bodyUsed() const noexcept { return *used_; }
  /// The whole body as UTF-8 text (invalid sequences become U+FFFD, as fetch decodes).
  /// Rejects with the body stream's error, ERR_HTTP_RESPONSE_TOO_LARGE past the limit, or
  /// ERR_INVALID_STATE "Body is unusable" when the body was already used.
  [[nodiscard]] Promise<std::string> text() const;
  /// The whole body as bytes (fetch's arrayBuffer()); errors as text().
  [[nodiscard]] Promise<Buffer> buffer() const;

  /// For fetch().
  Response(std::shared_ptr<IncomingResponse> raw, std::shared_ptr<stream::Readable<Buffer>> body,
           std::string url, bool redirected, std::uint64_t limit);

 private:
  int status_ = 0;
  std::string statusText_;
  Headers headers_;
  std::string url_;
  bool redirected_ = false;
  std::uint64_t limit_ = 0;
  std::shared_ptr<IncomingResponse> raw_;
  std::shared_ptr<stream::Readable<Buffer>> body_;
  std::shared_ptr<bool> used_;
};

/// A fetch-style request: `auto res = co_await http::fetch(url); auto s = co_await res.text();`.
/// Resolves once the response head arrived (after redirects, when following); the body
/// streams afterwards. Rejects as http::request() does (ECONNREFUSED, ECONNRESET "socket hang
/// up", ETIMEDOUT, TimeoutError, AbortError, HPE_*, ERR_INVALID_URL, ERR_INVALID_PROTOCOL)
/// plus ERR_FETCH_REDIRECT. An HTTP error status is not a rejection: check ok(). Must be
/// called on a loop thread.
[[nodiscard]] Promise<Response> fetch(std::string url, FetchInit init = FetchInit());

}  // namespace nx::http
