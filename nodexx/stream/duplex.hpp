// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>

#include "nodexx/core/buffer.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::stream {

/// Options of a Duplex (and Transform, PassThrough).
struct DuplexOptions {
  /// Both sides' high water mark unless the side's own is set. kDefaultHighWaterMark: 16 KiB
  /// for a byte-mode side, 16 chunks for an object-mode side.
  std::size_t highWaterMark = kDefaultHighWaterMark;
  std::size_t readableHighWaterMark = kDefaultHighWaterMark;
  std::size_t writableHighWaterMark = kDefaultHighWaterMark;
  /// When false, the writable side is ended once the readable side has ended (Node's
  /// allowHalfOpen; default true).
  bool allowHalfOpen = true;
  /// Destroy once both sides are done ("end" and "finish"), or on error.
  bool autoDestroy = true;
  bool emitClose = true;
  /// Set by implementers that override _writev().
  bool writev = false;
};

/// The events of a Duplex: its Readable's and its Writable's.
template <class R>
struct DuplexEvents {
  Event<std::exception_ptr>& error;
  Event<>& close;
  DataEvent<R>& data;
  Event<>& end;
  Event<>& pause;
  Event<>& resume;
  Event<>& readable;
  Event<>& drain;
  Event<>& finish;
  Event<>& prefinish;
  Event<>& pipe;
  Event<>& unpipe;
};

/// Node's stream.Duplex: a Readable<R> and a Writable<W> in one object (a socket), sharing
/// destroy(), "error" and "close". Implement _read() and _write() (and optionally _writev,
/// _final, _destroy). "close" comes after both "end" and "finish" (autoDestroy).
template <class R = Buffer, class W = R>
class Duplex : public Readable<R>, public Writable<W> {
 public:
  explicit Duplex(DuplexOptions options = {});
  ~Duplex() override;

  /// Node's allowHalfOpen.
  bool allowHalfOpen() const noexcept { return allowHalfOpen_; }
  /// Sets allowHalfOpen (before the readable side ends).
  void setAllowHalfOpen(bool allow) noexcept {
    allowHalfOpen_ = allow;
    this->readableCore()->allowHalfOpen = allow;
  }

  /// Every event of both sides.
  DuplexEvents<R> events() noexcept;

 protected:
  void onDestroyStart() override;

 private:
  bool allowHalfOpen_;
};

/// Node's stream.Transform: written In chunks are turned into read Out chunks by
/// _transform(chunk, callback), which calls push(out) any number of times and then
/// callback() (or callback(error)). After end(), _flush(callback) may push the last chunks;
/// the readable side then ends. Backpressure: the next _transform waits while the readable
/// side is at its high water mark.
template <class In = Buffer, class Out = In>
class Transform : public Duplex<Out, In> {
 public:
  explicit Transform(DuplexOptions options = {});
  ~Transform() override;

 protected:
  /// Implementer hook; default: fails with ERR_METHOD_NOT_IMPLEMENTED.
  virtual void _transform(In chunk, Callback callback);
  /// Implementer hook called after end(), before the readable side ends. Default: callback().
  virtual void _flush(Callback callback);

  void _write(In chunk, Callback callback) override;
  void _final(Callback callback) override;
  void _read(std::size_t size) override;
  void onDestroyStart() override;
  void completeHook(int kind, std::uint32_t tag, std::exception_ptr error) override;

 private:
  void onTransformDone(std::uint32_t tag, std::exception_ptr error);
  void onFlushDone(std::uint32_t tag, std::exception_ptr error);

  Callback pending_;   // the current _write callback
  Callback final_;     // the _final callback while _flush runs
  bool held_ = false;  // pending_ is held back until the readable side wants more
  std::uint32_t transformTag_ = 0;
  std::uint32_t flushTag_ = 0;
  std::size_t lengthBefore_ = 0;
};

/// Node's stream.PassThrough: a Transform that forwards every chunk unchanged.
template <class T = Buffer>
class PassThrough : public Transform<T, T> {
 public:
  explicit PassThrough(DuplexOptions options = {}) : Transform<T, T>(options) {}

 protected:
  void _transform(T chunk, Callback callback) override {
    this->push(std::move(chunk));
    callback();
  }
};

extern template class Duplex<Buffer, Buffer>;
extern template class Transform<Buffer, Buffer>;
extern template class PassThrough<Buffer>;

}  // namespace nx::stream

#include "nodexx/stream/duplex_impl.hpp"  // IWYU pragma: export
