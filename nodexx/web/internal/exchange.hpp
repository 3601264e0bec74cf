// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"

namespace nx::stream {
template <class T>
class Readable;
template <class T>
class Writable;
}  // namespace nx::stream

namespace nx::web::detail {

/// The transport under web::Request/Response: one request/response exchange, whatever the
/// protocol (HTTP/1.1 via http::IncomingMessage/ServerResponse, the in-memory exchange of
/// testing::inject, HTTP/2 streams later). Views returned stay valid for the exchange's
/// lifetime. Loop thread only. Error behaviour of the response side is Node's
/// ServerResponse's (ERR_HTTP_HEADERS_SENT, ERR_STREAM_WRITE_AFTER_END, header validation).
class Exchange {
 public:
  virtual ~Exchange() = default;

  // ---- Request ----
  virtual std::string_view method() const noexcept = 0;
  /// The raw request target ("/a?b=1").
  virtual std::string_view target() const noexcept = 0;
  virtual std::string_view httpVersion() const noexcept = 0;
  /// First field named `name` (case-insensitive).
  virtual std::optional<std::string_view> header(std::string_view name) const noexcept = 0;
  virtual std::size_t headerCount() const noexcept = 0;
  virtual std::pair<std::string_view, std::string_view> headerAt(std::size_t i) const noexcept = 0;
  /// The peer's address ("127.0.0.1"; empty when unknown).
  virtual std::string_view remoteAddress() = 0;
  /// True on TLS connections.
  virtual bool encrypted() const noexcept = 0;
  /// The next body chunk, nullopt at the end.
  virtual Promise<std::optional<Buffer>> read() = 0;
  /// The body as a Readable.
  virtual std::shared_ptr<stream::Readable<Buffer>> bodyStream() = 0;
  virtual void setMaxBodyBytes(std::uint64_t n) noexcept = 0;
  virtual std::uint64_t maxBodyBytes() const noexcept = 0;

  // ---- Response ----
  virtual int statusCode() const noexcept = 0;
  virtual void setStatusCode(int code) = 0;
  virtual void setHeader(std::string_view name, std::string_view value) = 0;
  virtual void appendHeader(std::string_view name, std::string_view value) = 0;
  virtual std::optional<std::string_view> getHeader(std::string_view name) const noexcept = 0;
  virtual const http::Headers& responseHeaders() const noexcept = 0;
  virtual void removeHeader(std::string_view name) = 0;
  virtual bool headersSent() const noexcept = 0;
  virtual bool writableEnded() const noexcept = 0;
  /// Writes a chunk; false when buffered output reached the high-water mark.
  virtual bool write(std::string_view chunk) = 0;
  virtual bool write(const Buffer& chunk) = 0;
  virtual void end(std::string_view chunk) = 0;
  virtual void end(const Buffer& chunk) = 0;
  virtual void flushHeaders() = 0;
  virtual Promise<> drained() = 0;
  virtual std::shared_ptr<stream::Writable<Buffer>> responseStream() = 0;
  /// Runs `fn` once when the response finished or the exchange closed.
  virtual void onFinish(MoveFunction<void()> fn) = 0;
};

}  // namespace nx::web::detail
