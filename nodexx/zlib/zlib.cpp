// SPDX-License-Identifier: MIT
#include "nodexx/zlib/zlib.hpp"

#include <zlib.h>

#include <exception>
#include <memory>
#include <utility>

#include "nodexx/core/threadpool.hpp"
#include "nodexx/zlib/internal/codec.hpp"

namespace nx::zlib {
namespace {

using detail::Api;
using detail::Codec;
using detail::Mode;

// Options are validated and the engine created on the caller's thread, so that a bad option
// rejects without a pool round trip; the codec then moves to the pool job with the input.
template <class O>
Promise<Buffer> oneShot(Mode mode, Buffer buffer, const O& options) {
  std::unique_ptr<Codec> codec;
  try {
    codec = Codec::create(mode, options, Api::OneShot);
  } catch (...) {
    return Promise<Buffer>::reject(std::current_exception());
  }
  return threadpool::run([codec = std::move(codec), buffer = std::move(buffer)]() {
    return detail::processAll(*codec, buffer);
  });
}

template <class O>
Buffer oneShotSync(Mode mode, const Buffer& buffer, const O& options) {
  auto codec = Codec::create(mode, options, Api::OneShot);
  return detail::processAll(*codec, buffer);
}

}  // namespace

Promise<Buffer> gzip(Buffer buffer, Options options) {
  return oneShot(Mode::Gzip, std::move(buffer), options);
}
Promise<Buffer> gunzip(Buffer buffer, Options options) {
  return oneShot(Mode::Gunzip, std::move(buffer), options);
}
Promise<Buffer> deflate(Buffer buffer, Options options) {
  return oneShot(Mode::Deflate, std::move(buffer), options);
}
Promise<Buffer> inflate(Buffer buffer, Options options) {
  return oneShot(Mode::Inflate, std::move(buffer), options);
}
Promise<Buffer> deflateRaw(Buffer buffer, Options options) {
  return oneShot(Mode::DeflateRaw, std::move(buffer), options);
}
Promise<Buffer> inflateRaw(Buffer buffer, Options options) {
  return oneShot(Mode::InflateRaw, std::move(buffer), options);
}
Promise<Buffer> unzip(Buffer buffer, Options options) {
  return oneShot(Mode::Unzip, std::move(buffer), options);
}
Promise<Buffer> brotliCompress(Buffer buffer, BrotliOptions options) {
  return oneShot(Mode::BrotliEncode, std::move(buffer), options);
}
Promise<Buffer> brotliDecompress(Buffer buffer, BrotliOptions options) {
  return oneShot(Mode::BrotliDecode, std::move(buffer), options);
}

Buffer gzipSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::Gzip, buffer, options);
}
Buffer gunzipSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::Gunzip, buffer, options);
}
Buffer deflateSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::Deflate, buffer, options);
}
Buffer inflateSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::Inflate, buffer, options);
}
Buffer deflateRawSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::DeflateRaw, buffer, options);
}
Buffer inflateRawSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::InflateRaw, buffer, options);
}
Buffer unzipSync(Buffer buffer, const Options& options) {
  return oneShotSync(Mode::Unzip, buffer, options);
}
Buffer brotliCompressSync(Buffer buffer, const BrotliOptions& options) {
  return oneShotSync(Mode::BrotliEncode, buffer, options);
}
Buffer brotliDecompressSync(Buffer buffer, const BrotliOptions& options) {
  return oneShotSync(Mode::BrotliDecode, buffer, options);
}

std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t value) noexcept {
  uLong crc = value;
  // zlib takes uInt lengths; feed large inputs in 1 GiB pieces.
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const std::size_t n = std::min(kPiece, data.size() - off);
    crc = ::crc32(crc, data.data() + off, static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}

std::uint32_t crc32(std::string_view data, std::uint32_t value) noexcept {
  return crc32(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), value);
}

}  // namespace nx::zlib
