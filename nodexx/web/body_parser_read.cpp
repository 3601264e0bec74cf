// SPDX-License-Identifier: MIT
// readBody(): the body of a request as one Buffer, decompressed and size-limited (raw-body's
// getBody plus body-parser's createDecompressionStream).
#include "nodexx/web/body_parser.hpp"

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/stream/pipeline.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/zlib/errors.hpp"
#include "nodexx/zlib/zlib_stream.hpp"

namespace nx::web {

namespace {

enum class Coding : std::uint8_t { Identity, Gzip, Deflate, Brotli, Unsupported };

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

Coding codingOf(std::string_view lowered) noexcept {
  if (lowered == "identity") return Coding::Identity;
  if (lowered == "gzip" || lowered == "x-gzip") return Coding::Gzip;
  if (lowered == "deflate") return Coding::Deflate;
  if (lowered == "br") return Coding::Brotli;
  return Coding::Unsupported;
}

[[noreturn]] void throwTooLarge(std::uint64_t limit) {
  throw HttpError(413, std::string(errc::body::kPayloadTooLarge),
                  "request entity too large (limit " + std::to_string(limit) + " bytes)");
}

// Maps what a body read or a decompressor can throw onto the parsers' HTTP errors.
[[noreturn]] void rethrowReadError(std::exception_ptr e, std::uint64_t limit) {
  try {
    std::rethrow_exception(e);
  } catch (const HttpError&) {
    throw;
  } catch (const zlib::ZlibError& z) {
    throw HttpError(400, std::string(errc::body::kInvalidEncoding),
                    std::string("invalid compressed body: ") + z.what());
  } catch (const SystemError& s) {
    if (s.code() == http::errc::kBodyTooLarge || s.code() == zlib::codes::kErrBufferTooLarge)
      throwTooLarge(limit);
    if (s.code() == http::errc::kConnectionReset || s.code() == "ERR_STREAM_PREMATURE_CLOSE" ||
        s.code() == "ECONNRESET")
      throw HttpError(400, std::string(errc::body::kRequestAborted), "request aborted");
    throw;
  }
}

// Parses a Content-Length the way the transport accepted it (digits only).
std::optional<std::uint64_t> contentLength(const Request& req) {
  auto v = req.get("content-length");
  if (!v || v->empty() || v->size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

Buffer join(std::vector<Buffer>& chunks) {
  if (chunks.empty()) return Buffer();
  if (chunks.size() == 1) return std::move(chunks.front());
  return Buffer::concat(chunks);
}

Promise<Buffer> readIdentity(Request& req, std::uint64_t limit) {
  std::vector<Buffer> chunks;
  std::uint64_t total = 0;
  try {
    while (auto chunk = co_await req.read()) {
      total += chunk->size();
      if (limit != 0 && total > limit) throwTooLarge(limit);
      chunks.push_back(std::move(*chunk));
    }
  } catch (...) {
    rethrowReadError(std::current_exception(), limit);
  }
  co_return join(chunks);
}

// Awaits `p` at once, so that its rejection counts as handled while the caller is still busy
// reading, and keeps the error for later. Never rejects.
Promise<> absorb(Promise<> p, std::shared_ptr<std::exception_ptr> error) {
  try {
    co_await p;
  } catch (...) {
    *error = std::current_exception();
  }
}

Promise<Buffer> readEncoded(Request& req, Coding coding, std::uint64_t limit) {
  std::shared_ptr<zlib::ZlibBase> z;
  {
    // The decompressor's own output limit stops a bomb inside the pool job that inflates it,
    // before the chunk reaches us; the count below is the exact check.
    zlib::Options zo;
    zo.maxOutputLength = limit == 0 ? zlib::kUnlimited : limit;
    zlib::BrotliOptions bo;
    bo.maxOutputLength = zo.maxOutputLength;
    z = coding == Coding::Gzip      ? zlib::createGunzip(zo)
        : coding == Coding::Deflate ? zlib::createInflate(zo)
                                    : zlib::createBrotliDecompress(bo);
  }
  auto pipeError = std::make_shared<std::exception_ptr>();
  Promise<> piped = absorb(stream::pipeline(req.stream(), z), pipeError);
  std::vector<Buffer> chunks;
  std::uint64_t total = 0;
  std::exception_ptr error;
  try {
    while (auto chunk = co_await z->read()) {
      total += chunk->size();
      if (limit != 0 && total > limit) throwTooLarge(limit);
      chunks.push_back(std::move(*chunk));
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    // Stop the pipeline (it destroys the request stream as well, so nothing more is read)
    // and wait for it to settle, so that no stage outlives this call.
    z->destroy(error);
    co_await piped;
    rethrowReadError(error, limit);
  }
  co_await piped;
  if (*pipeError) rethrowReadError(*pipeError, limit);
  co_return join(chunks);
}

}  // namespace

Promise<Buffer> readBody(Request& req, ReadBodyOptions options) {
  const std::uint64_t limit = options.limit;
  try {
    const auto encodingHeader = req.get("content-encoding");
    const std::string encoding = lowerAscii(encodingHeader.value_or("identity"));
    const Coding coding = codingOf(encoding);
    if (coding != Coding::Identity && !options.inflate)
      throw HttpError(415, std::string(errc::body::kUnsupportedEncoding),
                      "content encoding unsupported");
    if (coding == Coding::Unsupported)
      throw HttpError(415, std::string(errc::body::kUnsupportedEncoding),
                      "unsupported content encoding \"" + encoding + "\"");
    if (coding == Coding::Identity) {
      // raw-body refuses a declared length above the limit before reading anything.
      if (auto length = contentLength(req); length && limit != 0 && *length > limit)
        throwTooLarge(limit);
      req.setMaxBodyBytes(limit);  // 0 is unlimited for the transport too
      return readIdentity(req, limit);
    }
    // A compressed body is at most slightly larger than what it inflates to (stored blocks
    // and headers); the slack keeps incompressible data within reach of the limit.
    req.setMaxBodyBytes(limit == 0 ? 0 : limit + limit / 16 + 1024);
    return readEncoded(req, coding, limit);
  } catch (...) {
    // The checks above run synchronously; report them the way the reads report theirs.
    return Promise<Buffer>::reject(std::current_exception());
  }
}

}  // namespace nx::web
