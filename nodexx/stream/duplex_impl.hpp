// SPDX-License-Identifier: MIT
// Template bodies of duplex.hpp: Node's duplex.js and transform.js.
#pragma once

#include <utility>

#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/errors.hpp"

namespace nx::stream {
namespace detail {
inline std::size_t sideMark(std::size_t side, std::size_t both) noexcept {
  return side != kDefaultHighWaterMark ? side : both;
}
}  // namespace detail

template <class R, class W>
Duplex<R, W>::Duplex(DuplexOptions o)
    : Readable<R>(ReadableOptions{detail::sideMark(o.readableHighWaterMark, o.highWaterMark),
                                  o.autoDestroy, o.emitClose}),
      Writable<W>(WritableOptions{detail::sideMark(o.writableHighWaterMark, o.highWaterMark),
                                  o.autoDestroy, o.emitClose, o.writev}),
      allowHalfOpen_(o.allowHalfOpen) {
  this->readableCore()->allowHalfOpen = o.allowHalfOpen;
}

template <class R, class W>
Duplex<R, W>::~Duplex() = default;

template <class R, class W>
DuplexEvents<R> Duplex<R, W>::events() noexcept {
  ReadableEvents<R> r = Readable<R>::events();
  WritableEvents w = Writable<W>::events();
  return {r.error,    r.close, r.data,   r.end,       r.pause, r.resume,
          r.readable, w.drain, w.finish, w.prefinish, w.pipe,  w.unpipe};
}

template <class R, class W>
void Duplex<R, W>::onDestroyStart() {
  Writable<W>::onDestroyStart();
  Readable<R>::onDestroyStart();
}

template <class In, class Out>
Transform<In, Out>::Transform(DuplexOptions options) : Duplex<Out, In>(options) {
  // Node's Transform: the readable side is not in its initial synchronous phase.
  this->readableCore()->sync = false;
}

template <class In, class Out>
Transform<In, Out>::~Transform() = default;

template <class In, class Out>
void Transform<In, Out>::_transform(In, Callback callback) {
  callback(errors::methodNotImplemented("_transform()"));
}

template <class In, class Out>
void Transform<In, Out>::_flush(Callback callback) {
  callback();
}

template <class In, class Out>
void Transform<In, Out>::_write(In chunk, Callback callback) {
  lengthBefore_ = this->readableLength();
  pending_ = std::move(callback);
  held_ = false;
  const std::uint32_t tag = ++transformTag_;
  _transform(std::move(chunk),
             Callback(this->self(), &detail::completeThunk<detail::kTransformDone>, tag));
}

template <class In, class Out>
void Transform<In, Out>::completeHook(int kind, std::uint32_t tag, std::exception_ptr error) {
  if (kind == detail::kTransformDone) {
    onTransformDone(tag, std::move(error));
  } else if (kind == detail::kFlushDone) {
    onFlushDone(tag, std::move(error));
  } else {
    Duplex<Out, In>::completeHook(kind, tag, std::move(error));
  }
}

template <class In, class Out>
void Transform<In, Out>::onTransformDone(std::uint32_t tag, std::exception_ptr error) {
  Transform& t = *this;
  StreamBase& s = *this;
  if (tag != t.transformTag_ || !t.pending_ || t.held_) {
    s.errorOrDestroy(std::make_exception_ptr(errors::multipleCallback()));
    return;
  }
  if (error) {
    Callback cb = std::move(t.pending_);
    t.pending_ = Callback();
    cb(std::move(error));
    return;
  }
  const detail::ReadableCore& r = *s.readableCore();
  if (s.writableCore()->ended || t.lengthBefore_ == r.length || r.length < r.highWaterMark) {
    Callback cb = std::move(t.pending_);
    t.pending_ = Callback();
    cb();
  } else {
    t.held_ = true;
  }
}

template <class In, class Out>
void Transform<In, Out>::_read(std::size_t) {
  if (held_ && pending_) {
    held_ = false;
    Callback cb = std::move(pending_);
    pending_ = Callback();
    cb();
  }
}

template <class In, class Out>
void Transform<In, Out>::onDestroyStart() {
  Duplex<Out, In>::onDestroyStart();
  // A held-back callback references this stream; nothing will call it any more.
  if (held_) {
    held_ = false;
    pending_ = Callback();
  }
}

template <class In, class Out>
void Transform<In, Out>::_final(Callback callback) {
  if (!this->destroyed()) {
    final_ = std::move(callback);
    const std::uint32_t tag = ++flushTag_;
    _flush(Callback(this->self(), &detail::completeThunk<detail::kFlushDone>, tag));
  } else {
    this->push(nullptr);
    callback();
  }
}

template <class In, class Out>
void Transform<In, Out>::onFlushDone(std::uint32_t tag, std::exception_ptr error) {
  Transform& t = *this;
  StreamBase& s = *this;
  if (tag != t.flushTag_ || !t.final_) {
    s.errorOrDestroy(std::make_exception_ptr(errors::multipleCallback()));
    return;
  }
  Callback cb = std::move(t.final_);
  t.final_ = Callback();
  if (error) {
    cb(std::move(error));
    return;
  }
  t.push(nullptr);
  cb();
}

}  // namespace nx::stream
