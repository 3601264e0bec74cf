// SPDX-License-Identifier: MIT
// Connection: the output side (the corked batch, uv_try_write/uv_write) and closing.
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/http/internal/write_batch.hpp"

namespace nx::http::detail {

namespace {

template <class F>
void callback(uv_loop_t* l, F&& f) noexcept {
  nx::detail::invokeCallback(nx::detail::stateOf(l), std::forward<F>(f));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writing

void Connection::append(std::string_view bytes) {
  if (closing_ || shutdownStarted_) return;
  if (!out_.empty()) {
    // The socket is backed up: keep order behind what waits (on TLS, as plaintext that is
    // encrypted in one batch once the ciphertext in out_ has gone).
    (tls_ ? tlsPlain_ : out_).append(bytes);
    return;
  }
  WriteBatch& batch = WriteBatch::current();
  batch.add(this, bytes);
}

char* Connection::reserveOutput(std::size_t n) {
  if (closing_ || shutdownStarted_) return nullptr;
  if (out_.empty()) [[likely]] {
    return WriteBatch::current().reserve(this, n);
  }
  return reserveQueued(n);
}

void Connection::commitOutput(const char* end) {
  if (out_.empty()) [[likely]] {
    WriteBatch::current().commit(end);
    return;
  }
  commitQueued(end);
}

char* Connection::reserveQueued(std::size_t n) {
  // Backed up: the bytes queue behind out_, as in append() (zero-filled here; a rare path).
  std::string& queue = tls_ ? tlsPlain_ : out_;
  std::size_t used = queue.size();
  queue.resize(used + n);
  return queue.data() + used;
}

void Connection::commitQueued(const char* end) {
  std::string& queue = tls_ ? tlsPlain_ : out_;
  queue.resize(static_cast<std::size_t>(end - queue.data()));
}

std::size_t Connection::bufferedBytes() const noexcept {
  WriteBatch& batch = WriteBatch::current();
  return (out_.size() - outOff_) + tlsPlain_.size() + (batch.owner() == this ? batch.size() : 0);
}

bool Connection::overHighWater() const noexcept {
  return bufferedBytes() >= server_.options.highWaterMark;
}

ssize_t sendSome(int fd, const void* data, std::size_t size) noexcept {
  for (;;) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -errno;
  }
}

void Connection::flushCorked() noexcept {
  WriteBatch& batch = WriteBatch::current();
  std::string_view data = batch.take(this);
  if (closing_) {
    if (!data.empty()) batch.clear();
    return;
  }
  if (data.empty()) {
    afterFlush();
    return;
  }
  if (tls_) {
    flushTls(data);  // encrypts the batch into one run of records, then one send
    return;
  }
  ssize_t n = sendSome(sock_->fd(), data.data(), data.size());
  if (n < 0) {
    batch.clear();
    destroy();
    return;
  }
  if (static_cast<std::size_t>(n) < data.size()) {
    out_.assign(data.data() + n, data.size() - static_cast<std::size_t>(n));
    outOff_ = 0;
    batch.clear();
    updateReading();  // wait for the socket to be writable
    return;
  }
  batch.clear();
  afterFlush();
}

void Connection::onWritable() {
  if (closing_ || out_.empty()) return;
  ssize_t n = sendSome(sock_->fd(), out_.data() + outOff_, out_.size() - outOff_);
  if (n < 0) {
    destroy();
    return;
  }
  outOff_ += static_cast<std::size_t>(n);
  if (outOff_ < out_.size()) return;
  // Everything went out: give the memory back (an idle connection holds no buffers).
  std::string().swap(out_);
  outOff_ = 0;
  if (tls_ && !tlsPlain_.empty()) {
    drainTlsPlain();  // what waited behind the ciphertext: encrypt it and write it
    if (closing_ || !out_.empty()) return;
  }
  updateReading();
  afterFlush();
}

void Connection::afterFlush() {
  if (!out_.empty()) return;
  if (needDrain_) {
    needDrain_ = false;
    res.settleDrain();
  }
  if (closeAfterWrite_) {
    closeAfterWrite_ = false;
    beginShutdown();
  }
}

// ---------------------------------------------------------------------------------------------
// Closing

void Connection::beginShutdown() noexcept {
  if (closing_ || shutdownStarted_) return;
  WriteBatch& batch = WriteBatch::current();
  if (batch.owner() == this) flushCorked();
  if (closing_) return;
  if (!out_.empty()) {
    closeAfterWrite_ = true;
    return;
  }
  shutdownStarted_ = true;
  // Everything is written: send the FIN, then close (as uv_shutdown followed by uv_close).
  if (tls_) sendCloseNotify(*sock_);
  ::shutdown(sock_->fd(), SHUT_WR);
  destroy();
}

void Connection::destroy() noexcept {
  if (closing_) return;
  closing_ = true;
  WriteBatch& batch = WriteBatch::current();
  if (batch.owner() == this) batch.clear();
  if (sock_ != nullptr) sock_->close();
}

void Connection::onSocketClosed() noexcept {
  closed_ = true;
  closing_ = true;
  sock_ = nullptr;
  if (exchangeActive_ || parser_.inMessage()) {
    if (!req.complete_ && exchangeActive_) {
      req.aborted_ = true;
      bodyError_ =
          std::make_exception_ptr(SystemError(std::string(errc::kConnectionReset), "aborted"));
      if (bodyWaiter_) {
        auto w = std::move(*bodyWaiter_);
        bodyWaiter_.reset();
        w.reject(bodyError_);
      }
      if (bodyStream_) bodyStream_->destroy(bodyError_);
      req.onAborted.emit();
    }
  }
  if (exchangeActive_ && !res.finished_) {
    res.settleDrain();
    res.onClose.emit();
  }
  dropBodyStream();
  std::string().swap(out_);
  outOff_ = 0;
  std::string().swap(tlsPlain_);
  std::string().swap(pendingIn_);
  parser_.releaseStorage();
  releaseIfDone();
}

void Connection::releaseIfDone() noexcept {
  if (!closed_ || handlerPending_) return;
  closed_ = false;  // released once
  closing_ = true;
  exchangeActive_ = false;
  server_.release(this);
}

// ---------------------------------------------------------------------------------------------
// Socket

bool Socket::open(uv_loop_t* loop, int fd) noexcept {
  if (uv_poll_init(loop, &poll, fd) != 0) {
    ::close(fd);
    return false;
  }
  poll.data = this;
  watch(UV_READABLE);
  return true;
}

void Socket::watch(int want) noexcept {
  // uv_poll_start re-registers the descriptor with epoll: only on a real change.
  if (closing || want == events) return;
  events = static_cast<std::uint8_t>(want);
  if (want == 0) {
    uv_poll_stop(&poll);
  } else {
    uv_poll_start(&poll, want, onPoll);
  }
}

void Socket::close() noexcept {
  if (closing) return;
  closing = true;
  int fd = this->fd();
  // uv_close takes the descriptor out of epoll, so it can be closed right after.
  uv_close(reinterpret_cast<uv_handle_t*>(&poll), onClosed);
  ::close(fd);
}

void Socket::shutdownAndClose() noexcept {
  if (closing) return;
  if (tls) sendCloseNotify(*this);
  ::shutdown(fd(), SHUT_WR);
  close();
}

Connection& Socket::busy() {
  if (conn == nullptr) server->acquire().attach(*this);
  return *conn;
}

void Socket::onPoll(uv_poll_t* h, int status, int ev) {
  auto* s = static_cast<Socket*>(h->data);
  uv_loop_t* loop = s->server->loop;
  if (status < 0) {
    callback(loop, [&] {
      if (s->conn != nullptr) {
        s->conn->onSocketError();
      } else {
        s->close();
      }
    });
    return;
  }
  if ((ev & UV_WRITABLE) != 0 && s->conn != nullptr) {
    callback(loop, [&] { s->conn->onWritable(); });
  }
  if ((ev & UV_READABLE) != 0) {
    // One read buffer per thread for every connection: an idle connection holds none. A full
    // buffer means more may wait: read again, a bounded number of times (as libuv does), each
    // read in its own callback scope so that its responses leave in one write. The loop is
    // here rather than in Connection because the connection may go back to the pool when a
    // callback scope ends (its output flushed), and the next read borrows one again.
    auto& shared = WriteBatch::current();
    for (int round = 0; round < 32 && !s->closing && (s->events & UV_READABLE) != 0; ++round) {
      ssize_t n;
      do {
        n = ::read(s->fd(), shared.readBuffer, sizeof shared.readBuffer);
      } while (n < 0 && errno == EINTR);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      ssize_t nread = n > 0    ? n
                      : n == 0 ? static_cast<ssize_t>(UV_EOF)
                               : static_cast<ssize_t>(-errno);
      callback(loop, [&] {
        if (!s->tls) {
          s->busy().handleRead(nread, shared.readBuffer);
        } else {
          s->busy().receiveTls(nread, shared.readBuffer);
        }
      });
      if (n != static_cast<ssize_t>(sizeof shared.readBuffer)) break;
    }
  }
  // The exchange is over and written (the tick queue flushed the output): back to the pool.
  if (!s->closing && s->conn != nullptr) s->conn->detachIfIdle();
}

void Socket::onClosed(uv_handle_t* h) {
  auto* s = static_cast<Socket*>(h->data);
  callback(s->server->loop, [&] {
    ServerImpl& server = *s->server;
    Connection* c = std::exchange(s->conn, nullptr);
    server.connectionClosed(s);
    deleteSocket(s);
    if (c != nullptr) c->onSocketClosed();
  });
}

}  // namespace nx::http::detail

namespace nx::http::detail {

WriteBatch* WriteBatch::create() {
  struct Owner {
    std::unique_ptr<WriteBatch> batch;
    ~Owner() { current_ = nullptr; }
  };
  thread_local Owner owner;
  owner.batch = std::make_unique<WriteBatch>();
  return owner.batch.get();
}

void WriteBatch::claim(Connection* c) {
  if (owner_ != c) {
    if (owner_ != nullptr) {
      Connection* previous = owner_;
      previous->flushCorked();
      previous->detachIfIdle();
    }
    owner_ = c;
  }
  if (!scheduled_) {
    scheduled_ = true;
    nx::nextTick([] { WriteBatch::current().flush(); });
  }
}

void WriteBatch::grow(std::size_t n) {
  std::size_t cap = std::max(cap_ * 2, size_ + n);
  std::unique_ptr<char[]> data(new char[cap]);
  if (size_ != 0) std::memcpy(data.get(), data_.get(), size_);
  data_ = std::move(data);
  cap_ = cap;
}

void WriteBatch::flush() noexcept {
  scheduled_ = false;
  if (owner_ == nullptr) return;
  Connection* c = owner_;
  c->flushCorked();
  c->detachIfIdle();
}

}  // namespace nx::http::detail
