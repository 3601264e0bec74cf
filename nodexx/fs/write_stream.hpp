// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::fs {

/// Options of createWriteStream() (Node's fs.createWriteStream options). Trivially
/// destructible on purpose, like ReadStreamOptions (the GCC 12 rule in core/README.md);
/// everything is read before createWriteStream returns.
struct WriteStreamOptions {
  /// Node's open flag: "w" (create or truncate, the default), "a" (append), "wx" (EEXIST if
  /// the file exists), "r+" (write into an existing file), ... every string Node accepts. An
  /// unknown flag makes the stream emit TypeError ERR_INVALID_ARG_VALUE. Need not outlive
  /// the call.
  std::string_view flags = "w";
  /// Permission bits for a created file, before the umask.
  std::uint32_t mode = 0666;
  /// Byte offset of the first write (writes then use pwrite; with "w" the bytes before it
  /// read as zeros). Ignored by the kernel for "a" flags (O_APPEND), as in Node. nullopt:
  /// the file position.
  std::optional<std::uint64_t> start = std::nullopt;
  /// Buffered bytes at which write() returns false (default 16 KiB, a Writable's default).
  std::size_t highWaterMark = stream::kDefaultHighWaterMark;
  /// Destroy (and close the file) after "finish" or an error (Node's autoClose). When false
  /// the descriptor stays open until destroy()/close().
  bool autoClose = true;
  /// Emit "close" once the file is closed.
  bool emitClose = true;
};

static_assert(std::is_trivially_destructible_v<WriteStreamOptions>);

/// The events of a WriteStream: a Writable's, plus "open" and "ready".
struct WriteStreamEvents : stream::WritableEvents {
  Event<int>& open;  ///< "open": the file was opened; the argument is the descriptor
  Event<>& ready;    ///< "ready": right after "open"
};

/// Node's fs.WriteStream: a byte-mode Writable into a file, created with createWriteStream().
///
/// I/O: the file is opened, written and closed with libuv's fs requests on its thread pool
/// (uv_fs_open/write/close), one request at a time. Chunks buffered while a write is in
/// flight are written together by the next request (_writev: one uv_fs_write with several
/// buffers, i.e. one pwritev/writev call). Writes made before "open" wait for it, in order;
/// "finish" never comes before "open". A short write is continued with the rest, as Node's
/// writeAll (EAGAIN counts as 0 bytes; more than 5 empty writes in a row fail with
/// ERR_SYSTEM_ERROR).
///
/// Events, as Node: "open"(fd), "ready", the Writable's ("drain", "finish"), then "close"
/// once the descriptor is closed (autoClose). Errors ("error" then "close"): UvError from
/// open with the path ("EISDIR: illegal operation on a directory, open '/tmp'"), from write
/// without one ("ENOSPC: no space left on device, write"), from close; TypeError
/// ERR_INVALID_ARG_VALUE for bad flags; an AbortError when the signal aborts.
///
/// Lifetime: destroy() waits for a write in flight (that write's callback then fails with
/// ERR_STREAM_DESTROYED, as Node), then closes the descriptor, then emits "close"; requests
/// hold a reference to the stream. A stream released while idle with the file still open
/// (autoClose false) closes it in its destructor. Loop-affine.
class WriteStream final : public stream::Writable<Buffer> {
  struct Private {
    explicit Private() = default;
  };

 public:
  /// For createWriteStream() (make_shared needs a public constructor); use that instead.
  WriteStream(Private, std::string path, const WriteStreamOptions& options);
  ~WriteStream() override;

  /// The path given to createWriteStream().
  const std::string& path() const noexcept { return path_; }
  /// Bytes written to the file so far (completed writes).
  std::uint64_t bytesWritten() const noexcept { return bytesWritten_; }
  /// True while the file is not open (before "open", and again after it was closed).
  bool pending() const noexcept { return fd_ < 0; }
  /// The descriptor, or -1 while pending.
  int fd() const noexcept { return fd_; }

  /// Node's close(callback): end()s the stream (so buffered data is written first) and, with
  /// autoClose false, destroys it on "finish". `callback` runs on "close" (in a tick if the
  /// stream is already closed); it is not called if "close" is never emitted (emitClose false).
  void close(MoveFunction<void()> callback = nullptr);

  /// The events: a Writable's plus open and ready.
  WriteStreamEvents events() noexcept;

 protected:
  void _write(Buffer chunk, stream::Callback callback) override;
  void _writev(std::span<Buffer> chunks, stream::Callback callback) override;
  void _final(stream::Callback callback) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend std::shared_ptr<WriteStream> createWriteStream(std::string, WriteStreamOptions,
                                                        AbortSignal);
  void open(int flags);
  void onOpen(std::int64_t result);
  void onConstructed(std::exception_ptr openError);
  void startWrite(stream::Callback callback);
  void submitWrite();
  void onWrite(std::int64_t result);
  void completeWrite(std::exception_ptr error);
  void closeFile(std::exception_ptr error, stream::Callback callback);
  void watchSignal(AbortSignal signal);
  void unwatchSignal() noexcept;

  std::string path_;
  std::string flagsText_;  // an invalid flags option, for the error
  std::uint32_t mode_;
  std::optional<std::uint64_t> pos_;  // the next write's offset (pwrite) when start was given
  std::uint64_t bytesWritten_ = 0;
  int fd_ = -1;
  bool constructed_ = false;               // the open completed (Node's state.constructed)
  bool writing_ = false;                   // a write request is in flight (Node's kIsPerformingIO)
  std::vector<Buffer> chunks_;             // what the current (or held) write still has to write
  std::uint64_t remaining_ = 0;            // bytes left in chunks_
  std::optional<std::uint64_t> writePos_;  // offset of the request in flight
  int retries_ = 0;                        // consecutive writes that wrote nothing
  bool vectored_ = false;                  // the current write came from _writev (for errors)
  stream::Callback writeCallback_;         // the current (or held) write's callback
  stream::Callback finalCallback_;         // _final waiting for the open
  stream::Callback destroyCallback_;       // _destroy waiting for the open or a write
  std::exception_ptr destroyError_;
  AbortSignal signal_;
  ListenerId abortListener_ = 0;
  Event<int> open_{"open", "WriteStream"};
  Event<> ready_{"ready", "WriteStream"};
};

/// Opens `path` for writing as a stream (Node's fs.createWriteStream(path, options)); the open
/// starts in a tick and writes wait for it. Aborting `signal` destroys the stream with an
/// AbortError. Throws synchronously, as Node: TypeError ERR_INVALID_ARG_VALUE for a path with
/// a NUL byte; RangeError ERR_OUT_OF_RANGE when start exceeds 2^53 - 1.
std::shared_ptr<WriteStream> createWriteStream(std::string path, WriteStreamOptions options = {},
                                               AbortSignal signal = {});

}  // namespace nx::fs
