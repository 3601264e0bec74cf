// SPDX-License-Identifier: MIT
// The stream module in one include: Readable, Writable, Duplex, Transform, PassThrough,
// pipeline(), finished(), LineSplitter and the error catalogue.
#pragma once

#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/line_splitter.hpp"
#include "nodexx/stream/pipeline.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/stream_base.hpp"
#include "nodexx/stream/writable.hpp"
