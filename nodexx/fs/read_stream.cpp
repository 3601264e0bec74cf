// SPDX-License-Identifier: MIT
#include "nodexx/fs/read_stream.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/fs/internal/file_stream_io.hpp"
#include "nodexx/fs/internal/fs_errors.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/pipeline.hpp"

namespace nx::fs {
namespace {

stream::ReadableOptions readableOptions(const ReadStreamOptions& o) {
  return {.highWaterMark = o.highWaterMark == stream::kDefaultHighWaterMark
                               ? kDefaultReadStreamHighWaterMark
                               : o.highWaterMark,
          .autoDestroy = o.autoClose,
          .emitClose = o.emitClose};
}

/// Node's close(cb) attaches finished(stream, cb): the callback learns how the stream ended.
Promise<> callWhenFinished(Promise<> finished, MoveFunction<void(std::exception_ptr)> callback) {
  std::exception_ptr error;
  try {
    co_await std::move(finished);
  } catch (...) {
    error = std::current_exception();
  }
  callback(error);
}

}  // namespace

ReadStream::ReadStream(Private, std::string path, const ReadStreamOptions& options)
    : stream::Readable<Buffer>(readableOptions(options)),
      path_(std::move(path)),
      mode_(options.mode),
      start_(options.start),
      end_(options.end),
      pos_(options.start) {}

ReadStream::~ReadStream() {
  unwatchSignal();
  // Only reachable with the file open when nothing is in flight (every request holds a
  // reference) and the stream was never destroyed, e.g. autoClose false: do not leak the fd.
  if (fd_ >= 0) detail::fsCloseSync(fd_);
}

ReadStreamEvents ReadStream::events() noexcept {
  return {stream::Readable<Buffer>::events(), open_, ready_};
}

void ReadStream::close(MoveFunction<void(std::exception_ptr)> callback) {
  if (callback) (void)callWhenFinished(stream::finished(self()), std::move(callback));
  destroy();
}

void ReadStream::open(int flags) {
  // Node opens from a tick after construction (its _construct runs in constructNT).
  nextTick([keep = self(), this, flags] {
    if (flags < 0) {
      // Node's fs.open throws inside _construct; the error reaches the stream a tick later.
      nextTick([keep, this] { onConstructed(detail::invalidFlags(flagsText_)); });
      return;
    }
    detail::fsOpen(path_, flags, static_cast<int>(mode_),
                   [keep, this](std::int64_t result) { onOpen(result); });
  });
}

void ReadStream::onOpen(std::int64_t result) {
  if (result < 0) {
    std::exception_ptr error = detail::uvException(static_cast<int>(result), "open", &path_);
    nextTick([keep = self(), this, error] { onConstructed(error); });
    return;
  }
  fd_ = static_cast<int>(result);
  // As Node's _construct: the stream learns it is constructed in a tick, while "open" and
  // "ready" are emitted now (also when destroy() was called meanwhile).
  nextTick([keep = self(), this] { onConstructed(nullptr); });
  open_.emit(fd_);
  ready_.emit();
}

void ReadStream::onConstructed(std::exception_ptr openError) {
  constructed_ = true;
  if (destroyed()) {
    // destroy() came first and waited for the open (Node's kDestroy after construct).
    if (destroyCallback_) {
      std::exception_ptr error = destroyError_ ? destroyError_ : openError;
      destroyError_ = nullptr;
      closeFile(std::move(error), std::exchange(destroyCallback_, stream::Callback()));
    }
    return;
  }
  if (openError) {
    errorOrDestroy(std::move(openError), true);
    return;
  }
  if (readWanted_) startRead(*std::exchange(readWanted_, std::nullopt));
}

void ReadStream::_read(std::size_t size) {
  if (!constructed_) {
    // The Readable asked before the open completed: read once it has.
    readWanted_ = size;
    return;
  }
  startRead(size);
}

void ReadStream::startRead(std::size_t size) {
  // Node's _read: never past `end` (inclusive), counted from pos (with start) or bytesRead.
  std::uint64_t want = size;
  if (end_) {
    const std::uint64_t from = pos_ ? *pos_ : bytesRead_;
    want = std::min(want, *end_ + 1 > from ? *end_ + 1 - from : 0);
  }
  if (want == 0) {
    push(nullptr);
    return;
  }
  readBuffer_ = Buffer::allocUnsafe(static_cast<std::size_t>(want));
  reading_ = true;
  const std::int64_t position = pos_ ? static_cast<std::int64_t>(*pos_) : -1;
  detail::fsRead(fd_, readBuffer_, position,
                 [keep = self(), this](std::int64_t result) { onRead(result); });
}

void ReadStream::onRead(std::int64_t result) {
  reading_ = false;
  Buffer buffer = std::move(readBuffer_);
  readBuffer_ = Buffer();
  if (destroyed()) {
    // destroy() waited for this read (the fd must not be closed under it): close now.
    if (destroyCallback_) {
      std::exception_ptr error = destroyError_;
      if (!error && result < 0) error = detail::uvException(static_cast<int>(result), "read");
      destroyError_ = nullptr;
      closeFile(std::move(error), std::exchange(destroyCallback_, stream::Callback()));
    }
    return;
  }
  if (result < 0) {
    errorOrDestroy(detail::uvException(static_cast<int>(result), "read"));
  } else if (result > 0) {
    const auto n = static_cast<std::uint64_t>(result);
    if (pos_) *pos_ += n;
    bytesRead_ += n;
    if (n != buffer.size()) {
      // A short read is copied to a chunk of its own size so that it does not pin the
      // whole read buffer (Node's "shrink to fit").
      Buffer exact = Buffer::allocUnsafe(static_cast<std::size_t>(n));
      std::memcpy(exact.data(), buffer.data(), static_cast<std::size_t>(n));
      buffer = std::move(exact);
    }
    push(std::move(buffer));
  } else {
    push(nullptr);
  }
}

void ReadStream::_destroy(std::exception_ptr error, stream::Callback callback) {
  unwatchSignal();
  if (!constructed_ || reading_) {
    // The pool thread may still use the descriptor (or it is not known yet): closing now
    // could close a descriptor reused by another open. Finish when the request is back.
    destroyError_ = std::move(error);
    destroyCallback_ = std::move(callback);
    return;
  }
  closeFile(std::move(error), std::move(callback));
}

void ReadStream::closeFile(std::exception_ptr error, stream::Callback callback) {
  if (fd_ < 0) {
    callback(std::move(error));
    return;
  }
  detail::fsClose(
      std::exchange(fd_, -1), [callback = std::move(callback), error](std::int64_t result) {
        // As Node: a close error wins over the destroy error.
        callback(result < 0 ? detail::uvException(static_cast<int>(result), "close") : error);
      });
}

void ReadStream::watchSignal(AbortSignal signal) {
  if (signal.aborted()) {
    destroy(stream::errors::abortError());
    return;
  }
  signal_ = std::move(signal);
  abortListener_ = signal_.onAbort([weak = std::weak_ptr<stream::StreamBase>(self())] {
    if (auto s = weak.lock()) s->destroy(stream::errors::abortError());
  });
  // Node stops listening once the stream has ended (eos), so a later abort changes nothing.
  events().end.once([this] { unwatchSignal(); });
}

void ReadStream::unwatchSignal() noexcept {
  if (abortListener_ != 0) signal_.off(std::exchange(abortListener_, 0));
}

std::shared_ptr<ReadStream> createReadStream(std::string path, ReadStreamOptions options,
                                             AbortSignal signal) {
  detail::validatePath(path);
  detail::validatePosition("start", options.start);
  detail::validatePosition("end", options.end);
  detail::validateRange(options.start, options.end);
  const std::optional<int> flags = detail::parseFlags(options.flags);
  auto s = std::make_shared<ReadStream>(ReadStream::Private{}, std::move(path), options);
  if (!flags) s->flagsText_ = std::string(options.flags);
  if (signal) s->watchSignal(std::move(signal));
  s->open(flags.value_or(-1));
  return s;
}

}  // namespace nx::fs
