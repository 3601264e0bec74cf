// SPDX-License-Identifier: MIT
// One accepted HTTP/1.1 connection: its socket (owned directly, libuv), its parser, and the
// request/response pair it reuses for every exchange. See http/README.md for the data flow.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/internal/request_parser.hpp"
#include "nodexx/http/internal/server_streams.hpp"
#include "nodexx/http/server_response.hpp"

namespace nx::http {
class ServerImpl;
}

namespace nx::http::detail {

enum class DeadlineKind : std::uint8_t { None, Headers, Request, KeepAlive };

/// Unread request body chunks. Not std::deque: libstdc++'s deque allocates a map and a 512-byte
/// node as soon as it is constructed, which every idle connection would carry.
class BodyQueue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  void push_back(Buffer b) { items_.push_back(std::move(b)); }
  Buffer& front() noexcept { return items_[head_]; }
  void pop_front() noexcept {
    items_[head_] = Buffer();
    if (++head_ == items_.size()) clear();
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<Buffer> items_;
  std::size_t head_ = 0;
};

class Connection final : public RequestSink {
 public:
  explicit Connection(ServerImpl& server);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Accepts the pending connection of `listener` and starts reading. False on failure (the
  /// handle is then closing and the object is released by the close callback).
  bool start(uv_stream_t* listener, bool pipe);

  // RequestSink
  bool onHeadersComplete() override;
  void onBody(std::string_view chunk) override;
  bool onMessageComplete() override;

  // Output, used by ServerResponse.
  void append(std::string_view bytes);
  std::size_t bufferedBytes() const noexcept;
  bool overHighWater() const noexcept;
  void noteNeedDrain() noexcept { needDrain_ = true; }
  void responseEnded();
  bool keepAlive() const noexcept;
  void setKeepAlive(bool k) noexcept { keepAlive_ = k; }
  bool isHeadRequest() const noexcept { return headRequest_; }
  bool isHttp10() const noexcept { return http10_; }
  bool isClosed() const noexcept { return closing_; }
  std::string_view date();
  std::uint64_t keepAliveSeconds() const noexcept;

  // Body, used by IncomingMessage.
  Promise<std::optional<Buffer>> readBody();
  std::shared_ptr<stream::Readable<Buffer>> bodyStream();
  void bodyWanted() noexcept;  // the body stream wants more: read from the socket again
  std::size_t highWaterMark() const noexcept;
  RequestParser& parser() noexcept { return parser_; }
  std::string peerAddress() const;

  // Lifecycle, used by the server.
  bool isIdle() const noexcept { return !exchangeActive_ && !parser_.inMessage(); }
  void checkDeadline(std::uint64_t now);
  void destroy() noexcept;        // close now
  void closeWhenIdle() noexcept;  // idle: close now; busy: close after this exchange
  void flushCorked() noexcept;    // write what the loop-shared output buffer holds for us

  Connection* prev = nullptr;
  Connection* next = nullptr;
  bool listed = false;  // in the server's list of open connections

 private:
  uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&handle_); }
  uv_handle_t* handle() noexcept { return reinterpret_cast<uv_handle_t*>(&handle_); }
  static void onAlloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onWrite(uv_write_t* req, int status);
  static void onShutdown(uv_shutdown_t* req, int status);
  static void onClosed(uv_handle_t* h);

  void handleRead(ssize_t nread, const char* data);
  void runParser(const char* data, std::size_t size);
  void parsePending();
  void dispatch();
  void handlerSettled(std::exception_ptr error);
  void exchangeDone();
  void finishExchange(bool& keepParsing);
  void failRequest(int status, std::string_view code, std::string_view reason);
  void sendProblem(int status, std::string_view detail);
  void startWrite();
  void afterFlush();
  void beginShutdown() noexcept;
  void updateReading() noexcept;
  void setDeadline(DeadlineKind kind, std::uint64_t at) noexcept;
  void releaseIfDone() noexcept;
  void dropBodyStream() noexcept;

  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  ServerImpl& server_;
  RequestParser parser_;

 public:
  IncomingMessage req;
  ServerResponse res;

 private:
  // Output that could not go out in one try_write: `writing_` is with the kernel (uv_write),
  // `queued_` waits for it. Both are empty (no capacity) on an idle connection.
  std::string writing_;
  std::string queued_;
  uv_write_t writeReq_{};
  uv_shutdown_t shutdownReq_{};
  // Unparsed input kept while a pipelined request waits for the previous exchange.
  std::string pendingIn_;
  // Request body not yet read by the handler.
  BodyQueue body_;
  std::size_t bodyBuffered_ = 0;
  std::optional<Promise<std::optional<Buffer>>::Resolvers> bodyWaiter_;
  std::exception_ptr bodyError_;
  std::shared_ptr<BodyReadable> bodyStream_;

  std::uint64_t deadline_ = 0;
  std::uint64_t requestStart_ = 0;
  std::size_t served_ = 0;
  DeadlineKind deadlineKind_ = DeadlineKind::None;
  bool reading_ = false;
  bool inExecute_ = false;
  bool parserPaused_ = false;  // a pipelined message waits in pendingIn_
  bool bodyBackpressure_ = false;
  bool exchangeActive_ = false;  // head complete .. exchange done
  bool handlerPending_ = false;
  bool messageDone_ = false;
  bool keepAlive_ = true;
  bool headRequest_ = false;
  bool http10_ = false;
  bool noMoreRequests_ = false;  // close after the current exchange
  bool needDrain_ = false;
  bool shutdownStarted_ = false;
  bool closeAfterWrite_ = false;
  bool closing_ = false;  // uv_close called
  bool closed_ = false;   // close callback ran
  bool eof_ = false;
};

}  // namespace nx::http::detail
