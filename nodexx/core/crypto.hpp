// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"

// OpenSSL's context types, declared so that this header does not include OpenSSL.
struct evp_md_ctx_st;
struct evp_mac_ctx_st;

/// Node's crypto module on OpenSSL 3 (EVP): random values, hashes, HMAC, constant-time
/// comparison and password-based key derivation. Errors are nx::SystemError / nx::RangeError
/// with Node's codes; an OpenSSL failure maps to "ERR_OSSL_<LIB>_<REASON>" as in Node.
namespace nx::crypto {

/// Bytes handed to a crypto function: a string (its UTF-8 bytes), a Buffer or a byte span
/// (Node's BinaryLike). A non-owning view: use it only as a parameter type.
class BinaryLike {
 public:
  /// The bytes of `s`.
  BinaryLike(std::string_view s) noexcept  // NOLINT(google-explicit-constructor)
      : bytes_(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) {}
  /// The bytes of the C string `s`.
  BinaryLike(const char* s) noexcept  // NOLINT(google-explicit-constructor)
      : BinaryLike(std::string_view(s)) {}
  /// The bytes of `s`.
  BinaryLike(const std::string& s) noexcept  // NOLINT(google-explicit-constructor)
      : BinaryLike(std::string_view(s)) {}
  /// The bytes of `b`.
  BinaryLike(std::span<const std::uint8_t> b) noexcept  // NOLINT(google-explicit-constructor)
      : bytes_(b) {}
  /// The bytes of `v`.
  BinaryLike(const std::vector<std::uint8_t>& v) noexcept  // NOLINT(google-explicit-constructor)
      : bytes_(v) {}
  /// The bytes of `b`.
  BinaryLike(const Buffer& b) noexcept  // NOLINT(google-explicit-constructor)
      : bytes_(b.data(), b.size()) {}
  /// The viewed bytes.
  std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

 private:
  std::span<const std::uint8_t> bytes_;
};

// --- random ---------------------------------------------------------------------------------

/// `size` cryptographically strong random bytes (RAND_bytes). Throws RangeError
/// ERR_OUT_OF_RANGE if size > 2^31 - 1, SystemError ERR_OSSL_* if OpenSSL fails.
Buffer randomBytes(std::size_t size);

/// Fills `buffer` with random bytes; returns it. Errors as randomBytes().
std::span<std::uint8_t> randomFillSync(std::span<std::uint8_t> buffer);

/// A random RFC 4122 version 4 UUID, lowercase: "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
/// Draws from a small per-thread cache of random bytes, as Node does.
std::string randomUUID();

/// A uniformly distributed integer in [min, max) (no modulo bias). Node's rules: both are
/// safe integers (|x| <= 2^53 - 1; else SystemError ERR_INVALID_ARG_TYPE), max > min and
/// max - min <= 2^48 - 1 (else RangeError ERR_OUT_OF_RANGE).
std::int64_t randomInt(std::int64_t min, std::int64_t max);

/// randomInt(0, max).
std::int64_t randomInt(std::int64_t max);

// --- hashes ---------------------------------------------------------------------------------

/// Options of createHash().
struct HashOptions {
  /// Output size in bytes for XOF digests ("shake128", "shake256"); for other digests it must
  /// equal the digest size (else SystemError ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH).
  std::optional<std::size_t> outputLength;
};

/// An incremental hash (Node's Hash), move-only. Loop-agnostic: use it on any one thread.
class Hash {
 public:
  /// Takes over `other`'s state; `other` then throws ERR_CRYPTO_HASH_FINALIZED on update().
  Hash(Hash&& other) noexcept;
  /// Frees the current state and takes over `other`'s.
  Hash& operator=(Hash&& other) noexcept;
  Hash(const Hash&) = delete;
  Hash& operator=(const Hash&) = delete;
  /// Frees the OpenSSL context.
  ~Hash();

  /// Feeds `data`; returns *this for chaining. Throws SystemError ERR_CRYPTO_HASH_FINALIZED
  /// after digest().
  Hash& update(BinaryLike data);
  /// Feeds the bytes of `data` decoded with `inputEncoding` (e.g. Encoding::Hex).
  Hash& update(std::string_view data, Encoding inputEncoding);
  /// The digest; the Hash is finalized. A second call throws ERR_CRYPTO_HASH_FINALIZED.
  Buffer digest();
  /// The digest encoded with `outputEncoding` (Hex, Base64, ...). Errors as digest().
  std::string digest(Encoding outputEncoding);
  /// An independent Hash holding the current state (Node's hash.copy()); `options` may set a
  /// new XOF output length. Throws ERR_CRYPTO_HASH_FINALIZED after digest().
  Hash copy(HashOptions options = {}) const;

 private:
  friend Hash createHash(std::string_view algorithm, HashOptions options);
  Hash(evp_md_ctx_st* ctx, std::size_t outputLength) noexcept
      : ctx_(ctx), outputLength_(outputLength) {}

  evp_md_ctx_st* ctx_ = nullptr;
  std::size_t outputLength_ = 0;
  bool finalized_ = false;
};

/// A Hash for `algorithm`: any digest name OpenSSL knows ("sha256", "SHA256", "sha512",
/// "sha384", "sha1", "md5", "sha3-256", "shake256", "RSA-SHA256", ...). Throws SystemError
/// ERR_CRYPTO_INVALID_DIGEST "Invalid digest: <name>" for an unknown name.
Hash createHash(std::string_view algorithm, HashOptions options = {});

/// One-shot digest of `data` (Node's crypto.hash). Errors as createHash().
Buffer hash(std::string_view algorithm, BinaryLike data);
/// One-shot digest of `data`, encoded with `outputEncoding`.
std::string hash(std::string_view algorithm, BinaryLike data, Encoding outputEncoding);

// --- HMAC -----------------------------------------------------------------------------------

/// An incremental HMAC (Node's Hmac), move-only.
class Hmac {
 public:
  /// Takes over `other`'s state; `other` then throws ERR_CRYPTO_HASH_FINALIZED on update().
  Hmac(Hmac&& other) noexcept;
  /// Frees the current state and takes over `other`'s.
  Hmac& operator=(Hmac&& other) noexcept;
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;
  /// Frees the OpenSSL context.
  ~Hmac();

  /// Feeds `data`; returns *this. Throws SystemError ERR_CRYPTO_HASH_FINALIZED after digest().
  Hmac& update(BinaryLike data);
  /// Feeds the bytes of `data` decoded with `inputEncoding`.
  Hmac& update(std::string_view data, Encoding inputEncoding);
  /// The MAC. As in Node, a second call returns an empty Buffer instead of throwing.
  Buffer digest();
  /// The MAC encoded with `outputEncoding`; "" on a second call.
  std::string digest(Encoding outputEncoding);

 private:
  friend Hmac createHmac(std::string_view algorithm, BinaryLike key);
  explicit Hmac(evp_mac_ctx_st* ctx) noexcept : ctx_(ctx) {}

  evp_mac_ctx_st* ctx_ = nullptr;
  bool finalized_ = false;
};

/// An HMAC with digest `algorithm` (names as createHash) and `key` (any length; copied).
/// Throws SystemError ERR_CRYPTO_INVALID_DIGEST "Invalid digest: <name>" for an unknown name.
Hmac createHmac(std::string_view algorithm, BinaryLike key);

/// One-shot HMAC of `data` under `key`.
Buffer hmac(std::string_view algorithm, BinaryLike key, BinaryLike data);

// --- comparison -----------------------------------------------------------------------------

/// True if `a` and `b` hold the same bytes, in time that depends only on their length
/// (CRYPTO_memcmp). Throws RangeError ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH "Input buffers must
/// have the same byte length" if the lengths differ.
bool timingSafeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
/// timingSafeEqual() of two Buffers.
inline bool timingSafeEqual(const Buffer& a, const Buffer& b) {
  return timingSafeEqual(std::span<const std::uint8_t>(a), std::span<const std::uint8_t>(b));
}

// --- key derivation -------------------------------------------------------------------------

/// PBKDF2-HMAC (PKCS #5 v2.0) of `password` and `salt`: `keylen` bytes after `iterations`
/// rounds of `digest`. Blocks the calling thread (use pbkdf2() on a loop). Throws RangeError
/// ERR_OUT_OF_RANGE unless 1 <= iterations <= 2^31 - 1 and 0 <= keylen <= 2^31 - 1, then
/// SystemError ERR_CRYPTO_INVALID_DIGEST for an unknown digest.
Buffer pbkdf2Sync(BinaryLike password, BinaryLike salt, std::int64_t iterations,
                  std::int64_t keylen, std::string_view digest);

/// scrypt cost parameters (RFC 7914), Node's defaults. A zero means the default.
struct ScryptOptions {
  std::uint32_t N = 16384;             ///< CPU/memory cost, a power of two > 1 (Node's cost)
  std::uint32_t r = 8;                 ///< block size (Node's blockSize)
  std::uint32_t p = 1;                 ///< parallelization
  std::uint64_t maxmem = 32ull << 20;  ///< upper bound on memory: 128 * N * r must fit
};

/// scrypt (RFC 7914) of `password` and `salt`: `keylen` bytes. Blocks the calling thread (use
/// scrypt() on a loop). Throws RangeError ERR_OUT_OF_RANGE unless 0 <= keylen <= 2^31 - 1,
/// RangeError ERR_CRYPTO_INVALID_SCRYPT_PARAMS ("Invalid scrypt params[: <OpenSSL error>]")
/// for a bad N/r/p or when maxmem is too small.
Buffer scryptSync(BinaryLike password, BinaryLike salt, std::int64_t keylen,
                  ScryptOptions options = {});

/// pbkdf2Sync() on libuv's thread pool. The arguments are copied before this returns; the
/// promise settles on the calling loop's thread and rejects with pbkdf2Sync()'s errors.
[[nodiscard]] Promise<Buffer> pbkdf2(BinaryLike password, BinaryLike salt, std::int64_t iterations,
                                     std::int64_t keylen, std::string_view digest);

/// scryptSync() on libuv's thread pool; arguments copied, errors as rejections.
[[nodiscard]] Promise<Buffer> scrypt(BinaryLike password, BinaryLike salt, std::int64_t keylen,
                                     ScryptOptions options = {});

}  // namespace nx::crypto
