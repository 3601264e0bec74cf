// SPDX-License-Identifier: MIT
// The Node stream faces of a request body and a response: stream::Readable<Buffer> and
// stream::Writable<Buffer> adapters over the connection, created on demand (req.stream(),
// res.stream()) so that the plaintext path never builds them.
#pragma once

#include <exception>
#include <memory>

#include "nodexx/core/buffer.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::http {
class ServerResponse;
}

namespace nx::http::detail {

class Connection;

/// The request body. Data comes from the connection (push); _read() lets the connection read
/// from the socket again (backpressure: it stops reading while this stream is full).
class BodyReadable final : public stream::Readable<Buffer> {
 public:
  BodyReadable(Connection& c, std::size_t highWaterMark);
  /// The exchange is over: no more calls into the connection.
  void detach() noexcept { conn_ = nullptr; }

 protected:
  void _read(std::size_t size) override;

 private:
  Connection* conn_;
};

/// The response body: write() → ServerResponse::write(), end() → ServerResponse::end(). The
/// write callback waits for the connection's drain when the socket is backed up.
class ResponseWritable final : public stream::Writable<Buffer> {
 public:
  ResponseWritable(ServerResponse& res, std::size_t highWaterMark);
  void detach() noexcept;
  void drained() noexcept;  // the connection drained: release a waiting write callback

 protected:
  void _write(Buffer chunk, stream::Callback callback) override;
  void _final(stream::Callback callback) override;

 private:
  ServerResponse* res_;
  stream::Callback pending_;
};

}  // namespace nx::http::detail
