// SPDX-License-Identifier: MIT
// Connection: reading, parsing, dispatching and the end of each exchange (server_connection_io.cpp
// has the output side and closing).
#include "nodexx/http/internal/connection.hpp"

#include <uv.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/http/internal/write_batch.hpp"
#include "nodexx/http/status.hpp"

namespace nx::http::detail {

namespace {

template <class F>
void callback(uv_loop_t* l, F&& f) noexcept {
  nx::detail::invokeCallback(nx::detail::stateOf(l), std::forward<F>(f));
}

}  // namespace

Connection::Connection(ServerImpl& server)
    : server_(server),
      parser_(*this, static_cast<std::uint32_t>(server.options.maxHeaderSize)),
      req(*this),
      res(*this) {}

Connection::~Connection() = default;

void Connection::attach(Socket& s) noexcept {
  // A pooled object comes back with its flags as the last socket left them: reset them all.
  sock_ = &s;
  s.conn = this;
  tls_ = s.tls;
  parser_.setDefaultMaxBodyBytes(server_.options.maxBodyBytes);
  parser_.reset();
  req.resetForNext();
  res.resetForNext();
  body_.clear();
  bodyBuffered_ = 0;
  bodyWaiter_.reset();
  bodyError_ = nullptr;
  out_.clear();
  outOff_ = 0;
  pendingIn_.clear();
  inExecute_ = parserPaused_ = bodyBackpressure_ = exchangeActive_ = false;
  handlerPending_ = messageDone_ = headRequest_ = http10_ = noMoreRequests_ = false;
  needDrain_ = shutdownStarted_ = closeAfterWrite_ = closing_ = closed_ = eof_ = false;
  upgrading_ = false;
  keepAlive_ = true;
  // A fresh socket's head deadline counts from the accept; a keep-alive socket's next request
  // starts with this read.
  std::uint64_t headers = static_cast<std::uint64_t>(server_.options.headersTimeout.count());
  requestStart_ = s.deadlineKind == DeadlineKind::Headers && s.deadline >= headers
                      ? s.deadline - headers
                      : server_.now();
}

bool Connection::isIdleForPool() const noexcept {
  return sock_ != nullptr && !closing_ && !exchangeActive_ && !inExecute_ && !handlerPending_ &&
         !parserPaused_ && !parser_.inMessage() && !noMoreRequests_ && !eof_ && !shutdownStarted_ &&
         !closeAfterWrite_ && !bodyBackpressure_ && !bodyStream_ && !bodyWaiter_ && out_.empty() &&
         WriteBatch::current().owner() != this && !server_.isClosing();
}

void Connection::detachIfIdle() noexcept {
  if (!isIdleForPool()) return;
  sock_->conn = nullptr;
  sock_ = nullptr;
  // Keep a pooled object small: drop what a large head or a burst of output made grow.
  if (pendingIn_.capacity() > 4096) std::string().swap(pendingIn_);
  if (out_.capacity() != 0) std::string().swap(out_);
  parser_.releaseStorage();
  server_.release(this);
}

// ---------------------------------------------------------------------------------------------
// Reading and parsing

void Connection::onSocketError() noexcept {
  eof_ = true;
  destroy();
}

void Connection::handleRead(ssize_t nread, const char* data) {
  if (closing_) return;
  if (nread < 0) {
    // EOF or a socket error. After a complete request the client may half-close and wait for
    // the answer (and for pipelined ones already received); a cut request is aborted.
    eof_ = true;
    updateReading();
    if (nread != UV_EOF || parser_.inMessage()) {
      destroy();
    } else if (!exchangeActive_ && !parserPaused_) {
      beginShutdown();
    }
    return;
  }
  if (sock_->deadlineKind == DeadlineKind::KeepAlive) {
    // The first byte of the next request: its head must arrive within headersTimeout.
    requestStart_ = server_.now();
    setDeadline(DeadlineKind::Headers,
                requestStart_ + static_cast<std::uint64_t>(server_.options.headersTimeout.count()));
  }
  runParser(data, static_cast<std::size_t>(nread));
}

void Connection::runParser(const char* data, std::size_t size) {
  inExecute_ = true;
  ParseResult r = parser_.execute(data, size);
  inExecute_ = false;
  if (closing_) return;
  switch (r.status) {
    case ParseStatus::Ok:
      break;
    case ParseStatus::Paused:
      if (upgrading_) {
        // The listeners take the connection; what follows the head is theirs.
        handOver(data + r.consumed, size - r.consumed);
        return;
      }
      if (noMoreRequests_ || parser_.isUpgrade()) {
        // Nothing after this message is read: the connection closes after the response.
        noMoreRequests_ = true;
        pendingIn_.clear();
      } else {
        pendingIn_.append(data + r.consumed, size - r.consumed);
        parserPaused_ = true;
      }
      break;
    case ParseStatus::Error: {
      const ParseFailure& f = parser_.failure();
      if (f.status != 0) failRequest(f.status, f.code, f.reason);
      return;
    }
  }
  // The request outlives this buffer (an async handler, a body still coming): give its head
  // views their own copy now, before the buffer is reused.
  if (exchangeActive_) parser_.detachHead();
  if ((noMoreRequests_ || eof_) && !exchangeActive_ && !parserPaused_) beginShutdown();
  updateReading();
}

void Connection::parsePending() {
  if (!parserPaused_ || closing_) return;
  parserPaused_ = false;
  parser_.resume();
  std::string input = std::move(pendingIn_);
  pendingIn_.clear();
  if (sock_->deadlineKind == DeadlineKind::KeepAlive) {
    requestStart_ = server_.now();
    setDeadline(DeadlineKind::Headers,
                requestStart_ + static_cast<std::uint64_t>(server_.options.headersTimeout.count()));
  }
  runParser(input.data(), input.size());
  if (!closing_ && exchangeActive_) parser_.detachHead();
}

void Connection::updateReading() noexcept {
  if (closing_ || sock_ == nullptr) return;
  bool read =
      !eof_ && !shutdownStarted_ && !parserPaused_ && !bodyBackpressure_ && !noMoreRequests_;
  sock_->watch((read ? UV_READABLE : 0) | (out_.empty() ? 0 : UV_WRITABLE));
}

bool Connection::onHeadersComplete() {
  exchangeActive_ = true;
  messageDone_ = false;
  handlerPending_ = false;
  ++sock_->served;
  const ServerOptions& o = server_.options;
  auto rt = static_cast<std::uint64_t>(o.requestTimeout.count());
  if (rt != 0) {
    setDeadline(DeadlineKind::Request, requestStart_ + rt);
  } else {
    setDeadline(DeadlineKind::None, 0);
  }
  http10_ = parser_.httpMinor() == 0;
  headRequest_ = parser_.method() == "HEAD";
  // CONNECT, or an Upgrade offer: the 'connect'/'upgrade' listeners may take the connection.
  // An Upgrade nobody takes is served as a normal request, after which nothing more is read
  // (what follows would be the other protocol), so the response says Connection: close.
  if (parser_.isUpgrade()) {
    if (claimUpgrade()) return true;
    if (closing_) return false;
    noMoreRequests_ = true;
  }
  keepAlive_ = parser_.shouldKeepAlive() && !server_.isClosing() && !noMoreRequests_ &&
               (o.maxRequestsPerSocket == 0 || sock_->served < o.maxRequestsPerSocket);
  req.resetForNext();
  res.resetForNext();
  body_.clear();
  bodyBuffered_ = 0;
  bodyError_ = nullptr;
  dropBodyStream();

  if (o.requireHostHeader && !http10_ && !parser_.hasHost()) {
    failRequest(400, "HPE_MISSING_HOST", "Missing Host header");
    return false;
  }
  // Expect: only 100-continue exists (RFC 9110 §10.1.1); anything else is 417.
  bool expectContinue = false;
  if (auto expect = parser_.expect()) {
    if (!equalsIgnoreCase(*expect, "100-continue")) {
      failRequest(417, "HPE_EXPECTATION_FAILED", "Expectation Failed");
      return false;
    }
    expectContinue = !http10_;
  }
  bool hasListeners = server_.owner != nullptr && server_.owner->onCheckContinue.listenerCount();
  dispatch();
  if (closing_) return false;

  if (parser_.hasContentLength() && parser_.maxBodyBytes() != 0 &&
      parser_.contentLength() > parser_.maxBodyBytes()) {
    if (!res.ended_) {
      failRequest(413, errc::kBodyTooLarge, "Request body larger than maxBodyBytes");
    } else {
      // The handler answered without the body: send that answer, and read nothing more.
      noMoreRequests_ = true;
      exchangeActive_ = false;
      beginShutdown();
    }
    return false;
  }
  if (expectContinue && !hasListeners && !res.headersSent_ && !res.ended_) res.writeContinue();
  return true;
}

void Connection::dispatch() {
  ServerImpl& s = server_;
  if (s.owner != nullptr) {
    if (parser_.hasContentLength() || parser_.isChunked()) {
      if (parser_.expect() && s.owner->onCheckContinue.listenerCount() != 0) {
        s.owner->onCheckContinue.emit(std::ref(req), std::ref(res));
        if (res.ended_ || closing_) return;
      }
    }
    if (s.owner->onRequest.listenerCount() != 0)
      s.owner->onRequest.emit(std::ref(req), std::ref(res));
  }
  if (closing_ || res.ended_) return;
  if (!s.handler) {
    if (s.owner == nullptr || s.owner->onRequest.listenerCount() == 0) {
      res.statusCode = 404;
      res.end();
    }
    return;
  }
  Promise<> p;
  try {
    p = s.handler(req, res);
  } catch (...) {
    handlerSettled(std::current_exception());
    return;
  }
  if (!p || p.isFulfilled()) return;
  if (p.isRejected()) {
    handlerSettled(p.state()->error);
    return;
  }
  handlerPending_ = true;
  p.state()->addReaction([this, st = p.state()]() {
    handlerSettled(st->status == nx::detail::PromiseBase::Status::Rejected ? st->error : nullptr);
  });
}

void Connection::handlerSettled(std::exception_ptr error) {
  handlerPending_ = false;
  if (error) {
    if (server_.owner != nullptr && server_.owner->onHandlerError.listenerCount() != 0) {
      server_.owner->onHandlerError.emit(error, std::ref(req));
    } else {
      std::string line = describe(error);
      std::fprintf(stderr, "http: request handler failed: %s\n", line.c_str());
    }
    if (!closing_) {
      if (!res.headersSent_ && !res.ended_) {
        sendProblem(500, "The server could not handle the request");
      } else if (!res.ended_) {
        destroy();  // a half-sent response cannot be completed correctly
      }
    }
  }
  if (closed_) {
    releaseIfDone();
    return;
  }
  if (res.ended_ && messageDone_) exchangeDone();
}

void Connection::onBody(std::string_view chunk) {
  if (res.ended_ || closing_) return;  // nobody will read it: drop, as Node dumps it
  Buffer piece = Buffer::from(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()));
  if (bodyStream_) {
    if (!bodyStream_->push(std::move(piece))) bodyBackpressure_ = true;
    return;
  }
  body_.push_back(std::move(piece));
  bodyBuffered_ += chunk.size();
  if (bodyWaiter_) {
    auto w = std::move(*bodyWaiter_);
    bodyWaiter_.reset();
    Buffer b = std::move(body_.front());
    body_.pop_front();
    bodyBuffered_ -= b.size();
    w.resolve(std::optional<Buffer>(std::move(b)));
  }
  if (bodyBuffered_ > server_.options.highWaterMark) bodyBackpressure_ = true;
}

bool Connection::onMessageComplete() {
  if (upgrading_) return true;  // the connection changes hands at the end of the head
  messageDone_ = true;
  req.complete_ = true;
  setDeadline(DeadlineKind::None, 0);
  if (bodyWaiter_ && body_.empty()) {
    auto w = std::move(*bodyWaiter_);
    bodyWaiter_.reset();
    w.resolve(std::optional<Buffer>());
  }
  if (bodyStream_) bodyStream_->push(nullptr);
  if (!res.ended_ || handlerPending_) return true;  // the next request waits for this one
  bool keepParsing = false;
  finishExchange(keepParsing);
  return !keepParsing;
}

Promise<std::optional<Buffer>> Connection::readBody() {
  if (!body_.empty()) {
    Buffer b = std::move(body_.front());
    body_.pop_front();
    bodyBuffered_ -= b.size();
    if (bodyBackpressure_ && bodyBuffered_ <= server_.options.highWaterMark) {
      bodyBackpressure_ = false;
      updateReading();
    }
    return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>(std::move(b)));
  }
  if (bodyError_) return Promise<std::optional<Buffer>>::reject(bodyError_);
  if (req.complete_ || !exchangeActive_) {
    return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>());
  }
  if (bodyBackpressure_) {
    bodyBackpressure_ = false;
    updateReading();
  }
  if (!bodyWaiter_) bodyWaiter_.emplace(Promise<std::optional<Buffer>>::withResolvers());
  return bodyWaiter_->promise;
}

std::shared_ptr<stream::Readable<Buffer>> Connection::bodyStream() {
  if (!bodyStream_) {
    bodyStream_ = std::make_shared<BodyReadable>(*this, server_.options.highWaterMark);
    // Whatever arrived before the stream existed goes first.
    while (!body_.empty()) {
      bodyStream_->push(std::move(body_.front()));
      body_.pop_front();
    }
    bodyBuffered_ = 0;
    if (bodyError_) {
      bodyStream_->destroy(bodyError_);
    } else if (req.complete_ || !exchangeActive_) {
      bodyStream_->push(nullptr);
    }
  }
  return bodyStream_;
}

void Connection::bodyWanted() noexcept {
  if (bodyBackpressure_) {
    bodyBackpressure_ = false;
    updateReading();
  }
}

std::size_t Connection::highWaterMark() const noexcept { return server_.options.highWaterMark; }

void Connection::dropBodyStream() noexcept {
  if (bodyStream_) {
    bodyStream_->detach();
    bodyStream_.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// The end of an exchange

void Connection::responseEnded() {
  if (messageDone_ && !handlerPending_) exchangeDone();
  if (!messageDone_ && !keepAlive_) {
    // The response said "Connection: close": the rest of the body is not needed.
    noMoreRequests_ = true;
  }
}

void Connection::exchangeDone() {
  if (inExecute_) return;  // onMessageComplete() finishes it
  bool keepParsing = false;
  finishExchange(keepParsing);
  if (closing_ || shutdownStarted_) return;
  if (keepParsing) {
    parsePending();
    if (closing_ || shutdownStarted_) return;
    if (eof_ && !exchangeActive_ && !parserPaused_) {
      beginShutdown();
      return;
    }
    updateReading();
  }
}

void Connection::finishExchange(bool& keepParsing) {
  if (!exchangeActive_) return;
  exchangeActive_ = false;
  dropBodyStream();
  if (!keepAlive_ || noMoreRequests_ || server_.isClosing()) {
    noMoreRequests_ = true;
    keepParsing = false;
    pendingIn_.clear();
    parserPaused_ = false;
    beginShutdown();
    return;
  }
  setDeadline(DeadlineKind::KeepAlive,
              server_.now() + static_cast<std::uint64_t>(server_.options.keepAliveTimeout.count()));
  keepParsing = true;
}

void Connection::closeWhenIdle() noexcept {
  if (closing_) return;
  if (isIdle() && !parserPaused_) {
    beginShutdown();
  } else {
    noMoreRequests_ = true;
  }
}

void Connection::deadlineExpired() {
  if (closing_) return;
  DeadlineKind kind = sock_->deadlineKind;
  setDeadline(DeadlineKind::None, 0);
  if (kind == DeadlineKind::KeepAlive) {
    beginShutdown();
    return;
  }
  if (tls_ && handshakeExpired()) return;  // no HTTP answer before the TLS handshake is done
  failRequest(408, errc::kRequestTimeout, "Request timeout");
}

void Connection::setDeadline(DeadlineKind kind, std::uint64_t at) noexcept {
  if (sock_ == nullptr) return;
  sock_->deadlineKind = kind;
  sock_->deadline = at;
}

bool Connection::keepAlive() const noexcept {
  return keepAlive_ && !noMoreRequests_ && !server_.isClosing();
}

std::string_view Connection::keepAliveFields() const noexcept { return server_.keepAliveFields; }

std::string_view Connection::date() { return server_.dates.get(server_.now()); }
const char* Connection::dateLine() { return server_.dates.line(server_.now()); }

std::string Connection::peerAddress() const {
  if (sock_ == nullptr) return {};
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(sock_->fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return {};
  char ip[64] = {};
  if (addr.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&addr), ip, sizeof ip);
  } else if (addr.ss_family == AF_INET) {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&addr), ip, sizeof ip);
  }
  return ip;
}

// ---------------------------------------------------------------------------------------------
// Errors

void Connection::failRequest(int status, std::string_view code, std::string_view reason) {
  if (server_.owner != nullptr && server_.owner->onClientError.listenerCount() != 0) {
    ParseError e(std::string(code), std::string(reason), status, parser_.headSize());
    server_.owner->onClientError.emit(e);
    if (closing_) return;
  }
  if (exchangeActive_ && !res.ended_) {
    bodyError_ = std::make_exception_ptr(
        SystemError(std::string(status == 413 ? errc::kBodyTooLarge : code), std::string(reason)));
    if (bodyWaiter_) {
      auto w = std::move(*bodyWaiter_);
      bodyWaiter_.reset();
      w.reject(bodyError_);
    }
    if (bodyStream_) bodyStream_->destroy(bodyError_);
  }
  if (exchangeActive_ && res.ended_) {
    // The answer is complete (the handler did not wait for the body): send it, then close.
    noMoreRequests_ = true;
    exchangeActive_ = false;
    beginShutdown();
    return;
  }
  if (exchangeActive_ && res.headersSent_) {
    destroy();  // a half-sent response cannot be completed
    return;
  }
  sendProblem(status, reason);
}

void Connection::sendProblem(int status, std::string_view detail) {
  noMoreRequests_ = true;
  keepAlive_ = false;
  pendingIn_.clear();
  parserPaused_ = false;
  std::string body = problemJson(status, problemCode(status), detail);
  std::string head;
  head.reserve(160);
  head += "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += statusText(status);
  head += "\r\nContent-Type: application/problem+json\r\nContent-Length: ";
  head += std::to_string(body.size());
  head += "\r\nDate: ";
  head += date();
  head += "\r\nConnection: close\r\n\r\n";
  append(head);
  append(body);
  // The response object must not add anything after this.
  res.headersSent_ = true;
  res.ended_ = true;
  res.finished_ = true;
  exchangeActive_ = false;
  beginShutdown();
}

}  // namespace nx::http::detail
