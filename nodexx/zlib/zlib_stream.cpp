// SPDX-License-Identifier: MIT
#include "nodexx/zlib/zlib_stream.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/zlib/internal/codec.hpp"

namespace nx::zlib {

namespace detail {

/// One codec step on the pool. The job holds a reference to the stream (so that the stream
/// outlives it when shared) and the stream does not finish destroy() while a job is in
/// flight (so that it outlives it when owned by raw reference).
struct StepJob final : threadpool::detail::Work {
  ZlibBase* stream;
  std::shared_ptr<stream::StreamBase> keepAlive;
  Buffer out;
  std::size_t consumed = 0;
  std::exception_ptr error;

  explicit StepJob(ZlibBase* s) : stream(s), keepAlive(s->self()) {}

  // Pool thread: only the codec and the input chunk are touched, and the loop thread leaves
  // both alone while the job is in flight.
  void execute() noexcept override {
    Codec& codec = *stream->codec_;
    const std::size_t before = codec.availIn();
    try {
      out = codec.step();
    } catch (...) {
      error = std::current_exception();
    }
    consumed = before - codec.availIn();
  }

  void complete() override { stream->onStepDone(std::move(out), consumed, std::move(error)); }
};

}  // namespace detail

namespace {

using detail::Api;
using detail::Codec;
using detail::Mode;

// Node's kFlushBuffers: a flush travels through write() as an empty chunk that is recognised
// by its address, so it is ordered with the writes around it whoever writes (pipe, user).
// The chunks are empty views at distinct offsets of one static block.
constexpr std::size_t kFlushKinds = 6;
const Buffer& flushMarkerBlock() {
  static const Buffer block = Buffer::alloc(kFlushKinds);
  return block;
}
Buffer flushMarkerFor(int kind) {
  const auto i = static_cast<std::ptrdiff_t>(kind);
  return flushMarkerBlock().subarray(i, i);
}
// The flush a marker stands for, or -1 for ordinary data.
int flushKindOf(const Buffer& chunk) {
  if (!chunk.empty()) return -1;
  const std::uint8_t* base = flushMarkerBlock().data();
  if (chunk.data() < base || chunk.data() >= base + kFlushKinds) return -1;
  return static_cast<int>(chunk.data() - base);
}

template <class O>
std::shared_ptr<ZlibBase> make(Mode mode, const O& options, stream::DuplexOptions so) {
  return std::make_shared<ZlibBase>(Codec::create(mode, options, Api::Stream), so);
}

}  // namespace

ZlibBase::ZlibBase(std::unique_ptr<detail::Codec> codec, stream::DuplexOptions streamOptions)
    : stream::Transform<Buffer, Buffer>(streamOptions),
      codec_(std::move(codec)),
      brotli_(codec_->mode() == Mode::BrotliEncode || codec_->mode() == Mode::BrotliDecode) {}

ZlibBase::~ZlibBase() = default;

// The enums are typed, so a zlib kind given to a brotli stream (or the reverse) is translated
// by meaning rather than passed on by number as Node does (where Z_SYNC_FLUSH, 2, would be
// BROTLI_OPERATION_FINISH).
void ZlibBase::flush(Flush kind, MoveFunction<void(std::exception_ptr)> callback) {
  int k = static_cast<int>(kind);
  if (brotli_) {
    switch (kind) {
      case Flush::NoFlush:
        k = static_cast<int>(BrotliOperation::Process);
        break;
      case Flush::Finish:
        k = static_cast<int>(BrotliOperation::Finish);
        break;
      default:
        k = static_cast<int>(BrotliOperation::Flush);
        break;
    }
  }
  flushMarker(k, std::move(callback));
}

void ZlibBase::flush(BrotliOperation kind, MoveFunction<void(std::exception_ptr)> callback) {
  int k = static_cast<int>(kind);
  if (!brotli_) {
    switch (kind) {
      case BrotliOperation::Flush:
        k = static_cast<int>(Flush::FullFlush);
        break;
      case BrotliOperation::Finish:
        k = static_cast<int>(Flush::Finish);
        break;
      default:
        k = static_cast<int>(Flush::NoFlush);
        break;
    }
  }
  flushMarker(k, std::move(callback));
}

void ZlibBase::flushMarker(int kind, MoveFunction<void(std::exception_ptr)> callback) {
  if (kind < 0 || kind >= static_cast<int>(kFlushKinds)) {
    detail::checkOptionRange("kind", kind, 0, static_cast<int>(kFlushKinds) - 1);
  }
  // As Node: after "finish" the callback runs in a tick, after end() on "end".
  if (writableFinished()) {
    if (callback) nextTick([cb = std::move(callback)]() mutable { cb(nullptr); });
  } else if (writableEnded()) {
    if (callback) {
      auto shared = std::make_shared<MoveFunction<void(std::exception_ptr)>>(std::move(callback));
      events().end.once([shared] { (*shared)(nullptr); });
    }
  } else {
    (void)write(flushMarkerFor(kind), std::move(callback));
  }
}

void ZlibBase::_transform(Buffer chunk, stream::Callback callback) {
  int flush = codec_ ? codec_->defaultFlush() : 0;
  if (const int kind = flushKindOf(chunk); kind >= 0) {
    flush = kind;
    chunk = Buffer();
  }
  // The last chunk written before end() also finishes the stream (Node's _transform).
  if (codec_ && writableEnded() && writableLength() == chunk.size()) {
    flush = codec_->maxFlush(flush, codec_->finishFlush());
  }
  process(std::move(chunk), flush, std::move(callback));
}

void ZlibBase::_flush(stream::Callback callback) {
  const int flush = codec_ ? codec_->maxFlush(codec_->defaultFlush(), codec_->finishFlush()) : 0;
  process(Buffer(), flush, std::move(callback));
}

void ZlibBase::process(Buffer chunk, int flush, stream::Callback callback) {
  if (!codec_ || destroyed()) {
    // Closed (Node: process.nextTick(cb) when the handle is gone).
    nextTick([cb = std::move(callback)] { cb(); });
    return;
  }
  input_ = std::move(chunk);
  writeCallback_ = std::move(callback);
  codec_->setInput(input_, flush);
  submitStep();
}

void ZlibBase::submitStep() {
  inFlight_ = true;
  threadpool::detail::submit(std::make_unique<detail::StepJob>(this));
}

// Node's processCallback.
void ZlibBase::onStepDone(Buffer out, std::size_t consumed, std::exception_ptr error) {
  inFlight_ = false;
  bytesWritten_ += consumed;
  stream::Callback callback = std::move(writeCallback_);
  writeCallback_ = stream::Callback();
  if (destroyPending_ || destroyed()) {
    // Destroyed while the job ran: complete the write (it fails as the stream is destroyed),
    // then let destroy() finish.
    input_ = Buffer();
    if (callback) callback();
    if (destroyPending_) finishDestroy();
    return;
  }
  if (error) {
    // The engine is unusable now: the write fails and the stream is destroyed with it.
    input_ = Buffer();
    codec_.reset();
    callback(std::move(error));
    return;
  }
  bool readerFull = false;
  if (!out.empty()) readerFull = !push(std::move(out));
  if (destroyed()) {
    input_ = Buffer();
    callback();
    return;
  }
  if (codec_->outputFull()) {
    // More output is waiting in the engine: go on now, or when the reader wants more.
    writeCallback_ = std::move(callback);
    if (readerFull) {
      waitingForRead_ = true;
    } else {
      submitStep();
    }
    return;
  }
  if (codec_->availIn() > 0) {
    // The engine took no more input although it had room for output: its stream ended and
    // the rest is trailing data (Node ends the readable side here).
    push(nullptr);
  }
  input_ = Buffer();
  callback();
}

void ZlibBase::_read(std::size_t size) {
  stream::Transform<Buffer, Buffer>::_read(size);
  if (waitingForRead_ && !inFlight_ && codec_ && !destroyed()) {
    waitingForRead_ = false;
    submitStep();
  }
}

void ZlibBase::_destroy(std::exception_ptr error, stream::Callback callback) {
  waitingForRead_ = false;
  if (inFlight_) {
    // The pool job still uses the codec and this object: finish when it is back.
    destroyPending_ = true;
    destroyError_ = std::move(error);
    destroyCallback_ = std::move(callback);
    return;
  }
  // A write held back for the reader will never resume: complete it (it fails as the stream
  // is destroyed), which also drops its reference to this stream.
  if (writeCallback_) {
    stream::Callback pending = std::move(writeCallback_);
    writeCallback_ = stream::Callback();
    pending();
  }
  input_ = Buffer();
  codec_.reset();
  callback(std::move(error));
}

void ZlibBase::finishDestroy() {
  destroyPending_ = false;
  input_ = Buffer();
  codec_.reset();
  stream::Callback callback = std::move(destroyCallback_);
  destroyCallback_ = stream::Callback();
  callback(std::move(destroyError_));
}

std::shared_ptr<ZlibBase> createGzip(const Options& o, stream::DuplexOptions so) {
  return make(Mode::Gzip, o, so);
}
std::shared_ptr<ZlibBase> createGunzip(const Options& o, stream::DuplexOptions so) {
  return make(Mode::Gunzip, o, so);
}
std::shared_ptr<ZlibBase> createDeflate(const Options& o, stream::DuplexOptions so) {
  return make(Mode::Deflate, o, so);
}
std::shared_ptr<ZlibBase> createInflate(const Options& o, stream::DuplexOptions so) {
  return make(Mode::Inflate, o, so);
}
std::shared_ptr<ZlibBase> createDeflateRaw(const Options& o, stream::DuplexOptions so) {
  return make(Mode::DeflateRaw, o, so);
}
std::shared_ptr<ZlibBase> createInflateRaw(const Options& o, stream::DuplexOptions so) {
  return make(Mode::InflateRaw, o, so);
}
std::shared_ptr<ZlibBase> createUnzip(const Options& o, stream::DuplexOptions so) {
  return make(Mode::Unzip, o, so);
}
std::shared_ptr<ZlibBase> createBrotliCompress(const BrotliOptions& o, stream::DuplexOptions so) {
  return make(Mode::BrotliEncode, o, so);
}
std::shared_ptr<ZlibBase> createBrotliDecompress(const BrotliOptions& o, stream::DuplexOptions so) {
  return make(Mode::BrotliDecode, o, so);
}

}  // namespace nx::zlib
