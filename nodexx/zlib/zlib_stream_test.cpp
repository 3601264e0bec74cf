// SPDX-License-Identifier: MIT
#include "nodexx/zlib/zlib_stream.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/pipeline.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx {
namespace {

using Stream = std::shared_ptr<zlib::ZlibBase>;

Buffer sampleText(std::size_t size, std::uint32_t seed = 1) {
  static const char* const kWords[] = {"alpha ", "beta ",  "gamma ", "delta\n", "{\"id\":",
                                       "42,",    "lorem ", "ipsum ", "zlib ",   "node "};
  Buffer b = Buffer::allocUnsafe(size);
  std::uint32_t x = seed;
  std::size_t i = 0;
  while (i < size) {
    x = x * 1664525u + 1013904223u;
    for (const char* w = kWords[(x >> 16) % 10]; *w && i < size; ++w) {
      b[i++] = static_cast<std::uint8_t>(*w);
    }
  }
  return b;
}

/// `b` cut into pieces of 1..maxPiece bytes (sizes from an LCG).
std::vector<Buffer> pieces(const Buffer& b, std::size_t maxPiece, std::uint32_t seed = 3) {
  std::vector<Buffer> out;
  std::size_t off = 0;
  while (off < b.size()) {
    seed = seed * 1664525u + 1013904223u;
    const std::size_t n = 1 + (seed >> 8) % maxPiece;
    out.push_back(
        b.subarray(static_cast<std::ptrdiff_t>(off), static_cast<std::ptrdiff_t>(off + n)));
    off += n;
  }
  return out;
}

/// A chunk list built outside coroutine bodies (g++ 12 rejects braced lists inside them).
template <class... B>
std::vector<Buffer> chunksOf(B... b) {
  std::vector<Buffer> v;
  (v.push_back(std::move(b)), ...);
  return v;
}

/// A promise settled by the next emit of `event`.
Promise<> nextEmit(Event<>& event) {
  auto r = Promise<>::withResolvers();
  event.once([r] { r.resolve(); });
  return r.promise;
}

/// A callback for write()/flush() and the promise it settles (with the error as value).
struct Completion {
  Promise<std::exception_ptr>::Resolvers r = Promise<std::exception_ptr>::withResolvers();
  MoveFunction<void(std::exception_ptr)> callback() {
    return [r = r](std::exception_ptr e) { r.resolve(e); };
  }
};

/// Writes every chunk with backpressure (co_await write), then ends the stream.
Promise<> writeAll(Stream s, std::vector<Buffer> chunks) {
  for (auto& c : chunks) co_await s->write(std::move(c));
  co_await s->end();
}

/// Reads the stream to its end and joins the chunks; rethrows the stream's error.
Promise<Buffer> readAll(Stream s) {
  std::vector<Buffer> parts;
  while (auto chunk = co_await s->read()) parts.push_back(std::move(*chunk));
  co_return Buffer::concat(parts);
}

/// Runs `chunks` through `s` and returns the output; rethrows the stream's error (the
/// reader's first, else the writer's).
Promise<Buffer> through(Stream s, std::vector<Buffer> chunks) {
  // A consumer that handles errors, as Node's async iterator does: without an "error"
  // listener a stream error is an uncaught exception.
  s->events().error.on([](std::exception_ptr) {});
  Promise<> w = writeAll(s, std::move(chunks));
  std::exception_ptr error;
  Buffer out;
  try {
    out = co_await readAll(s);
  } catch (...) {
    error = std::current_exception();
  }
  try {
    co_await w;
  } catch (...) {
    if (!error) error = std::current_exception();
  }
  if (error) std::rethrow_exception(error);
  co_return out;
}

template <class T>
Promise<std::exception_ptr> rejectionOf(Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

std::string codeOf(const std::exception_ptr& e) {
  try {
    if (e) std::rethrow_exception(e);
  } catch (const SystemError& s) {
    return std::string(s.code()) + ": " + s.what();
  } catch (...) {
    return "(other)";
  }
  return "(none)";
}

class ZlibStreamTest : public nx::testing::FreshLoop {
 protected:
  template <class F>
  void runAsync(F body) {
    Promise<> p = body();
    run();
    EXPECT_TRUE(p.isFulfilled()) << (p.isRejected() ? describe(p.state()->error)
                                                    : std::string("still pending"));
  }
};

TEST_F(ZlibStreamTest, EveryFormatRoundTripsThroughStreamsInManyChunks) {
  const Buffer input = sampleText(300 * 1000);
  struct Pair {
    const char* name;
    std::function<Stream()> compress, decompress;
  };
  const zlib::BrotliOptions fast{.params = {.quality = 5}};
  std::vector<Pair> pairs = {
      {"gzip", [] { return zlib::createGzip(); }, [] { return zlib::createGunzip(); }},
      {"deflate", [] { return zlib::createDeflate({.level = 1}); },
       [] { return zlib::createInflate(); }},
      {"raw", [] { return zlib::createDeflateRaw({.level = 9}); },
       [] { return zlib::createInflateRaw(); }},
      {"unzip", [] { return zlib::createGzip(); }, [] { return zlib::createUnzip(); }},
      {"unzip deflate", [] { return zlib::createDeflate(); }, [] { return zlib::createUnzip(); }},
      {"brotli", [&] { return zlib::createBrotliCompress(fast); },
       [] { return zlib::createBrotliDecompress(); }},
  };
  for (auto& p : pairs) {
    SCOPED_TRACE(p.name);
    runAsync([&]() -> Promise<> {
      Buffer compressed = co_await through(p.compress(), pieces(input, 5000));
      EXPECT_LT(compressed.size(), input.size() / 3);
      Buffer back = co_await through(p.decompress(), pieces(compressed, 700, 11));
      EXPECT_EQ(back, input);
    });
  }
  // Stream output is the same format as the one-shot functions'.
  runAsync([&]() -> Promise<> {
    Buffer gz = co_await through(zlib::createGzip(), pieces(input, 3000));
    EXPECT_EQ(zlib::gunzipSync(gz), input);
    EXPECT_EQ(gz, zlib::gzipSync(input));
  });
}

TEST_F(ZlibStreamTest, PipelineCarriesLargeDataAndFailsOnCorruptInput) {
  const Buffer input = sampleText(3 * 1024 * 1024 + 5, 2);
  runAsync([&]() -> Promise<> {
    auto source = stream::Readable<Buffer>::from(pieces(input, 64 * 1024));
    Stream gz = zlib::createGzip();
    Stream gunzip = zlib::createGunzip();
    Promise<Buffer> out = readAll(gunzip);
    co_await stream::pipeline(source, gz, gunzip);
    EXPECT_EQ(co_await out, input);
    EXPECT_EQ(gz->bytesWritten(), input.size());
    // A corrupt stage fails the pipeline with its error and destroys every stage.
    auto bad = stream::Readable<Buffer>::from(chunksOf(Buffer::from("not gzip at all")));
    Stream failing = zlib::createGunzip();
    std::exception_ptr e = co_await rejectionOf(stream::pipeline(bad, failing));
    EXPECT_EQ(codeOf(e), "Z_DATA_ERROR: incorrect header check");
    EXPECT_TRUE(failing->destroyed());
    EXPECT_TRUE(bad->destroyed());
  });
}

TEST_F(ZlibStreamTest, EmptyInputGivesAnEmptyMemberAndDecompressingNothingFails) {
  runAsync([&]() -> Promise<> {
    Buffer gz = co_await through(zlib::createGzip(), chunksOf());
    EXPECT_EQ(gz, zlib::gzipSync(Buffer()));
    Buffer br = co_await through(zlib::createBrotliCompress(), chunksOf());
    EXPECT_EQ(br.toString(Encoding::Hex), "3b");
    EXPECT_EQ(codeOf(co_await rejectionOf(through(zlib::createGunzip(), chunksOf()))),
              "Z_BUF_ERROR: unexpected end of file");
    EXPECT_EQ(codeOf(co_await rejectionOf(through(zlib::createBrotliDecompress(), chunksOf()))),
              "Z_BUF_ERROR: unexpected end of file");
  });
}

TEST_F(ZlibStreamTest, GunzipStreamJoinsMembersSplitAnywhere) {
  const Buffer a = zlib::gzipSync(Buffer::from("first\n"));
  const Buffer b = zlib::gzipSync(Buffer::from("second\n"));
  runAsync([&]() -> Promise<> {
    // Split exactly at the member boundary, and byte by byte.
    Buffer out = co_await through(zlib::createGunzip(), chunksOf(a, b));
    EXPECT_EQ(out.toString(), "first\nsecond\n");
    Buffer both = Buffer::concat(chunksOf(a, b));
    out = co_await through(zlib::createGunzip(), pieces(both, 1));
    EXPECT_EQ(out.toString(), "first\nsecond\n");
    out = co_await through(zlib::createUnzip(), pieces(both, 7));
    EXPECT_EQ(out.toString(), "first\nsecond\n");
    // unzip sees the two magic bytes in separate writes.
    out = co_await through(zlib::createUnzip(), pieces(both, 1));
    EXPECT_EQ(out.toString(), "first\nsecond\n");
  });
}

TEST_F(ZlibStreamTest, CorruptAndTruncatedInputDestroyTheStreamWithNodesErrors) {
  const Buffer gz = zlib::gzipSync(sampleText(50000));
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGunzip();
    std::vector<std::string> events;
    s->events().error.on([&](std::exception_ptr e) { events.push_back("error " + codeOf(e)); });
    s->events().close.on([&] { events.push_back("close"); });
    Promise<> closed = nextEmit(s->events().close);
    EXPECT_EQ(codeOf(co_await rejectionOf(through(s, chunksOf(Buffer::from("garbage!"))))),
              "Z_DATA_ERROR: incorrect header check");
    co_await closed;
    EXPECT_EQ(events.size(), 2u);
    EXPECT_EQ(events.at(0), "error Z_DATA_ERROR: incorrect header check");
    EXPECT_EQ(events.at(1), "close");
    EXPECT_TRUE(s->destroyed());

    EXPECT_EQ(codeOf(co_await rejectionOf(
                  through(zlib::createGunzip(), pieces(gz.subarray(0, -4), 999)))),
              "Z_BUF_ERROR: unexpected end of file");
    Buffer corrupt = gz.clone();
    corrupt[corrupt.size() / 2] ^= 0xff;
    const std::string code =
        codeOf(co_await rejectionOf(through(zlib::createGunzip(), chunksOf(corrupt))));
    EXPECT_EQ(code.substr(0, 13), "Z_DATA_ERROR:");
    // SyncFlush as finishFlush: truncated input gives what it holds, no error.
    Buffer part = co_await through(zlib::createGunzip({.finishFlush = zlib::Flush::SyncFlush}),
                                   chunksOf(gz.subarray(0, gz.size() / 2)));
    EXPECT_GT(part.size(), 0u);
  });
}

TEST_F(ZlibStreamTest, MaxOutputLengthStopsABombOnAStream) {
  // 100 MB of zeros as gzip (about 100 KB) and brotli (152 bytes).
  const Buffer zeros = Buffer::alloc(100 * 1000 * 1000);
  const Buffer gz = zlib::gzipSync(zeros, {.level = 1});
  const Buffer br = zlib::brotliCompressSync(zeros, {.params = {.quality = 4}});
  runAsync([&]() -> Promise<> {
    std::size_t received = 0;
    Stream s = zlib::createGunzip({.maxOutputLength = 1 << 20});
    s->events().data.on([&](Buffer& chunk) { received += chunk.size(); });
    std::exception_ptr error;
    s->events().error.on([&](std::exception_ptr e) { error = e; });
    Promise<> closed = nextEmit(s->events().close);
    (void)s->end(gz);
    co_await closed;
    EXPECT_EQ(codeOf(error),
              "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 1048576 bytes");
    EXPECT_LE(received, 1u << 20);
    EXPECT_GT(received, (1u << 20) - 64 * 1024);
    // Brotli, with the stream default limit (64 MiB).
    EXPECT_EQ(codeOf(co_await rejectionOf(through(zlib::createBrotliDecompress(), chunksOf(br)))),
              "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 67108864 bytes");
    // kUnlimited lets it through.
    Buffer all = co_await through(
        zlib::createBrotliDecompress({.maxOutputLength = zlib::kUnlimited}), chunksOf(br));
    EXPECT_EQ(all.size(), zeros.size());
  });
}

TEST_F(ZlibStreamTest, FlushEmitsEverythingWrittenSoFar) {
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGzip();
    std::vector<Buffer> out;
    auto ended = Promise<>::withResolvers();
    s->events().data.on([&](Buffer& chunk) { out.push_back(chunk); });
    s->events().end.once([ended] { ended.resolve(); });
    (void)s->write(Buffer::from("data: one\n\n"));
    Completion flushed;
    s->flush(zlib::Flush::SyncFlush, flushed.callback());
    EXPECT_EQ(co_await flushed.r.promise, nullptr);
    // What came out so far decompresses to exactly what went in.
    zlib::Options syncFinish{.finishFlush = zlib::Flush::SyncFlush};
    Buffer soFar = zlib::gunzipSync(Buffer::concat(out), syncFinish);
    EXPECT_EQ(soFar.toString(), "data: one\n\n");
    (void)s->write(Buffer::from("data: two\n\n"));
    s->flush();  // FullFlush
    co_await s->end();
    co_await ended.promise;
    EXPECT_EQ(zlib::gunzipSync(Buffer::concat(out)).toString(), "data: one\n\ndata: two\n\n");
    // After "finish", flush's callback still runs (in a tick).
    Completion late;
    s->flush(zlib::Flush::SyncFlush, late.callback());
    EXPECT_EQ(co_await late.r.promise, nullptr);
  });
  // Brotli streams flush with BROTLI_OPERATION_FLUSH.
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createBrotliCompress({.params = {.quality = 4}});
    std::vector<Buffer> out;
    auto ended = Promise<>::withResolvers();
    s->events().data.on([&](Buffer& chunk) { out.push_back(chunk); });
    s->events().end.once([ended] { ended.resolve(); });
    (void)s->write(Buffer::from("event: tick\n\n"));
    Completion flushed;
    s->flush(zlib::BrotliOperation::Flush, flushed.callback());
    EXPECT_EQ(co_await flushed.r.promise, nullptr);
    Buffer soFar = zlib::brotliDecompressSync(Buffer::concat(out),
                                              {.finishFlush = zlib::BrotliOperation::Flush});
    EXPECT_EQ(soFar.toString(), "event: tick\n\n");
    co_await s->end();
    co_await ended.promise;
  });
}

TEST_F(ZlibStreamTest, ASlowReaderHoldsTheDecompressorBack) {
  const Buffer gz = zlib::gzipSync(Buffer::alloc(20 * 1000 * 1000), {.level = 1});
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGunzip({.maxOutputLength = zlib::kUnlimited});
    bool finished = false;
    s->events().finish.on([&] { finished = true; });
    (void)s->end(gz);
    // Nobody reads: the stream fills its readable buffer to the high water mark and stops.
    // Proving that nothing more happens needs time to pass: 100 ms is hundreds of steps'
    // worth if backpressure were ignored.
    co_await sleep(100);
    EXPECT_LE(s->readableLength(), s->readableHighWaterMark() + zlib::kDefaultChunk);
    EXPECT_GE(s->readableLength(), s->readableHighWaterMark());
    EXPECT_FALSE(finished);
    co_await sleep(50);
    EXPECT_LE(s->readableLength(), s->readableHighWaterMark() + zlib::kDefaultChunk);
    // Reading drains it all.
    Buffer out = co_await readAll(s);
    EXPECT_EQ(out.size(), 20u * 1000 * 1000);
  });
}

TEST_F(ZlibStreamTest, WriteReturnsFalseAtTheHighWaterMark) {
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGzip({}, {.highWaterMark = 1024});
    EXPECT_TRUE(static_cast<bool>(s->write(Buffer::alloc(100))));
    EXPECT_FALSE(static_cast<bool>(s->write(Buffer::alloc(2000))));
    Promise<> drained = nextEmit(s->events().drain);
    Promise<Buffer> out = readAll(s);
    co_await drained;
    co_await s->end();
    EXPECT_EQ(zlib::gunzipSync(co_await out).size(), 2100u);
  });
}

TEST_F(ZlibStreamTest, DestroyWhileAPoolJobRunsIsSafe) {
  const Buffer gz = zlib::gzipSync(sampleText(8 * 1024 * 1024, 4));
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGunzip({.maxOutputLength = zlib::kUnlimited});
    std::vector<std::string> events;
    int chunks = 0;
    s->events().data.on([&](Buffer&) {
      // Destroy right after the first output, when the next step is on the pool.
      if (++chunks == 1) nextTick([&] { s->destroy(); });
    });
    s->events().close.on([&] { events.push_back("close"); });
    s->events().error.on([&](std::exception_ptr) { events.push_back("error"); });
    Promise<> closed = nextEmit(s->events().close);
    (void)s->write(gz);
    co_await closed;
    EXPECT_EQ(events.size(), 1u);
    EXPECT_EQ(events.at(0), "close");
    EXPECT_EQ(chunks, 1);
    // Writes after destroy fail as Node's (ERR_STREAM_DESTROYED).
    Completion late;
    (void)s->write(Buffer::from("x"), late.callback());
    EXPECT_EQ(codeOf(co_await late.r.promise).substr(0, 20), "ERR_STREAM_DESTROYED");
  });
}

TEST_F(ZlibStreamTest, ADroppedStreamIsFreedAfterItsPoolJob) {
  std::weak_ptr<zlib::ZlibBase> weak;
  {
    Stream s = zlib::createGzip();
    weak = s;
    (void)s->write(sampleText(1024 * 1024));
    s->destroy();
  }
  // The job in flight holds the stream; once it is back and "close" is emitted, nothing does.
  run();
  EXPECT_TRUE(weak.expired());
  // A decompressor held back by a reader that never reads: destroy() releases the held write
  // (whose callback references the stream), so dropping it frees it. Without destroy() or
  // reading, a stream with pending work stays alive, as every stream with a pending callback.
  const Buffer gz = zlib::gzipSync(Buffer::alloc(10 * 1000 * 1000), {.level = 1});
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGunzip({.maxOutputLength = zlib::kUnlimited});
    weak = s;
    (void)s->end(gz);
    // No event says "held back"; poll for the full buffer, then give the last step time.
    while (s->readableLength() < s->readableHighWaterMark()) co_await sleep(1);
    co_await sleep(20);
    s->destroy();
  });
  EXPECT_TRUE(weak.expired());
}

TEST_F(ZlibStreamTest, TheLoopRunsTimersWhileAStreamCompresses) {
  const Buffer input = sampleText(4 * 1024 * 1024, 6);
  runAsync([&]() -> Promise<> {
    Stream s = zlib::createGzip({.level = 9});
    bool finished = false;
    int ticks = 0;
    s->events().finish.on([&] { finished = true; });
    Timeout t = setInterval([&] { ++ticks; }, 1);
    Buffer out = co_await through(s, pieces(input, 256 * 1024));
    clearInterval(t);
    EXPECT_TRUE(finished);
    EXPECT_GT(ticks, 0);
    EXPECT_EQ(zlib::gunzipSync(out), input);
  });
}

TEST_F(ZlibStreamTest, BadOptionsThrowFromTheFactories) {
  EXPECT_THROW(zlib::createGzip({.level = 12}), RangeError);
  EXPECT_THROW(zlib::createInflate({.chunkSize = 8}), RangeError);
  EXPECT_THROW(zlib::createGunzip({.maxOutputLength = 0}), RangeError);
  EXPECT_THROW(zlib::createBrotliDecompress({.flush = static_cast<zlib::BrotliOperation>(9)}),
               RangeError);
}

}  // namespace
}  // namespace nx
