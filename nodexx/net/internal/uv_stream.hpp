// SPDX-License-Identifier: MIT
// The libuv glue of the net module: one TCP or pipe handle, its reads, writes, shutdown,
// connect and listen. Never throws for I/O failures: operations return libuv error codes and
// callbacks receive them. Never included by public headers.
#pragma once

#include <uv.h>

#include <cstddef>
#include <span>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"

namespace nx::net::detail {

/// Receives a handle's read events for an `owner` object. One stateless sink serves every
/// socket (the owner pointer carries the state), so attaching one costs no allocation. Detached
/// before the owner goes away, so no event reaches a destroyed owner.
class StreamSink {
 public:
  /// `chunk` shares the loop thread's read slab (see UvStream); it stays valid while held.
  virtual void onData(void* owner, Buffer chunk) const = 0;
  /// The peer ended its side (UV_EOF).
  virtual void onEof(void* owner) const = 0;
  /// A read failed with libuv error `err` (ECONNRESET, ...).
  virtual void onReadError(void* owner, int err) const = 0;

 protected:
  ~StreamSink() = default;
};

/// A uv_tcp_t or uv_pipe_t. It owns itself: create() allocates it, close() starts libuv's
/// asynchronous close, and the close callback frees it (never a destructor while libuv still
/// holds the handle). After close() no read or connect callback reaches the owner; pending write
/// and shutdown completions still run, with UV_ECANCELED (their callers hold what they need
/// and must settle their streams).
/// Loop-affine; every callback into user code runs through detail::invokeCallback, so the
/// tick queues drain after it as in Node.
class UvStream {
 public:
  enum class Kind { Tcp, Pipe };

  /// A new, unconnected handle on `loop`. Throws std::bad_alloc only.
  static UvStream* create(uv_loop_t* loop, Kind kind);

  Kind kind() const noexcept { return kind_; }
  uv_stream_t* stream() noexcept { return reinterpret_cast<uv_stream_t*>(&h_); }
  uv_handle_t* handle() noexcept { return reinterpret_cast<uv_handle_t*>(&h_); }
  uv_tcp_t* tcp() noexcept { return &h_.tcp; }
  uv_pipe_t* pipe() noexcept { return &h_.pipe; }
  uv_loop_t* loop() noexcept { return handle()->loop; }
  bool isClosing() const noexcept { return closing_; }

  void setSink(const StreamSink* sink, void* owner) noexcept {
    sink_ = sink;
    owner_ = owner;
  }

  /// Starts delivering reads to the sink; no-op when already reading. Returns 0 or an error.
  int readStart() noexcept;
  /// Stops reading from the kernel (a paused socket applies backpressure to its peer).
  int readStop() noexcept;
  bool isReading() const noexcept { return reading_; }

  /// Writes `bufs` in order as one operation: uv_try_write first, uv_write for the rest (one
  /// request with several buffers, which is what cork() batching relies on). `done(status)`
  /// runs once the bytes are handed to the kernel — synchronously, from inside write(), when
  /// uv_try_write took everything. Returns a synchronous error (then `done` is not called).
  /// The Buffers are kept alive until the write completes.
  int write(std::span<const Buffer> bufs, MoveFunction<void(int)> done);
  /// Bytes accepted by write() but not yet handed to the kernel.
  std::size_t writeQueueSize() const noexcept { return h_.stream.write_queue_size; }

  /// Half-closes (FIN after the queued writes); `done(status)` runs after. Returns a
  /// synchronous error (then `done` is not called).
  int shutdown(MoveFunction<void(int)> done);

  /// Connects a TCP handle to `addr`; `done(status)` runs asynchronously.
  int connect(const sockaddr* addr, MoveFunction<void(int)> done);
  /// Connects a pipe handle to the Unix socket `path`; `done(status)` runs asynchronously.
  void connect(const char* path, MoveFunction<void(int)> done);

  /// Listens (after bind by the caller); `onConnection(status)` runs per incoming connection,
  /// which the callee takes with accept().
  int listen(int backlog, MoveFunction<void(int)> onConnection);
  /// Accepts one pending connection into `client` (a fresh handle of the same kind).
  int accept(UvStream& client) noexcept;

  void ref() noexcept { uv_ref(handle()); }
  void unref() noexcept { uv_unref(handle()); }
  bool hasRef() const noexcept { return uv_has_ref(reinterpret_cast<const uv_handle_t*>(&h_)); }

  /// Detaches the owner and starts the close; the memory is freed in libuv's close callback,
  /// which first runs `onClosed` (after the cancelled writes' completions). `reset` sends a
  /// TCP RST instead of a FIN (uv_tcp_close_reset), as socket.resetAndDestroy.
  void close(bool reset = false, MoveFunction<void()> onClosed = nullptr) noexcept;

 private:
  UvStream() = default;
  ~UvStream() = default;

  static void onAlloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void onClose(uv_handle_t* h);

  union Handle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h_;
  Kind kind_ = Kind::Tcp;
  const StreamSink* sink_ = nullptr;
  void* owner_ = nullptr;
  bool reading_ = false;
  bool closing_ = false;
  MoveFunction<void(int)> onConnection_;
  MoveFunction<void()> onClosed_;
};

/// Fills `out` with the numeric address of `addr` and returns its port; family 4 or 6 in
/// `family` (0 for anything else).
int formatAddress(const sockaddr* addr, std::string& out, int& family);

}  // namespace nx::net::detail
