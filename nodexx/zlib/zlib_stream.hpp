// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <memory>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/stream/duplex.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx::zlib {

namespace detail {
class Codec;
struct StepJob;
}  // namespace detail

/// Node's zlib stream classes (ZlibBase, the base of Gzip, Gunzip, Deflate, Inflate,
/// DeflateRaw, InflateRaw, Unzip, BrotliCompress, BrotliDecompress): a Transform from written
/// bytes to (de)compressed bytes. Create one with createGzip() and friends.
///
/// Threading: the codec work runs on libuv's thread pool, one pool job per output chunk (at
/// most chunkSize bytes) as in Node; results are pushed on the loop thread. One job at a time
/// per stream, so chunks stay in order.
///
/// Backpressure: write() returns false at the writable high water mark; when push() of an
/// output chunk returns false (the reader is slow), the stream stops submitting jobs until
/// the reader asks for more, so a decompression bomb read slowly holds at most about one
/// high water mark plus one chunk of output.
///
/// Limits: maxOutputLength (default kDefaultMaxOutputLength for decompressors, kMaxLength
/// for compressors; kUnlimited accepted) bounds the total output of the stream; past it the
/// stream is destroyed with RangeError ERR_BUFFER_TOO_LARGE. Node has no such limit on streams.
///
/// Errors: corrupt input destroys the stream with a ZlibError (as Node: "error" then "close").
/// Input ending early (end() before the compressed stream is complete) fails with
/// Z_BUF_ERROR "unexpected end of file", unless finishFlush is SyncFlush.
///
/// Lifetime: a pool job in flight keeps the stream alive, and destroy() waits for it before
/// "close", so destroying (or dropping) a stream mid-job is safe. Loop-affine.
class ZlibBase : public stream::Transform<Buffer, Buffer> {
 public:
  /// For the factories below.
  ZlibBase(std::unique_ptr<detail::Codec> codec, stream::DuplexOptions streamOptions);
  ~ZlibBase() override;

  /// Flushes what was compressed so far (Node's zlib.flush(kind, callback)): queued after the
  /// writes before it, so that everything written so far is emitted as output (SSE, chat).
  /// Default kind: FullFlush; SyncFlush keeps the dictionary (better compression). On a brotli
  /// stream a zlib kind is translated by meaning (NoFlush → Process, Finish → Finish, any
  /// other → BrotliOperation::Flush), unlike Node, which passes the number on. `callback`
  /// runs once the flush completed (or with the error that destroyed the stream); after
  /// "finish" it runs in a tick, after end() on "end".
  void flush(Flush kind = Flush::FullFlush,
             MoveFunction<void(std::exception_ptr)> callback = nullptr);
  /// flush() with a brotli kind (Node's default for brotli streams: BrotliOperation::Flush). On
  /// a zlib stream it is translated: Flush → FullFlush, Finish → Finish, others → NoFlush.
  void flush(BrotliOperation kind, MoveFunction<void(std::exception_ptr)> callback = nullptr);
  /// Node's close(): destroys the stream (the engine is released once no job runs).
  void close() { destroy(); }
  /// Input bytes consumed by the engine so far (Node's bytesWritten).
  std::size_t bytesWritten() const noexcept { return bytesWritten_; }

 protected:
  void _transform(Buffer chunk, stream::Callback callback) override;
  void _flush(stream::Callback callback) override;
  void _read(std::size_t size) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend struct detail::StepJob;
  void process(Buffer chunk, int flush, stream::Callback callback);
  void submitStep();
  void onStepDone(Buffer out, std::size_t consumed, std::exception_ptr error);
  void flushMarker(int kind, MoveFunction<void(std::exception_ptr)> callback);
  void finishDestroy();

  std::unique_ptr<detail::Codec> codec_;  // touched by the pool job while inFlight_
  Buffer input_;                          // the chunk being processed
  stream::Callback writeCallback_;        // _transform's callback for input_
  stream::Callback destroyCallback_;      // _destroy's callback, held while a job runs
  std::exception_ptr destroyError_;
  std::size_t bytesWritten_ = 0;
  bool brotli_;
  bool inFlight_ = false;
  bool waitingForRead_ = false;  // the output chunk filled up and push() returned false
  bool destroyPending_ = false;
};

/// gzip compression stream (zlib.createGzip). Throws RangeError ERR_OUT_OF_RANGE for a bad
/// option. `streamOptions` sets the Transform's highWaterMark etc. (16 KiB by default).
std::shared_ptr<ZlibBase> createGzip(const Options& options = {},
                                     stream::DuplexOptions streamOptions = {});
/// gzip decompression stream (zlib.createGunzip); reads concatenated members.
std::shared_ptr<ZlibBase> createGunzip(const Options& options = {},
                                       stream::DuplexOptions streamOptions = {});
/// zlib-format compression stream (zlib.createDeflate).
std::shared_ptr<ZlibBase> createDeflate(const Options& options = {},
                                        stream::DuplexOptions streamOptions = {});
/// zlib-format decompression stream (zlib.createInflate).
std::shared_ptr<ZlibBase> createInflate(const Options& options = {},
                                        stream::DuplexOptions streamOptions = {});
/// Raw deflate compression stream (zlib.createDeflateRaw).
std::shared_ptr<ZlibBase> createDeflateRaw(const Options& options = {},
                                           stream::DuplexOptions streamOptions = {});
/// Raw deflate decompression stream (zlib.createInflateRaw).
std::shared_ptr<ZlibBase> createInflateRaw(const Options& options = {},
                                           stream::DuplexOptions streamOptions = {});
/// gzip-or-zlib decompression stream, detected from the header (zlib.createUnzip).
std::shared_ptr<ZlibBase> createUnzip(const Options& options = {},
                                      stream::DuplexOptions streamOptions = {});
/// Brotli compression stream (zlib.createBrotliCompress).
std::shared_ptr<ZlibBase> createBrotliCompress(const BrotliOptions& options = {},
                                               stream::DuplexOptions streamOptions = {});
/// Brotli decompression stream (zlib.createBrotliDecompress).
std::shared_ptr<ZlibBase> createBrotliDecompress(const BrotliOptions& options = {},
                                                 stream::DuplexOptions streamOptions = {});

}  // namespace nx::zlib
