// SPDX-License-Identifier: MIT
#include "nodexx/http/fetch.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/client.hpp"
#include "nodexx/http/internal/client_errors.hpp"
#include "nodexx/http/url.hpp"
#include "nodexx/zlib/zlib_stream.hpp"

namespace nx::http {
namespace {

using detail::client_errc::kRedirect;

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// The decoder for a single content coding, or null for none / an unknown or stacked coding
// (those bodies are handed over as received).
std::shared_ptr<zlib::ZlibBase> decoderFor(std::string_view coding, std::uint64_t limit) {
  std::string c = lower(coding);
  while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.pop_back();
  while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.erase(0, 1);
  const std::size_t max = limit ? static_cast<std::size_t>(limit) : zlib::kUnlimited;
  if (c == "gzip" || c == "x-gzip") {
    zlib::Options o;
    o.maxOutputLength = max;
    // Servers often end gzip bodies without the trailer: accept them as browsers do.
    o.finishFlush = zlib::Flush::SyncFlush;
    return zlib::createGunzip(o);
  }
  if (c == "deflate") {
    zlib::Options o;
    o.maxOutputLength = max;
    o.finishFlush = zlib::Flush::SyncFlush;
    return zlib::createInflate(o);
  }
  if (c == "br") {
    zlib::BrotliOptions o;
    o.maxOutputLength = max;
    return zlib::createBrotliDecompress(o);
  }
  return nullptr;
}

Promise<Buffer> readBody(std::shared_ptr<stream::Readable<Buffer>> body,
                         std::shared_ptr<IncomingResponse> raw, std::shared_ptr<bool> used,
                         std::uint64_t limit) {
  (void)raw;  // keeps the response (and so the connection's bookkeeping) alive while reading
  if (*used) throw SystemError("ERR_INVALID_STATE", "Body is unusable: Body has already been read");
  *used = true;
  std::vector<Buffer> chunks;
  std::uint64_t total = 0;
  try {
    while (auto chunk = co_await body->read()) {
      total += chunk->size();
      if (limit && total > limit) {
        body->destroy();
        std::rethrow_exception(detail::responseTooLarge(limit));
      }
      chunks.push_back(std::move(*chunk));
    }
  } catch (const SystemError& e) {
    if (e.code() == "ERR_BUFFER_TOO_LARGE") std::rethrow_exception(detail::responseTooLarge(limit));
    throw;
  }
  co_return Buffer::concat(std::span<const Buffer>(chunks));
}

}  // namespace

Response::Response(std::shared_ptr<IncomingResponse> raw,
                   std::shared_ptr<stream::Readable<Buffer>> body, std::string url, bool redirected,
                   std::uint64_t limit)
    : status_(raw->statusCode()),
      statusText_(raw->statusMessage()),
      headers_(raw->headers()),
      url_(std::move(url)),
      redirected_(redirected),
      limit_(limit),
      raw_(std::move(raw)),
      body_(std::move(body)),
      used_(std::make_shared<bool>(false)) {}

Promise<Buffer> Response::buffer() const { return readBody(body_, raw_, used_, limit_); }

Promise<std::string> Response::text() const {
  return readBody(body_, raw_, used_, limit_).then([](Buffer& b) { return b.toString(); });
}

Promise<Response> fetch(std::string url, FetchInit init) {
  Url current(url);
  std::string method = init.method;
  Headers headers = init.headers;
  std::optional<Buffer> body = init.body;
  if (init.decompress && !headers.has("accept-encoding")) {
    headers.set("Accept-Encoding", "gzip, deflate, br");
  }
  AbortSignal signal = init.signal;
  if (init.deadline.count() > 0) {
    auto timeout = AbortSignal::timeout(static_cast<double>(init.deadline.count()));
    signal = signal ? AbortSignal::any({signal, timeout}) : timeout;
  }
  bool redirected = false;
  for (int hops = 0;; ++hops) {
    RequestOptions o(current.href());
    o.method = method;
    o.headers = headers;
    o.agent = init.agent;
    o.timeout = init.timeout;
    o.signal = signal;
    o.rejectUnauthorized = init.rejectUnauthorized;
    o.ca = init.ca;
    if (!init.decompress) o.maxResponseBytes = init.maxResponseBytes;
    auto req = request(o);
    if (body && !body->empty()) {
      req->end(*body);
    } else {
      req->end();
    }
    auto res = co_await req->response();
    auto location = res->headers().get("location");
    if (init.redirect != RedirectMode::Manual && isRedirect(res->statusCode()) && location) {
      if (init.redirect == RedirectMode::Error) {
        res->destroy();
        throw SystemError(std::string(kRedirect), "unexpected redirect");
      }
      if (hops >= init.maxRedirects) {
        res->destroy();
        throw SystemError(std::string(kRedirect), "redirect count exceeded");
      }
      Url next(*location, current);
      res->resume();  // drain the redirect's body so that its connection can be reused
      const int status = res->statusCode();
      if ((status == 303 && method != "HEAD") ||
          ((status == 301 || status == 302) && method == "POST")) {
        method = "GET";
        body.reset();
        for (auto name : {"content-length", "content-type", "content-encoding", "content-language",
                          "content-location"}) {
          headers.remove(name);
        }
      }
      if (next.origin() != current.origin()) {
        headers.remove("authorization");
        headers.remove("cookie");
        headers.remove("proxy-authorization");
      }
      current = std::move(next);
      redirected = true;
      continue;
    }
    std::shared_ptr<stream::Readable<Buffer>> stream = res;
    auto coding = res->headers().get("content-encoding");
    if (init.decompress && coding && method != "HEAD" && res->statusCode() != 204 &&
        res->statusCode() != 304) {
      if (auto decoder = decoderFor(*coding, init.maxResponseBytes)) {
        // Errors of the raw body reach the decoded stream; pipe() alone would not forward them.
        std::weak_ptr<zlib::ZlibBase> weak = decoder;
        res->events().error.on([weak](std::exception_ptr e) {
          if (auto d = weak.lock()) d->destroy(e);
        });
        // The error reaches readers through read(); an unheard "error" event must not become
        // an uncaught exception.
        decoder->events().error.on([](std::exception_ptr) {});
        res->pipe(decoder);
        stream = decoder;
      }
    }
    co_return Response(res, stream, current.href(), redirected, init.maxResponseBytes);
  }
}

}  // namespace nx::http
