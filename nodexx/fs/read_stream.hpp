// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/stream/readable.hpp"

namespace nx::fs {

/// Node's default highWaterMark of fs read streams: 64 KiB (four times a plain Readable's).
inline constexpr std::size_t kDefaultReadStreamHighWaterMark = 64 * 1024;

/// Options of createReadStream() (Node's fs.createReadStream options). Trivially destructible
/// on purpose, so that `co_await stream::pipeline(fs::createReadStream(p, {.start = 10}), ...)`
/// is safe under GCC 12 (core/README.md); everything is read before createReadStream returns.
struct ReadStreamOptions {
  /// Node's open flag ("r", "r+", "rs", "a+", ... every string Node accepts). An unknown flag
  /// makes the stream emit TypeError ERR_INVALID_ARG_VALUE (asynchronously, as Node). Need
  /// not outlive the call.
  std::string_view flags = "r";
  /// Permission bits for a file the flag creates, before the umask.
  std::uint32_t mode = 0666;
  /// First byte to read (a byte offset; reads then use pread). nullopt: from the file's
  /// current position, i.e. the start.
  std::optional<std::uint64_t> start = std::nullopt;
  /// Last byte to read, inclusive as in Node ({start: 0, end: 0} reads one byte). nullopt:
  /// to the end of the file. An end past EOF stops at EOF.
  std::optional<std::uint64_t> end = std::nullopt;
  /// Bytes per read and the buffer level at which reading pauses (default 64 KiB, as Node's
  /// fs streams). Each chunk is at most this long.
  std::size_t highWaterMark = kDefaultReadStreamHighWaterMark;
  /// Destroy (and close the file) after "end" or an error (Node's autoClose). When false the
  /// descriptor stays open until destroy()/close().
  bool autoClose = true;
  /// Emit "close" once the file is closed.
  bool emitClose = true;
};

static_assert(std::is_trivially_destructible_v<ReadStreamOptions>);

/// The events of a ReadStream: a Readable's, plus "open" and "ready".
struct ReadStreamEvents : stream::ReadableEvents<Buffer> {
  Event<int>& open;  ///< "open": the file was opened; the argument is the descriptor
  Event<>& ready;    ///< "ready": right after "open"
};

/// Node's fs.ReadStream: a byte-mode Readable over a file, created with createReadStream().
///
/// I/O: the file is opened, read and closed with libuv's fs requests on its thread pool
/// (uv_fs_open/read/close), one request at a time. A read of highWaterMark bytes (less near
/// `end`) is requested only when the Readable asks for data, i.e. while its buffer is below the
/// high water mark, so a slow consumer holds at most about one high water mark in memory.
/// A short read is copied into a chunk of its exact size (as Node), so small chunks do not
/// pin a 64 KiB block. Reading does not start before "open".
///
/// Events, as Node: "open"(fd), "ready", then the Readable's ("data"…, "end", "close").
/// Errors (emitted as "error", then "close"): UvError from open with the path ("ENOENT: no
/// such file or directory, open 'x'"), from read without one ("EISDIR: illegal operation on a
/// directory, read"), from close; TypeError ERR_INVALID_ARG_VALUE for bad flags; an AbortError
/// when the signal aborts.
///
/// Lifetime: destroy() (or close(), or autoClose) waits for a read in flight to complete,
/// then closes the descriptor, then emits "close"; every request holds a reference to the
/// stream, so dropping the last shared_ptr meanwhile is safe. A stream destroyed before its
/// open completed closes the descriptor once it arrives. A stream released while idle with
/// the file still open (autoClose false) closes it in its destructor. Loop-affine.
class ReadStream final : public stream::Readable<Buffer> {
  struct Private {
    explicit Private() = default;
  };

 public:
  /// For createReadStream() (make_shared needs a public constructor); use that instead.
  ReadStream(Private, std::string path, const ReadStreamOptions& options);
  ~ReadStream() override;

  /// The path given to createReadStream().
  const std::string& path() const noexcept { return path_; }
  /// Bytes read from the file so far (pushed into the stream, consumed or not).
  std::uint64_t bytesRead() const noexcept { return bytesRead_; }
  /// True while the file is not open (before "open", and again after it was closed), as
  /// Node's `pending`.
  bool pending() const noexcept { return fd_ < 0; }
  /// The descriptor, or -1 while pending.
  int fd() const noexcept { return fd_; }
  /// The start and end options (end inclusive; nullopt: unset / the end of the file).
  std::optional<std::uint64_t> start() const noexcept { return start_; }
  std::optional<std::uint64_t> end() const noexcept { return end_; }

  /// Node's close(callback): destroy(); `callback(error)` runs when the stream has finished:
  /// null after "end", else the stream's error or ERR_STREAM_PREMATURE_CLOSE.
  void close(MoveFunction<void(std::exception_ptr)> callback = nullptr);

  /// The events: a Readable's plus open and ready.
  ReadStreamEvents events() noexcept;

 protected:
  void _read(std::size_t size) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend std::shared_ptr<ReadStream> createReadStream(std::string, ReadStreamOptions, AbortSignal);
  void open(int flags);
  void onOpen(std::int64_t result);
  void onConstructed(std::exception_ptr openError);
  void startRead(std::size_t size);
  void onRead(std::int64_t result);
  void closeFile(std::exception_ptr error, stream::Callback callback);
  void watchSignal(AbortSignal signal);
  void unwatchSignal() noexcept;

  std::string path_;
  std::string flagsText_;  // an invalid flags option, for the error
  std::uint32_t mode_;
  std::optional<std::uint64_t> start_;
  std::optional<std::uint64_t> end_;
  std::optional<std::uint64_t> pos_;  // the next read's offset (pread) when start was given
  std::uint64_t bytesRead_ = 0;
  int fd_ = -1;
  bool constructed_ = false;               // the open completed (Node's state.constructed)
  bool reading_ = false;                   // a read request is in flight (Node's kIsPerformingIO)
  std::optional<std::size_t> readWanted_;  // _read(size) came before the open completed
  Buffer readBuffer_;                      // the buffer of the read in flight
  stream::Callback destroyCallback_;       // _destroy waiting for the open or a read
  std::exception_ptr destroyError_;
  AbortSignal signal_;
  ListenerId abortListener_ = 0;
  Event<int> open_{"open", "ReadStream"};
  Event<> ready_{"ready", "ReadStream"};
};

/// Opens `path` for reading as a stream (Node's fs.createReadStream(path, options)); the open
/// starts in a tick, and "open" follows when it completed. Aborting `signal` destroys the
/// stream with an AbortError (Node's `signal` option; a separate argument so that the
/// options stay trivially destructible). Throws synchronously, as Node: TypeError
/// ERR_INVALID_ARG_VALUE for a path with a NUL byte; RangeError ERR_OUT_OF_RANGE when start or
/// end exceeds 2^53 - 1 or start > end ('The value of "start" is out of range. It must be <=
/// "end" (here: 2). Received 5').
std::shared_ptr<ReadStream> createReadStream(std::string path, ReadStreamOptions options = {},
                                             AbortSignal signal = {});

}  // namespace nx::fs
