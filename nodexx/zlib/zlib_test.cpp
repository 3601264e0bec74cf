// SPDX-License-Identifier: MIT
#include "nodexx/zlib/zlib.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/zlib/internal/codec.hpp"

namespace nx {
namespace {

using ::testing::HasSubstr;

/// The properties Node's zlib errors expose.
struct ErrorFields {
  std::string name, code, message;
  int errnum = 0;
  friend bool operator==(const ErrorFields&, const ErrorFields&) = default;
  friend std::ostream& operator<<(std::ostream& os, const ErrorFields& f) {
    return os << "{" << f.name << " | " << f.code << " | " << f.errnum << " | " << f.message << "}";
  }
};

ErrorFields fieldsOf(const std::exception_ptr& e) {
  if (!e) return {"(no error)", "", "", 0};
  try {
    std::rethrow_exception(e);
  } catch (const zlib::ZlibError& z) {
    return {std::string(z.name()), std::string(z.code()), z.what(), z.errnum()};
  } catch (const SystemError& s) {
    return {std::string(s.name()), std::string(s.code()), s.what(), 0};
  } catch (const std::exception& x) {
    return {"std::exception", "", x.what(), 0};
  }
}

ErrorFields errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    return fieldsOf(std::current_exception());
  }
  return fieldsOf(nullptr);
}

/// Compressible but not trivial bytes: words drawn from a small vocabulary by an LCG.
Buffer sampleText(std::size_t size, std::uint32_t seed = 1) {
  static const char* const kWords[] = {"alpha ", "beta ",  "gamma ", "delta\n", "{\"id\":",
                                       "42,",    "lorem ", "ipsum ", "zlib ",   "node "};
  Buffer b = Buffer::allocUnsafe(size);
  std::uint32_t x = seed;
  std::size_t i = 0;
  while (i < size) {
    x = x * 1664525u + 1013904223u;
    for (const char* w = kWords[(x >> 16) % 10]; *w && i < size; ++w)
      b[i++] = static_cast<std::uint8_t>(*w);
  }
  return b;
}

/// Incompressible bytes.
Buffer noise(std::size_t size, std::uint32_t seed = 7) {
  Buffer b = Buffer::allocUnsafe(size);
  std::uint32_t x = seed;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1664525u + 1013904223u;
    b[i] = static_cast<std::uint8_t>(x >> 24);
  }
  return b;
}

class ZlibTest : public nx::testing::FreshLoop {
 protected:
  /// Runs the coroutine `body` returns until the loop is empty; expects it to have fulfilled.
  template <class F>
  void runAsync(F body) {
    Promise<> p = body();
    run();
    EXPECT_TRUE(p.isFulfilled()) << (p.isRejected() ? describe(p.state()->error)
                                                    : std::string("still pending"));
  }
};

template <class T>
Promise<std::exception_ptr> rejectionOf(Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (...) {
    co_return std::current_exception();
  }
  co_return nullptr;
}

TEST_F(ZlibTest, EveryZlibFormatRoundTripsAtEveryLevel) {
  const Buffer input = sampleText(100 * 1000);
  for (int level = -1; level <= 9; ++level) {
    SCOPED_TRACE("level " + std::to_string(level));
    zlib::Options o{.level = level};
    Buffer gz = zlib::gzipSync(input, o);
    Buffer df = zlib::deflateSync(input, o);
    Buffer raw = zlib::deflateRawSync(input, o);
    EXPECT_EQ(gz.readUInt16BE(0), 0x1f8b);
    EXPECT_EQ(df[0], 0x78);
    if (level != 0) {
      EXPECT_LT(gz.size(), input.size() / 3);
    }
    EXPECT_EQ(zlib::gunzipSync(gz), input);
    EXPECT_EQ(zlib::inflateSync(df), input);
    EXPECT_EQ(zlib::inflateRawSync(raw), input);
    EXPECT_EQ(zlib::unzipSync(gz), input);
    EXPECT_EQ(zlib::unzipSync(df), input);
  }
}

TEST_F(ZlibTest, BrotliRoundTripsAtEveryQuality) {
  const Buffer input = sampleText(40 * 1000);
  for (std::uint32_t q = 0; q <= 11; ++q) {
    SCOPED_TRACE("quality " + std::to_string(q));
    zlib::BrotliOptions o{.params = {.quality = q}};
    Buffer br = zlib::brotliCompressSync(input, o);
    EXPECT_LT(br.size(), input.size() / 3);
    EXPECT_EQ(zlib::brotliDecompressSync(br), input);
  }
  zlib::BrotliOptions text{
      .params = {.mode = zlib::BrotliMode::Text, .quality = 5, .lgwin = 18, .sizeHint = 40000}};
  EXPECT_EQ(zlib::brotliDecompressSync(zlib::brotliCompressSync(input, text)), input);
}

TEST_F(ZlibTest, StrategiesMemLevelsAndWindowBitsRoundTrip) {
  const Buffer input = sampleText(50 * 1000, 3);
  for (auto s : {zlib::Strategy::Default, zlib::Strategy::Filtered, zlib::Strategy::HuffmanOnly,
                 zlib::Strategy::Rle, zlib::Strategy::Fixed}) {
    EXPECT_EQ(zlib::gunzipSync(zlib::gzipSync(input, {.strategy = s})), input);
  }
  for (int mem = 1; mem <= 9; ++mem) {
    EXPECT_EQ(zlib::inflateSync(zlib::deflateSync(input, {.memLevel = mem})), input);
  }
  for (int wb = 9; wb <= 15; ++wb) {
    EXPECT_EQ(zlib::gunzipSync(zlib::gzipSync(input, {.windowBits = wb})), input);
    EXPECT_EQ(
        zlib::inflateRawSync(zlib::deflateRawSync(input, {.windowBits = wb}), {.windowBits = wb}),
        input);
  }
  // deflateRaw turns windowBits 8 into 9 (zlib refuses 8 for raw streams), as Node does.
  EXPECT_EQ(zlib::inflateRawSync(zlib::deflateRawSync(input, {.windowBits = 8})), input);
  // A smaller window than the stream's fails, as zlib reports it.
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(zlib::deflateSync(input), {.windowBits = 9}); }).code,
            "Z_DATA_ERROR");
}

TEST_F(ZlibTest, OutputBytesMatchNode) {
  // The bytes node 20 prints for zlib.gzipSync('') etc. (OS byte 3, no mtime).
  EXPECT_EQ(zlib::gzipSync(Buffer()).toString(Encoding::Hex),
            "1f8b080000000000000303000000000000000000");
  EXPECT_EQ(zlib::deflateSync(Buffer()).toString(Encoding::Hex), "789c030000000001");
  EXPECT_EQ(zlib::deflateRawSync(Buffer()).toString(Encoding::Hex), "0300");
  EXPECT_EQ(zlib::brotliCompressSync(Buffer()).toString(Encoding::Hex), "3b");
  EXPECT_EQ(zlib::gzipSync(Buffer::from("abc")).toString(Encoding::Hex),
            "1f8b08000000000000034b4c4a0600c241243503000000");
}

TEST_F(ZlibTest, EmptyOutputIsAnEmptyBuffer) {
  EXPECT_TRUE(zlib::gunzipSync(zlib::gzipSync(Buffer())).empty());
  EXPECT_TRUE(zlib::inflateSync(zlib::deflateSync(Buffer())).empty());
  EXPECT_TRUE(zlib::inflateRawSync(zlib::deflateRawSync(Buffer())).empty());
  EXPECT_TRUE(zlib::brotliDecompressSync(zlib::brotliCompressSync(Buffer())).empty());
}

TEST_F(ZlibTest, PromiseFormsRunOnThePoolAndRoundTripLargeInputs) {
  const Buffer input = sampleText(3 * 1024 * 1024 + 11);
  const Buffer random = noise(1024 * 1024);
  runAsync([&]() -> Promise<> {
    EXPECT_EQ(co_await zlib::gunzip(co_await zlib::gzip(input)), input);
    EXPECT_EQ(co_await zlib::inflate(co_await zlib::deflate(input)), input);
    EXPECT_EQ(co_await zlib::inflateRaw(co_await zlib::deflateRaw(input)), input);
    EXPECT_EQ(co_await zlib::unzip(co_await zlib::gzip(input)), input);
    zlib::BrotliOptions fast{.params = {.quality = 4}};
    EXPECT_EQ(co_await zlib::brotliDecompress(co_await zlib::brotliCompress(input, fast)), input);
    // Incompressible data grows a little and still round-trips.
    Buffer gz = co_await zlib::gzip(random);
    EXPECT_GT(gz.size(), random.size());
    EXPECT_EQ(co_await zlib::gunzip(gz), random);
  });
}

TEST_F(ZlibTest, ConcatenatedGzipMembersAreJoinedAsNodeDoes) {
  const Buffer a = Buffer::from("first member\n");
  const Buffer b = Buffer::from("second member\n");
  const Buffer both = Buffer::concat({zlib::gzipSync(a), zlib::gzipSync(b)});
  EXPECT_EQ(zlib::gunzipSync(both).toString(), "first member\nsecond member\n");
  EXPECT_EQ(zlib::unzipSync(both).toString(), "first member\nsecond member\n");
  // Zero padding after a member is ignored; other trailing bytes are a new (bad) header.
  EXPECT_EQ(zlib::gunzipSync(Buffer::concat({zlib::gzipSync(a), Buffer::alloc(10)})), a);
  EXPECT_EQ(errorOf([&] {
              zlib::gunzipSync(Buffer::concat({zlib::gzipSync(a), Buffer::from("xyz")}));
            }),
            (ErrorFields{"Error", "Z_DATA_ERROR", "incorrect header check", -3}));
  // inflate stops at the end of the first stream and ignores the rest, as Node.
  EXPECT_EQ(zlib::inflateSync(Buffer::concat({zlib::deflateSync(a), zlib::deflateSync(b)})), a);
}

TEST_F(ZlibTest, CorruptAndTruncatedInputFailWithNodesCodes) {
  const Buffer text = Buffer::from("hello world hello world");
  const Buffer gz = zlib::gzipSync(text);
  const Buffer df = zlib::deflateSync(text);
  const Buffer raw = zlib::deflateRawSync(text);
  const Buffer br = zlib::brotliCompressSync(text);
  const Buffer garbage = Buffer::from("garbage!");
  const ErrorFields header{"Error", "Z_DATA_ERROR", "incorrect header check", -3};
  const ErrorFields eof{"Error", "Z_BUF_ERROR", "unexpected end of file", -5};
  // Expected values printed by node 20 (tests/node_oracle/scenarios/zlib_errors.js).
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(garbage); }), header);
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(garbage); }), header);
  EXPECT_EQ(errorOf([&] { zlib::unzipSync(garbage); }), header);
  EXPECT_EQ(errorOf([&] { zlib::inflateRawSync(garbage); }),
            (ErrorFields{"Error", "Z_DATA_ERROR", "invalid block type", -3}));
  EXPECT_EQ(errorOf([&] { zlib::brotliDecompressSync(garbage); }),
            (ErrorFields{"Error", "ERR__ERROR_FORMAT_PADDING_1", "Decompression failed", -14}));
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(gz.subarray(0, -4)); }), eof);
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(df.subarray(0, -2)); }), eof);
  EXPECT_EQ(errorOf([&] { zlib::inflateRawSync(raw.subarray(0, -2)); }), eof);
  EXPECT_EQ(errorOf([&] { zlib::brotliDecompressSync(br.subarray(0, -2)); }), eof);
  for (auto f : {zlib::gunzipSync, zlib::inflateSync, zlib::inflateRawSync, zlib::unzipSync}) {
    EXPECT_EQ(errorOf([&] { f(Buffer(), {}); }), eof);
  }
  EXPECT_EQ(errorOf([&] { zlib::brotliDecompressSync(Buffer()); }), eof);
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(df); }), header);
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(gz); }), header);
  Buffer badCrc = gz.clone();
  badCrc[badCrc.size() - 8] ^= 1;
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(badCrc); }),
            (ErrorFields{"Error", "Z_DATA_ERROR", "incorrect data check", -3}));
  Buffer badLength = gz.clone();
  badLength[badLength.size() - 2] ^= 1;
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(badLength); }),
            (ErrorFields{"Error", "Z_DATA_ERROR", "incorrect length check", -3}));
  // The promise forms reject with the same errors.
  runAsync([&]() -> Promise<> {
    EXPECT_EQ(fieldsOf(co_await rejectionOf(zlib::gunzip(garbage))), header);
    EXPECT_EQ(fieldsOf(co_await rejectionOf(zlib::brotliDecompress(br.subarray(0, -2)))), eof);
  });
}

TEST_F(ZlibTest, FinishFlushSyncFlushDecompressesTruncatedInput) {
  const Buffer text = sampleText(100000);
  const Buffer gz = zlib::gzipSync(text);
  Buffer part =
      zlib::gunzipSync(gz.subarray(0, gz.size() / 2), {.finishFlush = zlib::Flush::SyncFlush});
  EXPECT_GT(part.size(), 0u);
  EXPECT_EQ(part, text.subarray(0, static_cast<std::ptrdiff_t>(part.size())));
  const Buffer br = zlib::brotliCompressSync(text, {.params = {.quality = 5}});
  Buffer brPart = zlib::brotliDecompressSync(br.subarray(0, br.size() / 2),
                                             {.finishFlush = zlib::BrotliOperation::Flush});
  EXPECT_EQ(brPart, text.subarray(0, static_cast<std::ptrdiff_t>(brPart.size())));
}

TEST_F(ZlibTest, PresetDictionariesWorkAndMissingOnesFailAsNode) {
  const Buffer dict = Buffer::from("hello world, hello dictionary");
  const Buffer dict2 = Buffer::from("a different dictionary entirely");
  const Buffer text = Buffer::from("hello world, hello dictionary, hello again");
  const Buffer df = zlib::deflateSync(text, {.dictionary = dict});
  EXPECT_EQ(zlib::inflateSync(df, {.dictionary = dict}), text);
  EXPECT_EQ(zlib::unzipSync(df, {.dictionary = dict}), text);
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(df); }),
            (ErrorFields{"Error", "Z_NEED_DICT", "Missing dictionary", 2}));
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(df, {.dictionary = dict2}); }),
            (ErrorFields{"Error", "Z_NEED_DICT", "Bad dictionary", 2}));
  const Buffer raw = zlib::deflateRawSync(text, {.dictionary = dict});
  EXPECT_EQ(zlib::inflateRawSync(raw, {.dictionary = dict}), text);
}

TEST_F(ZlibTest, MaxOutputLengthStopsOneShotDecompressionEarly) {
  // 100 MB of zeros: about 100 KB as gzip, 152 bytes as brotli.
  const Buffer zeros = Buffer::alloc(100 * 1000 * 1000);
  const Buffer gz = zlib::gzipSync(zeros, {.level = 1});
  const Buffer br = zlib::brotliCompressSync(zeros, {.params = {.quality = 4}});
  EXPECT_LT(br.size(), 1024u);
  const ErrorFields tooLarge{"RangeError", "ERR_BUFFER_TOO_LARGE",
                             "Cannot create a Buffer larger than 1048576 bytes", 0};
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(gz, {.maxOutputLength = 1 << 20}); }), tooLarge);
  EXPECT_EQ(errorOf([&] { zlib::brotliDecompressSync(br, {.maxOutputLength = 1 << 20}); }),
            tooLarge);
  // The default limit (64 MiB) applies without options.
  EXPECT_EQ(errorOf([&] { zlib::brotliDecompressSync(br); }),
            (ErrorFields{"RangeError", "ERR_BUFFER_TOO_LARGE",
                         "Cannot create a Buffer larger than 67108864 bytes", 0}));
  // Exactly at the limit is fine (Node fails only past it).
  EXPECT_EQ(zlib::gunzipSync(zlib::gzipSync(Buffer::alloc(5)), {.maxOutputLength = 5}).size(), 5u);
  EXPECT_EQ(
      errorOf([&] { zlib::gunzipSync(zlib::gzipSync(Buffer::alloc(6)), {.maxOutputLength = 5}); }),
      (ErrorFields{"RangeError", "ERR_BUFFER_TOO_LARGE",
                   "Cannot create a Buffer larger than 5 bytes", 0}));
  // The engine stopped one chunk past the limit: it never produced (or allocated) 100 MB.
  auto codec = zlib::detail::Codec::create(zlib::detail::Mode::BrotliDecode,
                                           zlib::BrotliOptions{.maxOutputLength = 1 << 20},
                                           zlib::detail::Api::OneShot);
  EXPECT_EQ(errorOf([&] { zlib::detail::processAll(*codec, br); }), tooLarge);
  EXPECT_LE(codec->totalOut(), (1u << 20) + zlib::kDefaultChunk);
  runAsync([&]() -> Promise<> {
    EXPECT_EQ(fieldsOf(co_await rejectionOf(zlib::gunzip(gz, {.maxOutputLength = 1 << 20}))),
              tooLarge);
    // Raised explicitly, the limit lets the whole output through.
    Buffer all = co_await zlib::gunzip(gz, {.maxOutputLength = 100 * 1000 * 1000});
    EXPECT_EQ(all.size(), zeros.size());
  });
}

TEST_F(ZlibTest, CompressorsDefaultToNodesLimit) {
  // Level 0 stores: 70 MiB in, a little more out, past the 64 MiB decompression default.
  const Buffer zeros = Buffer::alloc(70 * 1024 * 1024);
  EXPECT_GT(zlib::deflateSync(zeros, {.level = 0}).size(), zeros.size());
}

TEST_F(ZlibTest, BadOptionsFailWithNodesRangeErrors) {
  auto msg = [](const char* name, const char* range, const char* received) {
    return ErrorFields{"RangeError", "ERR_OUT_OF_RANGE",
                       std::string("The value of \"") + name + "\" is out of range. It must be " +
                           range + ". Received " + received,
                       0};
  };
  const Buffer x = Buffer::from("x");
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.level = 10}); }),
            msg("options.level", ">= -1 and <= 9", "10"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.windowBits = 7}); }),
            msg("options.windowBits", ">= 9 and <= 15", "7"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.windowBits = 8}); }),
            msg("options.windowBits", ">= 9 and <= 15", "8"));
  EXPECT_EQ(errorOf([&] { zlib::inflateSync(x, {.windowBits = 7}); }),
            msg("options.windowBits", ">= 8 and <= 15", "7"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.memLevel = 10}); }),
            msg("options.memLevel", ">= 1 and <= 9", "10"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.strategy = static_cast<zlib::Strategy>(5)}); }),
            msg("options.strategy", ">= 0 and <= 4", "5"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.chunkSize = 10}); }),
            msg("options.chunkSize", ">= 64", "10"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.maxOutputLength = 0}); }),
            msg("options.maxOutputLength", ">= 1 and <= 4294967296", "0"));
  EXPECT_EQ(errorOf([&] { zlib::gunzipSync(x, {.maxOutputLength = (std::size_t{1} << 32) + 1}); }),
            msg("options.maxOutputLength", ">= 1 and <= 4294967296", "4_294_967_297"));
  EXPECT_EQ(errorOf([&] { zlib::gzipSync(x, {.flush = static_cast<zlib::Flush>(6)}); }),
            msg("options.flush", ">= 0 and <= 5", "6"));
  EXPECT_EQ(errorOf([&] {
              zlib::brotliCompressSync(x, {.finishFlush = static_cast<zlib::BrotliOperation>(4)});
            }),
            msg("options.finishFlush", ">= 0 and <= 3", "4"));
  // The promise forms reject (no pool round trip) instead of throwing.
  runAsync([&]() -> Promise<> {
    EXPECT_EQ(fieldsOf(co_await rejectionOf(zlib::deflate(x, {.level = -2}))),
              msg("options.level", ">= -1 and <= 9", "-2"));
  });
}

TEST_F(ZlibTest, Crc32MatchesNode) {
  EXPECT_EQ(zlib::crc32("hello"), 907060870u);
  EXPECT_EQ(zlib::crc32("world", 123), 3027615901u);
  EXPECT_EQ(zlib::crc32(Buffer::from("hello")), 907060870u);
  EXPECT_EQ(zlib::crc32(""), 0u);
  EXPECT_EQ(zlib::crc32("world", zlib::crc32("hello ")), zlib::crc32("hello world"));
}

TEST_F(ZlibTest, TheLoopRunsTimersWhileThePoolCompresses) {
  // 4 MB at level 9 takes far longer than a 1 ms timer on any machine: if compression ran on
  // the loop thread, the timer could only fire after the promise settled.
  const Buffer input = sampleText(4 * 1024 * 1024, 5);
  bool timerSawPending = false;
  runAsync([&]() -> Promise<> {
    Promise<Buffer> p = zlib::gzip(input, {.level = 9});
    setTimeout([&] { timerSawPending = p.isPending(); }, 1);
    Buffer gz = co_await p;
    EXPECT_GT(gz.size(), 0u);
  });
  EXPECT_TRUE(timerSawPending);
}

TEST_F(ZlibTest, CodecStepsFillOneChunkAtATime) {
  // The incremental engine the streams drive: each step fills at most one chunk.
  const Buffer input = sampleText(200 * 1000, 9);
  const Buffer gz = zlib::gzipSync(input);
  auto codec = zlib::detail::Codec::create(
      zlib::detail::Mode::Gunzip, zlib::Options{.chunkSize = 1024}, zlib::detail::Api::Stream);
  std::vector<Buffer> out;
  std::size_t steps = 0;
  // Feed the input in 1000-byte writes with Z_NO_FLUSH, then finish.
  for (std::size_t off = 0; off < gz.size(); off += 1000) {
    Buffer piece =
        gz.subarray(static_cast<std::ptrdiff_t>(off), static_cast<std::ptrdiff_t>(off + 1000));
    codec->setInput(piece, codec->defaultFlush());
    do {
      Buffer b = codec->step();
      ++steps;
      EXPECT_LE(b.size(), 1024u);
      if (!b.empty()) out.push_back(b);
    } while (codec->outputFull());
    EXPECT_EQ(codec->availIn(), 0u);
  }
  codec->writeAll({}, codec->finishFlush(), out);
  EXPECT_EQ(Buffer::concat(out), input);
  EXPECT_GE(steps, input.size() / 1024);
}

}  // namespace
}  // namespace nx
