// SPDX-License-Identifier: MIT
#include "nodexx/stream/duplex.hpp"

namespace nx::stream {

template class Duplex<Buffer, Buffer>;
template class Transform<Buffer, Buffer>;
template class PassThrough<Buffer>;

}  // namespace nx::stream
