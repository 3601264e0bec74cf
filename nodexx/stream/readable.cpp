// SPDX-License-Identifier: MIT
#include "nodexx/stream/readable.hpp"

namespace nx::stream {

namespace detail {
namespace {
void endReadableNT(StreamBase& s) {
  ReadableCore& st = *s.readableCore();
  if (s.errored() || StreamAccess::closeEmitted(s) || st.endEmitted || st.length != 0) return;
  st.endEmitted = true;
  st.end.emit();
  WritableCore* w = s.writableCore();
  const bool writable = w != nullptr && !s.destroyed() && !s.errored() && !w->ending && !w->ended;
  if (writable && !st.allowHalfOpen) {
    tick(s, [&s] { StreamAccess::endWritable(s); });
  } else if (s.autoDestroy()) {
    // A Duplex is destroyed once both sides are done.
    if (w == nullptr || w->finished) s.destroy();
  }
}
}  // namespace

void endReadable(StreamBase& s) {
  ReadableCore& st = *s.readableCore();
  if (!st.endEmitted) {
    st.ended = true;
    tick(s, [&s] { endReadableNT(s); });
  }
}
}  // namespace detail

template class Readable<Buffer>;

}  // namespace nx::stream
