// SPDX-License-Identifier: MIT
// libFuzzer target for the decompressors of nx::zlib. Byte 0 of the input picks the target
// (low 3 bits): 0 gunzip, 1 inflate, 2 inflateRaw, 3 unzip, 4 brotliDecompress, 5 a round trip
// through every compressor, 6 and 7 all five decompressors. The rest is the data. Checks, each
// trapping with a message when broken (fuzz/README.md):
// 1. Decompression never crashes, hangs or fails with anything but nx::SystemError, and its
//    output never exceeds maxOutputLength (64 KiB here): past it, ERR_BUFFER_TOO_LARGE.
// 2. For inflate, inflateRaw and brotli, feeding the data in pieces (sizes from a hash of the
//    input, 64-byte output chunks) gives the same output as one call, or fails too (the code
//    may depend on the cut, in zlib and brotli as in Node). Either side hitting the limit
//    first is fine.
// 3. Round trip: gzip/deflate/deflateRaw at a level from byte 1 and brotli at a quality from
//    byte 2, each decompressed again (also with unzip), give back the data.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/zlib/internal/codec.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace {

using nx::Buffer;
namespace zlib = nx::zlib;
using zlib::detail::Mode;

constexpr std::size_t kLimit = 64 * 1024;

const char* currentTarget = "";

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "zlib_inflate_fuzz: invariant broken (%s): %s\n", currentTarget, what);
  __builtin_trap();
}

/// The outcome of one decompression: the output, or the error code.
struct Outcome {
  bool ok = false;
  Buffer output;
  std::string code;
};

template <class F>
Outcome attempt(F f) {
  Outcome r;
  try {
    r.output = f();
    r.ok = true;
  } catch (const nx::SystemError& e) {
    r.code = std::string(e.code());
  } catch (...) {
    require(false, "an exception that is not nx::SystemError");
  }
  return r;
}

Outcome oneShot(Mode mode, const Buffer& data) {
  return attempt([&] {
    zlib::Options o{.maxOutputLength = kLimit};
    zlib::BrotliOptions b{.maxOutputLength = kLimit};
    switch (mode) {
      case Mode::Gunzip:
        return zlib::gunzipSync(data, o);
      case Mode::Inflate:
        return zlib::inflateSync(data, o);
      case Mode::InflateRaw:
        return zlib::inflateRawSync(data, o);
      case Mode::Unzip:
        return zlib::unzipSync(data, o);
      default:
        return zlib::brotliDecompressSync(data, b);
    }
  });
}

// The streams' way: several writes with the default flush, then an empty finishing one.
Outcome pieces(Mode mode, const Buffer& data, std::uint64_t seed) {
  return attempt([&] {
    auto codec = mode == Mode::BrotliDecode
                     ? zlib::detail::Codec::create(
                           mode, zlib::BrotliOptions{.chunkSize = 64, .maxOutputLength = kLimit},
                           zlib::detail::Api::Stream)
                     : zlib::detail::Codec::create(
                           mode, zlib::Options{.chunkSize = 64, .maxOutputLength = kLimit},
                           zlib::detail::Api::Stream);
    std::vector<Buffer> out;
    std::size_t off = 0;
    while (off < data.size()) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const std::size_t n = std::min<std::size_t>(data.size() - off, 1 + (seed >> 58));
      codec->writeAll(std::span(data.data() + off, n), codec->defaultFlush(), out);
      off += n;
    }
    codec->writeAll({}, codec->finishFlush(), out);
    return Buffer::concat(out);
  });
}

void checkDecompressor(Mode mode, const char* name, const Buffer& data, std::uint64_t seed) {
  currentTarget = name;
  const Outcome whole = oneShot(mode, data);
  if (whole.ok) require(whole.output.size() <= kLimit, "output larger than maxOutputLength");
  if (mode == Mode::Inflate || mode == Mode::InflateRaw || mode == Mode::BrotliDecode) {
    const Outcome split = pieces(mode, data, seed);
    // Which of "too large" and a format error comes first depends on how much output each
    // engine call may produce (16 KiB chunks against 64 bytes), so only the rest must agree.
    const bool limited =
        whole.code == "ERR_BUFFER_TOO_LARGE" || split.code == "ERR_BUFFER_TOO_LARGE";
    if (!limited) {
      if (whole.ok != split.ok || (!whole.ok && whole.code != split.code)) {
        std::fprintf(stderr, "one call: %s, split: %s\n", whole.ok ? "ok" : whole.code.c_str(),
                     split.ok ? "ok" : split.code.c_str());
      }
      require(whole.ok == split.ok, "split input succeeded where one call failed, or vice versa");
      if (whole.ok) require(whole.output == split.output, "split input gave other bytes");
      // Which error a corrupt stream gives may depend on where input and output were cut:
      // brotli (BLOCK_LENGTH_1 against BLOCK_LENGTH_2) and zlib alike (Node's own inflate
      // stream gives Z_DATA_ERROR "invalid distance too far back" with chunkSize 64 and
      // Z_BUF_ERROR with the default for the seed inflate-error-depends-on-cut), so only
      // failing together is required.
    }
  }
}

void checkRoundTrip(const Buffer& data, int level, std::uint32_t quality) {
  currentTarget = "round trip";
  const zlib::Options c{.level = level};
  const zlib::Options d{.maxOutputLength = data.size() + 1};
  require(zlib::gunzipSync(zlib::gzipSync(data, c), d) == data, "gzip");
  require(zlib::unzipSync(zlib::gzipSync(data, c), d) == data, "gzip via unzip");
  require(zlib::inflateSync(zlib::deflateSync(data, c), d) == data, "deflate");
  require(zlib::unzipSync(zlib::deflateSync(data, c), d) == data, "deflate via unzip");
  require(zlib::inflateRawSync(zlib::deflateRawSync(data, c), d) == data, "deflateRaw");
  const Buffer br = zlib::brotliCompressSync(data, {.params = {.quality = quality}});
  require(zlib::brotliDecompressSync(br, {.maxOutputLength = data.size() + 1}) == data, "brotli");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const int selector = bytes[0] & 7;
  const Buffer data = Buffer::from(std::span(bytes + 1, size - 1));
  std::uint64_t seed = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) seed = (seed ^ bytes[i]) * 0x100000001b3ULL;

  if (selector == 5) {
    const int level = size > 1 ? bytes[1] % 11 - 1 : -1;
    const std::uint32_t quality = size > 2 ? bytes[2] % 12 : 1;
    checkRoundTrip(data, level, quality);
    return 0;
  }
  const struct {
    Mode mode;
    const char* name;
  } targets[] = {{Mode::Gunzip, "gunzip"},
                 {Mode::Inflate, "inflate"},
                 {Mode::InflateRaw, "inflateRaw"},
                 {Mode::Unzip, "unzip"},
                 {Mode::BrotliDecode, "brotliDecompress"}};
  if (selector < 5) {
    checkDecompressor(targets[selector].mode, targets[selector].name, data, seed);
  } else {
    for (const auto& t : targets) checkDecompressor(t.mode, t.name, data, seed);
  }
  return 0;
}
