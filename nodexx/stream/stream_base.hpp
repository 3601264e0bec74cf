// SPDX-License-Identifier: MIT
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/move_function.hpp"

namespace nx::stream {

class StreamBase;

/// highWaterMark value meaning "the default for the chunk type": 16384 bytes for nx::Buffer
/// (byte mode), 16 chunks for any other type (object mode), as Node 20.
inline constexpr std::size_t kDefaultHighWaterMark = static_cast<std::size_t>(-1);
/// Node 20's byte-mode default highWaterMark (16 KiB).
inline constexpr std::size_t kDefaultByteHighWaterMark = 16 * 1024;
/// Node 20's object-mode default highWaterMark (16 objects).
inline constexpr std::size_t kDefaultObjectHighWaterMark = 16;

/// True when chunks of type T are counted as objects (any T but nx::Buffer).
template <class T>
inline constexpr bool kIsObjectMode = !std::is_same_v<T, Buffer>;

/// The completion callback handed to an implementer's _write, _writev, _final, _transform,
/// _flush and _destroy. Call it exactly once: `callback()` for success or `callback(error)`.
/// It may be called synchronously inside the hook or later from any callback of the stream's
/// loop (a thread-pool completion, a libuv write callback); never from another thread.
/// Calling it a second time is an error: the stream is destroyed with ERR_MULTIPLE_CALLBACK
/// (a second _destroy callback is ignored, as in Node). Copying is cheap (a shared_ptr copy,
/// no allocation) and the callback keeps the stream alive until it is destroyed or called.
class Callback {
 public:
  /// An empty callback; calling it is undefined.
  Callback() noexcept = default;

  /// Reports completion; a non-null `error` fails the operation.
  void operator()(std::exception_ptr error = nullptr) const;
  /// Reports failure with an exception object, e.g. `callback(SystemError("E", "msg"))`.
  template <class E>
  requires std::is_base_of_v<std::exception, std::decay_t<E>>
  void operator()(E&& error) const { (*this)(std::make_exception_ptr(std::forward<E>(error))); }

  explicit operator bool() const noexcept { return fn_ != nullptr; }

  /// For the machinery: which operation of `stream` this callback completes.
  using Fn = void (*)(StreamBase& stream, std::uint32_t tag, std::exception_ptr error);
  Callback(std::shared_ptr<StreamBase> stream, Fn fn, std::uint32_t tag) noexcept
      : stream_(std::move(stream)), fn_(fn), tag_(tag) {}

 private:
  std::shared_ptr<StreamBase> stream_;
  Fn fn_ = nullptr;
  std::uint32_t tag_ = 0;
};

namespace detail {

// A coroutine suspended in co_await on a stream (write(), end(), read()); an intrusive list
// node living in the awaiting coroutine's frame, so waiting allocates nothing.
struct Waiter {
  Waiter* next = nullptr;
  Waiter* prev = nullptr;
  std::coroutine_handle<> handle;
  void* context = nullptr;  // the awaiter object that holds this node
  std::exception_ptr error;
  bool linked = false;
};

// A doubly linked FIFO of waiters; resume() queues each handle as a microtask.
class WaiterList {
 public:
  void push(Waiter& w) noexcept;
  void remove(Waiter& w) noexcept;
  bool empty() const noexcept { return head_ == nullptr; }
  Waiter* front() const noexcept { return head_; }
  // Unlinks every waiter, sets its error, and resumes it in a microtask.
  void resumeAll(const std::exception_ptr& error);

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

// The non-template half of a Readable's state (Node's ReadableState without the buffer).
struct ReadableCore {
  std::size_t highWaterMark = kDefaultByteHighWaterMark;
  std::size_t length = 0;  // bytes or chunks buffered
  bool objectMode = false;
  signed char flowing = -1;  // -1 null (never), 0 paused, 1 flowing
  bool ended = false;
  bool endEmitted = false;
  bool reading = false;
  bool sync = true;
  bool needReadable = false;
  bool emittedReadable = false;
  bool resumeScheduled = false;
  bool paused = false;  // Node's kPaused: pause() was called explicitly
  bool dataEmitted = false;
  bool readingMore = false;
  bool readScheduled = false;
  bool wakeScheduled = false;  // a microtask will serve the waiting co_await read()s
  bool allowHalfOpen = true;   // Duplex only
  std::size_t awaitDrain = 0;  // pipe destinations whose write() returned false
  Event<> end{"end", "Readable"};
  Event<> pause{"pause", "Readable"};
  Event<> resume{"resume", "Readable"};
  Event<> readable{"readable", "Readable"};
  WaiterList readers;  // co_await read()
};

// The non-template half of a Writable's state (Node's WritableState without the buffer).
struct WritableCore {
  std::size_t highWaterMark = kDefaultByteHighWaterMark;
  std::size_t length = 0;  // bytes or chunks written but not yet completed
  bool objectMode = false;
  bool ending = false;
  bool ended = false;
  bool finished = false;
  bool needDrain = false;
  bool writing = false;
  bool sync = true;
  bool bufferProcessing = false;
  bool prefinished = false;
  bool finalCalled = false;
  bool writev = false;
  bool afterWriteTickPending = false;
  std::uint32_t corked = 0;
  bool afterWriteNop = false;  // the pending after-write tick batches callback-less writes
  std::uint32_t tagSeq = 0;    // source of callback tags
  std::uint32_t writeTag = 0;  // the tag of the outstanding _write callback (0: none)
  std::uint32_t finalTag = 0;
  std::uint32_t afterWriteCount = 0;
  std::uint32_t afterWriteGen = 0;
  std::vector<std::uint32_t> frozenAfterWrite;  // counts of replaced after-write ticks
  std::size_t pendingcb = 0;
  std::size_t writelen = 0;
  MoveFunction<void(std::exception_ptr)> writecb;  // the user's write() callback, if any
  std::vector<MoveFunction<void(std::exception_ptr)>> onFinished;  // end() callbacks
  Event<> drain{"drain", "Writable"};
  Event<> finish{"finish", "Writable"};
  Event<> prefinish{"prefinish", "Writable"};
  Event<> pipe{"pipe", "Writable"};
  Event<> unpipe{"unpipe", "Writable"};
  WaiterList drainWaiters;   // co_await write()
  WaiterList finishWaiters;  // co_await end()
};

}  // namespace detail

/// The events every stream has.
struct StreamEvents {
  Event<std::exception_ptr>& error;  ///< "error": emitted once, before "close"
  Event<>& close;                    ///< "close": last event, after end/finish/error
};

/// What Readable, Writable, Duplex and Transform share: destroy(), the error and close events,
/// loop affinity and the ownership hooks. Not used directly.
///
/// Ownership: streams are shared objects (JS object semantics). Create them with
/// std::make_shared; pipe(), pipeline(), finished(), pending implementer callbacks and
/// deferred (nextTick) emits each hold a reference until they are done, so a stream lives
/// as long as anything still uses it. To embed a stream in a larger reference-counted
/// object (and hand out aliasing shared_ptrs), call setOwner() with that object; a stream
/// with neither is used through raw references, and its owner must keep it alive until
/// "close" has been emitted. Not copyable or movable. Thread: the creating loop's thread
/// only (debug builds assert).
class StreamBase : public std::enable_shared_from_this<StreamBase> {
 public:
  StreamBase(const StreamBase&) = delete;
  StreamBase& operator=(const StreamBase&) = delete;
  virtual ~StreamBase();

  /// Destroys the stream (Node's destroy(err)): buffered data is dropped, pending writes fail
  /// with ERR_STREAM_DESTROYED, _destroy() runs, then "error" (if `error` is set) and
  /// "close" are emitted in a later tick, in that order. Later calls have no effect.
  void destroy(std::exception_ptr error = nullptr);
  /// destroy() with an exception object.
  template <class E>
  requires std::is_base_of_v<std::exception, std::decay_t<E>>
  void destroy(E&& error) { destroy(std::make_exception_ptr(std::forward<E>(error))); }

  /// True once destroy() has been called (also by autoDestroy).
  bool destroyed() const noexcept { return destroyed_; }
  /// True once _destroy() has completed ("close" follows in a tick).
  bool closed() const noexcept { return closed_; }
  /// The error the stream failed with, or null (Node's readableErrored/writableErrored).
  const std::exception_ptr& errored() const noexcept { return errored_; }

  /// The error and close events: `s->events().close.on([] { ... })` (each stream class
  /// returns its own, larger set from events()).
  StreamEvents events() noexcept { return {error_, close_}; }

  /// A shared_ptr to this stream: from make_shared, from the owner given to setOwner()
  /// (aliasing), or else a non-owning pointer (see the class comment). Never allocates.
  std::shared_ptr<StreamBase> self() noexcept;

  /// The embedding hook: this stream lives inside `owner` (e.g. a pooled per-connection
  /// object), and references taken by the machinery alias it. Call before first use.
  void setOwner(std::weak_ptr<void> owner) noexcept { owner_ = std::move(owner); }

  /// The loop the stream was created on.
  Loop& loop() const noexcept { return *loop_; }

  /// For the machinery: the readable and writable halves (null when absent).
  detail::ReadableCore* readableCore() const noexcept { return r_; }
  detail::WritableCore* writableCore() const noexcept { return w_; }
  /// For the machinery: whether autoDestroy / emitClose are on.
  bool autoDestroy() const noexcept { return autoDestroy_; }
  bool emitCloseEnabled() const noexcept { return emitClose_; }
  /// Node's errorOrDestroy(): destroys with `error` when autoDestroy is on, else records it
  /// and emits "error" (in a tick when `sync`).
  void errorOrDestroy(std::exception_ptr error, bool sync = false);

 protected:
  StreamBase() noexcept;

  /// Implementer hook: release resources, then call `callback(error)` (pass `error` through,
  /// or another error, or none). Default: `callback(error)`.
  virtual void _destroy(std::exception_ptr error, Callback callback);

  /// Called (synchronously) once destroy() starts, so subclasses can fail waiters.
  virtual void onDestroyStart() {}

  void assertLoopThread() const noexcept;
  void setCommonOptions(bool autoDestroy, bool emitClose) noexcept {
    autoDestroy_ = autoDestroy;
    emitClose_ = emitClose;
  }

  detail::ReadableCore* r_ = nullptr;
  detail::WritableCore* w_ = nullptr;
  Event<std::exception_ptr> error_{"error", "Stream"};
  Event<> close_{"close", "Stream"};

 private:
  friend struct StreamAccess;
  // Hooks for the non-template machinery, overridden by Writable<T> and Readable<T>.
  virtual void runFinalHook(Callback callback) { callback(); }  // the writable side's _final
  virtual void errorBufferHook() {}  // fail buffered writes (Node's errorBuffer)
  virtual void readZeroHook() {}     // Node's read(0)
  virtual void flowHook() {}         // Node's flow()
  virtual void endWritableHook() {}  // the writable side's end(), for allowHalfOpen = false
  virtual void afterCloseHook() {}   // "close" was emitted: drop what still references us
  // Completion of an implementer callback of kind `kind` (see detail::CallbackKind): a virtual
  // call reaches the derived template without a dynamic_cast across the virtual base.
  virtual void completeHook(int kind, std::uint32_t tag, std::exception_ptr error) {
    (void)kind;
    (void)tag;
    (void)error;
  }
  static void onDestroyCallback(StreamBase& s, std::uint32_t tag, std::exception_ptr error);

  Loop* loop_;
  std::weak_ptr<void> owner_;
  std::exception_ptr errored_;
  std::uint32_t destroyTag_ = 0;
  bool destroyed_ = false;
  bool closed_ = false;
  bool closeEmitted_ = false;
  bool errorEmitted_ = false;
  bool autoDestroy_ = true;
  bool emitClose_ = true;
};

/// For the machinery (readable.cpp, writable.cpp, pipeline.cpp): state access without
/// widening StreamBase's public surface.
struct StreamAccess {
  static std::exception_ptr& errored(StreamBase& s) noexcept { return s.errored_; }
  static bool& errorEmitted(StreamBase& s) noexcept { return s.errorEmitted_; }
  static bool& closeEmitted(StreamBase& s) noexcept { return s.closeEmitted_; }
  static Event<std::exception_ptr>& errorEvent(StreamBase& s) noexcept { return s.error_; }
  static Event<>& closeEvent(StreamBase& s) noexcept { return s.close_; }
  static void runFinal(StreamBase& s, Callback cb) { s.runFinalHook(std::move(cb)); }
  static void errorBuffer(StreamBase& s) { s.errorBufferHook(); }
  static void readZero(StreamBase& s) { s.readZeroHook(); }
  static void flow(StreamBase& s) { s.flowHook(); }
  static void endWritable(StreamBase& s) { s.endWritableHook(); }
  static void afterClose(StreamBase& s) { s.afterCloseHook(); }
  static void complete(StreamBase& s, int kind, std::uint32_t tag, std::exception_ptr error) {
    s.completeHook(kind, tag, std::move(error));
  }
};

namespace detail {
// The kinds of StreamBase::complete().
enum CallbackKind : int { kWriteDone = 1, kTransformDone = 2, kFlushDone = 3 };
template <int Kind>
void completeThunk(StreamBase& s, std::uint32_t tag, std::exception_ptr error) {
  StreamAccess::complete(s, Kind, tag, std::move(error));
}
// The highWaterMark option resolved against the mode's default.
inline std::size_t resolveHighWaterMark(std::size_t hwm, bool objectMode) noexcept {
  if (hwm != kDefaultHighWaterMark) return hwm;
  return objectMode ? kDefaultObjectHighWaterMark : kDefaultByteHighWaterMark;
}
// Bytes (byte mode) or 1 (object mode).
template <class T>
std::size_t chunkLength(const T& chunk) noexcept {
  if constexpr (kIsObjectMode<T>) {
    (void)chunk;
    return 1;
  } else {
    return chunk.size();
  }
}
// Queues `fn` on the nextTick queue, holding a reference to `s` until it has run.
template <class F>
void tick(StreamBase& s, F&& fn) {
  nextTick([keep = s.self(), fn = std::forward<F>(fn)]() mutable { fn(); });
}
// Node's end-of-writable-side logic shared by every Writable<T> (writable.cpp).
bool needFinish(StreamBase& s) noexcept;
void finishMaybe(StreamBase& s, bool sync);
void finish(StreamBase& s);
// The end-of-readable-side logic shared by every Readable<T> (readable.cpp).
void endReadable(StreamBase& s);
// Emits "error" once (Node's emitErrorNT).
void emitErrorNT(StreamBase& s, const std::exception_ptr& error);
}  // namespace detail

}  // namespace nx::stream
