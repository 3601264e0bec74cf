// SPDX-License-Identifier: MIT
#include "nodexx/fs/write_stream.hpp"

#include <cerrno>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/fs/internal/file_stream_io.hpp"
#include "nodexx/fs/internal/fs_errors.hpp"
#include "nodexx/stream/errors.hpp"

namespace nx::fs {
namespace {

stream::WritableOptions writableOptions(const WriteStreamOptions& o) {
  return {.highWaterMark = o.highWaterMark,
          .autoDestroy = o.autoClose,
          .emitClose = o.emitClose,
          .writev = true};
}

/// Drops the first `n` bytes of `chunks` (a short write wrote only those).
void advance(std::vector<Buffer>& chunks, std::uint64_t n) {
  std::size_t done = 0;
  while (done < chunks.size() && n >= chunks[done].size()) {
    n -= chunks[done].size();
    ++done;
  }
  chunks.erase(chunks.begin(), chunks.begin() + static_cast<std::ptrdiff_t>(done));
  if (n > 0 && !chunks.empty())
    chunks.front() = chunks.front().subarray(static_cast<std::ptrdiff_t>(n));
}

}  // namespace

WriteStream::WriteStream(Private, std::string path, const WriteStreamOptions& options)
    : stream::Writable<Buffer>(writableOptions(options)),
      path_(std::move(path)),
      mode_(options.mode),
      pos_(options.start) {}

WriteStream::~WriteStream() {
  unwatchSignal();
  // Only reachable with the file open when nothing is in flight (every request holds a
  // reference) and the stream was never destroyed, e.g. autoClose false: do not leak the fd.
  if (fd_ >= 0) detail::fsCloseSync(fd_);
}

WriteStreamEvents WriteStream::events() noexcept {
  return {stream::Writable<Buffer>::events(), open_, ready_};
}

void WriteStream::close(MoveFunction<void()> callback) {
  if (callback) {
    if (closed()) {
      nextTick(std::move(callback));
      return;
    }
    events().close.once(
        [cb = std::make_shared<MoveFunction<void()>>(std::move(callback))] { (*cb)(); });
  }
  // Without autoClose, "finish" would not close the file: close() does (Node's close()).
  if (!autoDestroy()) events().finish.once([this] { destroy(); });
  // end() rather than destroy(), so that what was written is flushed first (as Node).
  (void)end();
}

void WriteStream::open(int flags) {
  // Node opens from a tick after construction (its _construct runs in constructNT).
  nextTick([keep = self(), this, flags] {
    if (flags < 0) {
      nextTick([keep, this] { onConstructed(detail::invalidFlags(flagsText_)); });
      return;
    }
    detail::fsOpen(path_, flags, static_cast<int>(mode_),
                   [keep, this](std::int64_t result) { onOpen(result); });
  });
}

void WriteStream::onOpen(std::int64_t result) {
  if (result < 0) {
    std::exception_ptr error = detail::uvException(static_cast<int>(result), "open", &path_);
    nextTick([keep = self(), this, error] { onConstructed(error); });
    return;
  }
  fd_ = static_cast<int>(result);
  nextTick([keep = self(), this] { onConstructed(nullptr); });
  open_.emit(fd_);
  ready_.emit();
}

void WriteStream::onConstructed(std::exception_ptr openError) {
  constructed_ = true;
  if (destroyed()) {
    if (destroyCallback_) {
      std::exception_ptr error = destroyError_ ? destroyError_ : openError;
      destroyError_ = nullptr;
      closeFile(std::move(error), std::exchange(destroyCallback_, stream::Callback()));
    }
    return;
  }
  if (openError) {
    errorOrDestroy(openError, true);
    if (!destroyed()) {
      // autoClose false keeps the stream: a write or _final held for the open would never
      // complete, and their callbacks reference the stream. Fail them instead of leaking.
      finalCallback_ = stream::Callback();
      if (writeCallback_) {
        chunks_.clear();
        std::exchange(writeCallback_, stream::Callback())(openError);
      }
    }
    return;
  }
  if (writeCallback_) {
    startWrite(std::exchange(writeCallback_, stream::Callback()));
  } else if (finalCallback_) {
    std::exchange(finalCallback_, stream::Callback())();
  }
}

void WriteStream::_write(Buffer chunk, stream::Callback callback) {
  chunks_.clear();
  chunks_.push_back(std::move(chunk));
  vectored_ = false;
  startWrite(std::move(callback));
}

void WriteStream::_writev(std::span<Buffer> chunks, stream::Callback callback) {
  chunks_.assign(chunks.begin(), chunks.end());
  vectored_ = true;
  startWrite(std::move(callback));
}

void WriteStream::_final(stream::Callback callback) {
  // "finish" must not come before the file is open (Node waits for _construct).
  if (!constructed_) {
    finalCallback_ = std::move(callback);
    return;
  }
  callback();
}

void WriteStream::startWrite(stream::Callback callback) {
  writeCallback_ = std::move(callback);
  if (!constructed_) return;  // held until the open completes, in order
  remaining_ = 0;
  for (const Buffer& b : chunks_) remaining_ += b.size();
  writing_ = true;
  retries_ = 0;
  writePos_ = pos_;
  if (pos_) *pos_ += remaining_;
  submitWrite();
}

void WriteStream::submitWrite() {
  const std::int64_t position = writePos_ ? static_cast<std::int64_t>(*writePos_) : -1;
  detail::fsWrite(fd_, chunks_, position,
                  [keep = self(), this](std::int64_t result) { onWrite(result); });
}

// Node's writeAll/writevAll.
void WriteStream::onWrite(std::int64_t result) {
  if (result == -EAGAIN) result = 0;  // no room now: retried, as Node
  if (result < 0) {
    completeWrite(detail::uvException(static_cast<int>(result), "write"));
    return;
  }
  if (destroyed()) {
    completeWrite(
        std::make_exception_ptr(stream::errors::destroyed(vectored_ ? "writev" : "write")));
    return;
  }
  const auto n = static_cast<std::uint64_t>(result);
  bytesWritten_ += n;
  retries_ = n > 0 ? 0 : retries_ + 1;
  remaining_ -= n;
  if (writePos_) *writePos_ += n;
  if (retries_ > 5) {
    completeWrite(std::make_exception_ptr(SystemError(
        "ERR_SYSTEM_ERROR",
        std::string("A system error occurred: ") + (vectored_ ? "writev" : "write") + " failed")));
  } else if (remaining_ > 0) {
    advance(chunks_, n);
    submitWrite();
  } else {
    completeWrite(nullptr);
  }
}

void WriteStream::completeWrite(std::exception_ptr error) {
  writing_ = false;
  chunks_.clear();
  stream::Callback callback = std::exchange(writeCallback_, stream::Callback());
  callback(error);
  if (destroyed() && destroyCallback_) {
    // destroy() waited for this write. As Node, the write's error (ERR_STREAM_DESTROYED when
    // it completed after destroy()) becomes the stream's unless destroy() had one.
    std::exception_ptr e = destroyError_ ? destroyError_ : error;
    destroyError_ = nullptr;
    closeFile(std::move(e), std::exchange(destroyCallback_, stream::Callback()));
  }
}

void WriteStream::_destroy(std::exception_ptr error, stream::Callback callback) {
  unwatchSignal();
  // A write held for the open never started: it fails, as Node fails writes buffered
  // before the stream was constructed. A held _final is dropped ("finish" never comes).
  finalCallback_ = stream::Callback();
  if (!writing_ && writeCallback_) {
    chunks_.clear();
    std::exchange(writeCallback_,
                  stream::Callback())(stream::errors::destroyed(vectored_ ? "writev" : "write"));
  }
  if (!constructed_ || writing_) {
    // The pool thread may still use the descriptor (or it is not known yet): finish when
    // the request is back, so that a descriptor reused by another open is never closed.
    destroyError_ = std::move(error);
    destroyCallback_ = std::move(callback);
    return;
  }
  closeFile(std::move(error), std::move(callback));
}

void WriteStream::closeFile(std::exception_ptr error, stream::Callback callback) {
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

void WriteStream::watchSignal(AbortSignal signal) {
  if (signal.aborted()) {
    destroy(stream::errors::abortError());
    return;
  }
  signal_ = std::move(signal);
  abortListener_ = signal_.onAbort([weak = std::weak_ptr<stream::StreamBase>(self())] {
    if (auto s = weak.lock()) s->destroy(stream::errors::abortError());
  });
  // Node stops listening once the stream has finished (eos).
  events().finish.once([this] { unwatchSignal(); });
}

void WriteStream::unwatchSignal() noexcept {
  if (abortListener_ != 0) signal_.off(std::exchange(abortListener_, 0));
}

std::shared_ptr<WriteStream> createWriteStream(std::string path, WriteStreamOptions options,
                                               AbortSignal signal) {
  detail::validatePath(path);
  detail::validatePosition("start", options.start);
  const std::optional<int> flags = detail::parseFlags(options.flags);
  auto s = std::make_shared<WriteStream>(WriteStream::Private{}, std::move(path), options);
  if (!flags) s->flagsText_ = std::string(options.flags);
  if (signal) s->watchSignal(std::move(signal));
  s->open(flags.value_or(-1));
  return s;
}

}  // namespace nx::fs
