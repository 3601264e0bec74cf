// SPDX-License-Identifier: MIT
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/stream/stream_base.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::stream {

template <class T>
class Readable;

namespace detail {
template <class T>
struct ReadableOps;
template <class T>
class ChunkQueue;
}  // namespace detail

/// Options of a Readable (Node's `new Readable(options)`).
struct ReadableOptions {
  /// Buffer level (bytes in byte mode, chunks in object mode) at which push() returns false
  /// and _read() is no longer called. kDefaultHighWaterMark: 16 KiB / 16 objects.
  std::size_t highWaterMark = kDefaultHighWaterMark;
  /// Destroy the stream after "end" (and "error"), so that "close" follows.
  bool autoDestroy = true;
  /// Emit "close" after destruction.
  bool emitClose = true;
};

/// Options of pipe().
struct PipeOptions {
  /// Call dst->end() when the source ends (Node's `{ end: true }`).
  bool end = true;
};

/// The "data" event: an Event<T> whose on()/once()/prepend*() also switch the stream into
/// flowing mode, as attaching a 'data' listener does in Node (unless pause() was called).
template <class T>
class DataEvent : public Event<T> {
 public:
  DataEvent(void (*added)(void*), void* context) noexcept
      : Event<T>("data", "Readable"), added_(added), context_(context) {}

  template <EventListener<T> F>
  ListenerId on(F&& listener) {
    ListenerId id = Event<T>::on(std::forward<F>(listener));
    added_(context_);
    return id;
  }
  template <EventListener<T> F>
  ListenerId once(F&& listener) {
    ListenerId id = Event<T>::once(std::forward<F>(listener));
    added_(context_);
    return id;
  }
  template <EventListener<T> F>
  ListenerId prependListener(F&& listener) {
    ListenerId id = Event<T>::prependListener(std::forward<F>(listener));
    added_(context_);
    return id;
  }

 private:
  void (*added_)(void*);
  void* context_;
};

/// The events of a Readable (`r->events().data.on([](Buffer& chunk) { ... })`).
template <class T>
struct ReadableEvents {
  Event<std::exception_ptr>& error;  ///< "error", once, before "close"
  Event<>& close;                    ///< "close", the last event
  DataEvent<T>& data;                ///< "data": a chunk (flowing mode)
  Event<>& end;                      ///< "end": no more data, every chunk was consumed
  Event<>& pause;                    ///< "pause": pause() switched flowing off
  Event<>& resume;                   ///< "resume": flowing started
  Event<>& readable;                 ///< "readable": data or end is available
};

/// What read() returns: co_await it for the next chunk (std::nullopt at the end of the
/// stream). Ready at once when a chunk is buffered (no suspension); otherwise calls _read() as
/// needed and resumes in a microtask when a chunk, the end or an error arrives. Rethrows the
/// stream's error (ERR_STREAM_PREMATURE_CLOSE if it was destroyed before its end). Reading
/// does not switch the stream to flowing mode, and takes one chunk at a time, so the buffer
/// stays bounded by the high water mark. Nothing happens until it is awaited. Never
/// allocates. The stream must outlive the await.
template <class T>
class [[nodiscard("read() does nothing until it is co_awaited")]] ReadResult {
 public:
  explicit ReadResult(Readable<T> * stream) noexcept : stream_(stream) {}
  ReadResult(const ReadResult&) = delete;
  ReadResult& operator=(const ReadResult&) = delete;
  ~ReadResult();

  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  std::optional<T> await_resume();

 private:
  friend struct detail::ReadableOps<T>;
  Readable<T>* stream_;
  std::optional<T> value_;
  bool done_ = false;  // value_ (or the end) was delivered
  detail::Waiter waiter_;
};

namespace detail {
// A FIFO of chunks: a vector with a head index, so that an empty queue allocates nothing.
template <class T>
class ChunkQueue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  T& front() noexcept { return items_[head_]; }
  void push(T&& v) { items_.push_back(std::move(v)); }
  void pushFront(T&& v) {
    if (head_ > 0) {
      items_[--head_] = std::move(v);
    } else {
      items_.insert(items_.begin(), std::move(v));
    }
  }
  T pop() {
    T v = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return v;
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;
};
}  // namespace detail

/// Node's stream.Readable producing chunks of type T: byte mode for nx::Buffer (highWaterMark
/// in bytes), object mode otherwise (in chunks). Implement a source by deriving and overriding
/// _read(size), calling push(chunk) for data and push(nullptr) at the end; create it with
/// make_shared.
///
/// Consuming: attach a "data" listener (flowing mode; pause()/resume()), pipe() it into a
/// Writable, or `while (auto chunk = co_await r->read())`. Events follow Node's order: "data"…,
/// "end" (in a tick after the last chunk is consumed), then "close" (autoDestroy). push() after
/// push(nullptr) fails with ERR_STREAM_PUSH_AFTER_EOF. Loop-affine.
template <class T = Buffer>
class Readable : public virtual StreamBase {
 public:
  using readable_chunk = T;

  explicit Readable(ReadableOptions options = {});
  ~Readable() override;

  /// Adds a chunk to the buffer (or hands it straight to a flowing consumer). Returns false
  /// once readableLength() has reached the high water mark: stop pushing until _read() is
  /// called again. A push after the end destroys the stream with ERR_STREAM_PUSH_AFTER_EOF;
  /// after destroy() it is ignored (returns false).
  bool push(T chunk);
  /// Signals the end of the data (Node's push(null)). Returns false.
  bool push(std::nullptr_t);
  /// Puts `chunk` back at the front of the buffer, e.g. bytes a parser read too far (Node's
  /// unshift). After "end" it destroys the stream with ERR_STREAM_UNSHIFT_AFTER_END_EVENT.
  bool unshift(T chunk);

  /// The next chunk, as an awaitable; see ReadResult.
  ReadResult<T> read() noexcept { return ReadResult<T>(this); }

  /// Stops flowing mode; data stays buffered. Emits "pause" if the stream was flowing.
  void pause();
  /// Starts (or restarts) flowing mode; "resume" is emitted in a tick, then data flows.
  void resume();
  /// True after an explicit pause() (until resume()).
  bool isPaused() const noexcept { return core_.paused; }

  /// Pipes this stream into `dst` (a Writable<T>, Duplex or Transform taking T) with
  /// backpressure: when dst->write() returns false the source pauses until dst's "drain".
  /// Ends `dst` when the source ends (unless options.end is false). Errors are not forwarded
  /// (use pipeline() for that); a destination's error unpipes it. Keeps both streams alive
  /// until unpiped. Returns `dst`, for chaining.
  template <class D>
  requires std::is_base_of_v<Writable<T>, D> std::shared_ptr<D> pipe(std::shared_ptr<D> dst,
                                                                     PipeOptions options = {}) {
    pipeTo(std::shared_ptr<Writable<T>>(dst, static_cast<Writable<T>*>(dst.get())), options);
    return dst;
  }
  /// Removes every pipe destination (without ending them); the stream pauses if it was
  /// flowing only for them.
  void unpipe();
  /// Removes one destination; no effect if it is not piped.
  void unpipe(const Writable<T>& dst);

  /// True while data may still be read (not ended, not destroyed, not errored).
  bool readable() const noexcept;
  /// True once "end" has been emitted.
  bool readableEnded() const noexcept { return core_.endEmitted; }
  /// Bytes (or chunks) buffered.
  std::size_t readableLength() const noexcept { return core_.length; }
  /// The high water mark (bytes or chunks).
  std::size_t readableHighWaterMark() const noexcept { return core_.highWaterMark; }
  /// Node's readableFlowing: nullopt before any consumer, true flowing, false paused.
  std::optional<bool> readableFlowing() const noexcept {
    if (core_.flowing < 0) return std::nullopt;
    return core_.flowing > 0;
  }
  /// True for object mode (T is not nx::Buffer).
  static constexpr bool readableObjectMode() noexcept { return kIsObjectMode<T>; }

  /// The events: error, close, data, end, pause, resume, readable.
  ReadableEvents<T> events() noexcept;

  /// A Readable that pushes `chunks` one by one, then ends (Node's Readable.from(array)).
  static std::shared_ptr<Readable<T>> from(std::vector<T> chunks, ReadableOptions options = {});
  /// A Readable that calls `next()` for each chunk until it returns std::nullopt (the end);
  /// an exception from `next` destroys the stream with it (Node's Readable.from(generator)).
  static std::shared_ptr<Readable<T>> from(MoveFunction<std::optional<T>()> next,
                                           ReadableOptions options = {});

 protected:
  /// Implementer hook: produce data with push() (synchronously or later); called again only
  /// after a push. `size` is advisory (the high water mark). Default: destroys the stream
  /// with ERR_METHOD_NOT_IMPLEMENTED.
  virtual void _read(std::size_t size);

  void onDestroyStart() override;

 private:
  friend struct detail::ReadableOps<T>;
  friend class ReadResult<T>;
  struct Pipe;
  void readZeroHook() override;
  void flowHook() override;
  void afterCloseHook() override;
  void pipeTo(std::shared_ptr<Writable<T>> dst, PipeOptions options);

  detail::ReadableCore core_;
  DataEvent<T> data_;
  detail::ChunkQueue<T> buffer_;
  std::vector<std::shared_ptr<Pipe>> pipes_;
};

/// Byte-mode Readable, instantiated once in readable.cpp.
extern template class Readable<Buffer>;

}  // namespace nx::stream

#include "nodexx/stream/readable_impl.hpp"  // IWYU pragma: export
