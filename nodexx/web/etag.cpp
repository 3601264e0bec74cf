// SPDX-License-Identifier: MIT
#include "nodexx/web/etag.hpp"

#include <openssl/sha.h>

#include <cmath>
#include <cstring>

#include "nodexx/fs/fs.hpp"

namespace nx::web {

namespace detail {

// Builds an ETag in place; every producer below stays within kMaxSize by construction.
struct ETagAccess {
  static void put(ETag& tag, char c) noexcept { tag.data_[tag.size_++] = c; }
  static void put(ETag& tag, std::string_view s) noexcept {
    std::memcpy(tag.data_.data() + tag.size_, s.data(), s.size());
    tag.size_ += s.size();
  }
  static void hex(ETag& tag, std::uint64_t v) noexcept {
    char digits[16];
    std::size_t n = 0;
    do {
      digits[n++] = "0123456789abcdef"[v & 0xF];
      v >>= 4;
    } while (v != 0);
    while (n > 0) put(tag, digits[--n]);
  }
};

}  // namespace detail

namespace {

using detail::ETagAccess;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The first 27 characters of the padded base64 of a 20-byte digest (28 characters, the last
// being '='), which is what the etag package keeps.
void putDigest27(ETag& tag, const unsigned char (&d)[SHA_DIGEST_LENGTH]) noexcept {
  char out[28];
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= SHA_DIGEST_LENGTH; i += 3) {
    const std::uint32_t v = (std::uint32_t{d[i]} << 16) | (std::uint32_t{d[i + 1]} << 8) | d[i + 2];
    out[o++] = kBase64[(v >> 18) & 63];
    out[o++] = kBase64[(v >> 12) & 63];
    out[o++] = kBase64[(v >> 6) & 63];
    out[o++] = kBase64[v & 63];
  }
  // 20 = 6 * 3 + 2: two bytes remain, giving three characters and one '=' that is dropped.
  const std::uint32_t v = (std::uint32_t{d[i]} << 16) | (std::uint32_t{d[i + 1]} << 8);
  out[o++] = kBase64[(v >> 18) & 63];
  out[o++] = kBase64[(v >> 12) & 63];
  out[o++] = kBase64[(v >> 6) & 63];
  ETagAccess::put(tag, std::string_view(out, o));
}

}  // namespace

ETag etag(std::string_view body, ETagOptions options) noexcept {
  ETag tag;
  if (options.weak.value_or(false)) ETagAccess::put(tag, "W/");
  ETagAccess::put(tag, '"');
  ETagAccess::hex(tag, body.size());
  ETagAccess::put(tag, '-');
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  putDigest27(tag, digest);
  ETagAccess::put(tag, '"');
  return tag;
}

ETag statTag(std::uint64_t size, double mtimeMs, bool weak) noexcept {
  ETag tag;
  if (weak) ETagAccess::put(tag, "W/");
  ETagAccess::put(tag, '"');
  ETagAccess::hex(tag, size);
  ETagAccess::put(tag, '-');
  // fs.Stats builds mtime with `new Date(Math.round(mtimeMs))` (Node's dateFromMs), and
  // Number.prototype.toString(16) writes a negative value as "-hex".
  double t = std::floor(mtimeMs + 0.5);
  if (!std::isfinite(t)) t = 0;
  if (t < 0) {
    ETagAccess::put(tag, '-');
    t = -t;
  }
  // Dates are bounded by 8.64e15 ms, so the value fits 64 bits; clamp anything wilder.
  ETagAccess::hex(tag, t >= 1.8e19 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(t));
  ETagAccess::put(tag, '"');
  return tag;
}

ETag etag(const fs::Stats& stats, ETagOptions options) noexcept {
  return statTag(stats.size, stats.mtimeMs, options.weak.value_or(true));
}

}  // namespace nx::web
