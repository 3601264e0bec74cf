// SPDX-License-Identifier: MIT
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <span>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/stream/stream_base.hpp"

namespace nx::stream {

namespace detail {
template <class T>
struct WritableOps;
}  // namespace detail

/// Options of a Writable (Node's `new Writable(options)`).
struct WritableOptions {
  /// Buffer level (bytes in byte mode, chunks in object mode) at which write() returns false.
  /// kDefaultHighWaterMark: 16 KiB / 16 objects.
  std::size_t highWaterMark = kDefaultHighWaterMark;
  /// Destroy the stream after "finish" (and "error"), so that "close" follows.
  bool autoDestroy = true;
  /// Emit "close" after destruction.
  bool emitClose = true;
  /// Set by implementers that override _writev(): buffered chunks are then handed over in
  /// one call.
  bool writev = false;
};

/// The events of a Writable (`w->events().drain.on(...)`).
struct WritableEvents {
  Event<std::exception_ptr>& error;  ///< "error", once, before "close"
  Event<>& close;                    ///< "close", the last event
  Event<>& drain;                    ///< "drain": the buffer emptied after write() returned false
  Event<>& finish;                   ///< "finish": end() was called and every write completed
  Event<>& prefinish;                ///< "prefinish": before _final's result is known
  Event<>& pipe;                     ///< "pipe": a Readable was piped into this stream
  Event<>& unpipe;                   ///< "unpipe": that Readable was unpiped
};

/// What write() returns: converts to Node's boolean (true while the buffer is below the high
/// water mark) and can be co_awaited to wait for room: ready at once when there is room
/// (no suspension, no allocation), else resumes (in a microtask) on "drain". The await
/// throws the stream's error if the write failed or the stream errors or is destroyed while
/// waiting (ERR_STREAM_DESTROYED when destroyed without an error). The stream must outlive
/// the await (hold its shared_ptr). Not copyable; use it in the expression that made it.
class WriteResult {
 public:
  WriteResult(StreamBase* stream, bool ok) noexcept : stream_(stream), ok_(ok) {}
  WriteResult(const WriteResult&) = delete;
  WriteResult& operator=(const WriteResult&) = delete;
  ~WriteResult();

  /// Node's return value of write().
  operator bool() const noexcept { return ok_; }  // NOLINT(google-explicit-constructor)

  bool await_ready() const noexcept;
  void await_suspend(std::coroutine_handle<> h);
  void await_resume();

 private:
  StreamBase* stream_;
  bool ok_;
  detail::Waiter waiter_;
};

/// What end() returns: may be ignored (Node's end() returns the stream), or co_awaited to wait
/// for "finish" (resolves) or an error (throws it; ERR_STREAM_DESTROYED, or
/// ERR_STREAM_PREMATURE_CLOSE when the stream closed without finishing). Awaiting never
/// allocates. The stream must outlive the await.
class EndResult {
 public:
  EndResult(StreamBase* stream, std::exception_ptr error) noexcept
      : stream_(stream), error_(std::move(error)) {}
  EndResult(const EndResult&) = delete;
  EndResult& operator=(const EndResult&) = delete;
  ~EndResult();

  bool await_ready() const noexcept;
  void await_suspend(std::coroutine_handle<> h);
  void await_resume();

 private:
  StreamBase* stream_;
  std::exception_ptr error_;  // end() itself failed (already finished or destroyed)
  detail::Waiter waiter_;
};

/// Node's stream.Writable for chunks of type T: byte mode for nx::Buffer (highWaterMark in
/// bytes), object mode otherwise (in chunks). Implement a sink by deriving and overriding
/// _write() (and optionally _writev(), _final(), _destroy()); create it with make_shared.
///
/// Backpressure: write() returns false once writableLength() reaches writableHighWaterMark(),
/// and "drain" is emitted when the buffer has emptied after that. Chunks are written one at a
/// time in order; while one is in _write, later ones are buffered. end() → _final → "finish"
/// → (autoDestroy) "close". Errors: write after end() → ERR_STREAM_WRITE_AFTER_END;
/// write after destroy() → ERR_STREAM_DESTROYED; an error from a callback destroys the
/// stream with it (autoDestroy) and emits "error" then "close". Loop-affine.
template <class T = Buffer>
class Writable : public virtual StreamBase {
 public:
  using writable_chunk = T;

  explicit Writable(WritableOptions options = {});
  ~Writable() override;

  /// Writes `chunk`; see WriteResult. The optional `callback(error)` runs once the chunk has
  /// been handled (error null) or has failed. An empty Buffer is written as a chunk of 0 bytes.
  WriteResult write(T chunk, MoveFunction<void(std::exception_ptr)> callback = nullptr);

  /// Ends the stream; see EndResult. No more writes are accepted. Calling end() again after
  /// "finish" fails the await with ERR_STREAM_ALREADY_FINISHED.
  EndResult end();
  /// write(chunk) then end().
  EndResult end(T chunk);

  /// Buffers writes until uncork() (as many uncork() calls as cork() calls), so that _writev
  /// receives them together.
  void cork() noexcept;
  void uncork();

  /// True while write() is allowed (not ended, not destroyed, not errored).
  bool writable() const noexcept;
  /// True once end() has been called.
  bool writableEnded() const noexcept { return w_->ending; }
  /// True once "finish" is due (every write completed after end()).
  bool writableFinished() const noexcept { return w_->finished; }
  /// Bytes (or chunks) waiting to be written, including the one in _write.
  std::size_t writableLength() const noexcept { return w_->length; }
  /// The high water mark (bytes or chunks).
  std::size_t writableHighWaterMark() const noexcept { return w_->highWaterMark; }
  /// True when write() returned false and "drain" has not been emitted yet.
  bool writableNeedDrain() const noexcept { return w_->needDrain; }
  /// The cork() nesting level.
  std::size_t writableCorked() const noexcept { return w_->corked; }
  /// True for object mode (T is not nx::Buffer).
  static constexpr bool writableObjectMode() noexcept { return kIsObjectMode<T>; }

  /// The events: error, close, drain, finish, prefinish, pipe, unpipe.
  WritableEvents events() noexcept;

 protected:
  /// Implementer hook: write `chunk` to the underlying resource, then call `callback()` (or
  /// `callback(error)`). Default: fails with ERR_METHOD_NOT_IMPLEMENTED.
  virtual void _write(T chunk, Callback callback);
  /// Implementer hook used when options.writev is set and several chunks are buffered: write
  /// them all, then call `callback` once. Default: fails with ERR_METHOD_NOT_IMPLEMENTED.
  virtual void _writev(std::span<T> chunks, Callback callback);
  /// Implementer hook: flush after end(), before "finish". Default: `callback()`.
  virtual void _final(Callback callback);

  void onDestroyStart() override;

 private:
  template <class U>
  friend struct detail::WritableOps;
  struct Entry {
    T chunk;
    MoveFunction<void(std::exception_ptr)> callback;
  };
  void runFinalHook(Callback callback) override;
  void errorBufferHook() override;
  void endWritableHook() override;

 protected:
  /// For the machinery: routes implementer callbacks (Transform adds its own kinds).
  void completeHook(int kind, std::uint32_t tag, std::exception_ptr error) override;

 private:
  detail::WritableCore core_;
  std::vector<Entry> buffered_;
  std::size_t bufferedIndex_ = 0;
  std::vector<T> writev_;  // the chunks handed to _writev, alive until its callback
};

/// Byte-mode Writable, instantiated once in writable.cpp.
extern template class Writable<Buffer>;

}  // namespace nx::stream

#include "nodexx/stream/writable_impl.hpp"  // IWYU pragma: export
