// SPDX-License-Identifier: MIT
// Connection: the output side (the corked batch, uv_try_write/uv_write) and closing.
#include <uv.h>

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
  if (!writing_.empty() || !queued_.empty()) {
    queued_.append(bytes);  // the socket is backed up: keep order behind what waits
    return;
  }
  WriteBatch& batch = WriteBatch::current();
  batch.add(this, bytes);
}

std::size_t Connection::bufferedBytes() const noexcept {
  WriteBatch& batch = WriteBatch::current();
  return writing_.size() + queued_.size() + (batch.owner() == this ? batch.size() : 0);
}

bool Connection::overHighWater() const noexcept {
  return bufferedBytes() >= server_.options.highWaterMark;
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
  uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
  int n = uv_try_write(stream(), &b, 1);
  if (n == UV_EAGAIN || n == UV_ENOSYS) n = 0;
  if (n < 0) {
    batch.clear();
    destroy();
    return;
  }
  if (static_cast<std::size_t>(n) < data.size()) {
    queued_.append(data.data() + n, data.size() - static_cast<std::size_t>(n));
    batch.clear();
    startWrite();
    return;
  }
  batch.clear();
  afterFlush();
}

void Connection::startWrite() {
  if (!writing_.empty() || queued_.empty() || closing_) return;
  writing_.swap(queued_);
  uv_buf_t b = uv_buf_init(writing_.data(), static_cast<unsigned>(writing_.size()));
  writeReq_.data = this;
  if (uv_write(&writeReq_, stream(), &b, 1, onWrite) != 0) {
    writing_.clear();
    destroy();
  }
}

void Connection::onWrite(uv_write_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  callback(self->server_.loop, [&] {
    self->writing_.clear();
    if (status < 0) {
      self->destroy();
      if (self->closed_) self->releaseIfDone();
      return;
    }
    if (!self->queued_.empty()) {
      self->startWrite();
      return;
    }
    // Nothing waits: give the memory back (an idle connection holds no buffers).
    std::string().swap(self->writing_);
    std::string().swap(self->queued_);
    self->afterFlush();
  });
}

void Connection::afterFlush() {
  if (!writing_.empty() || !queued_.empty()) return;
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
  if (!writing_.empty() || !queued_.empty()) {
    closeAfterWrite_ = true;
    return;
  }
  shutdownStarted_ = true;
  updateReading();
  shutdownReq_.data = this;
  if (uv_shutdown(&shutdownReq_, stream(), onShutdown) != 0) destroy();
}

void Connection::onShutdown(uv_shutdown_t* req, int) {
  auto* self = static_cast<Connection*>(req->data);
  callback(self->server_.loop, [&] { self->destroy(); });
}

void Connection::destroy() noexcept {
  if (closing_) return;
  closing_ = true;
  WriteBatch& batch = WriteBatch::current();
  if (batch.owner() == this) batch.clear();
  if (reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
  uv_close(handle(), onClosed);
}

void Connection::onClosed(uv_handle_t* h) {
  auto* self = static_cast<Connection*>(h->data);
  callback(self->server_.loop, [&] {
    Connection& c = *self;
    c.closed_ = true;
    if (c.listed) {
      c.listed = false;
      c.server_.connectionClosed(&c);
    }
    if (c.exchangeActive_ || c.parser_.inMessage()) {
      if (!c.req.complete_ && c.exchangeActive_) {
        c.req.aborted_ = true;
        c.bodyError_ =
            std::make_exception_ptr(SystemError(std::string(errc::kConnectionReset), "aborted"));
        if (c.bodyWaiter_) {
          auto w = std::move(*c.bodyWaiter_);
          c.bodyWaiter_.reset();
          w.reject(c.bodyError_);
        }
        if (c.bodyStream_) c.bodyStream_->destroy(c.bodyError_);
        c.req.onAborted.emit();
      }
    }
    if (c.exchangeActive_ && !c.res.finished_) {
      c.res.settleDrain();
      c.res.onClose.emit();
    }
    c.dropBodyStream();
    std::string().swap(c.writing_);
    std::string().swap(c.queued_);
    std::string().swap(c.pendingIn_);
    c.parser_.releaseStorage();
    c.releaseIfDone();
  });
}

void Connection::releaseIfDone() noexcept {
  if (!closed_ || handlerPending_) return;
  closed_ = false;  // released once
  closing_ = true;
  exchangeActive_ = false;
  server_.release(this);
}

}  // namespace nx::http::detail

namespace nx::http::detail {

void WriteBatch::add(Connection* c, std::string_view bytes) {
  if (owner_ != c) {
    if (owner_ != nullptr) owner_->flushCorked();
    owner_ = c;
  }
  buf_.append(bytes);
  if (!scheduled_) {
    scheduled_ = true;
    nx::nextTick([] { WriteBatch::current().flush(); });
  }
}

void WriteBatch::flush() noexcept {
  scheduled_ = false;
  if (owner_ != nullptr) owner_->flushCorked();
}

}  // namespace nx::http::detail
