// SPDX-License-Identifier: MIT
#include "nodexx/core/crypto.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <mutex>
#include <new>
#include <utility>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/threadpool.hpp"

namespace nx::crypto {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::int64_t kInt32Max = INT32_MAX;
constexpr std::int64_t kMaxSafeInteger = (std::int64_t{1} << 53) - 1;
constexpr std::int64_t kRandMax = (std::int64_t{1} << 48) - 1;  // randomInt's 6-byte draws

// Node prints integers above 2^32 with "_" separators in ERR_OUT_OF_RANGE messages.
std::string formatReceived(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -static_cast<std::uint64_t>(value)
                                                : static_cast<std::uint64_t>(value));
  if (value > (std::int64_t{1} << 32) || value < -(std::int64_t{1} << 32)) {
    std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    std::string grouped = digits.substr(0, lead);
    for (std::size_t i = lead; i < digits.size(); i += 3) grouped += "_" + digits.substr(i, 3);
    digits = std::move(grouped);
  }
  return value < 0 ? "-" + digits : digits;
}

[[noreturn]] void throwOutOfRange(std::string_view name, std::string_view range,
                                  std::int64_t received) {
  throw RangeError("ERR_OUT_OF_RANGE", "The value of \"" + std::string(name) +
                                           "\" is out of range. It must be " + std::string(range) +
                                           ". Received " + formatReceived(received));
}

// Node's validateInt32(value, name, min).
void validateInt32(std::int64_t value, std::string_view name, std::int64_t min) {
  if (value < min || value > kInt32Max)
    throwOutOfRange(name, ">= " + std::to_string(min) + " && <= " + std::to_string(kInt32Max),
                    value);
}

[[noreturn]] void throwInvalidDigest(std::string_view name) {
  throw SystemError("ERR_CRYPTO_INVALID_DIGEST", "Invalid digest: " + std::string(name));
}

[[noreturn]] void throwFinalized() {
  throw SystemError("ERR_CRYPTO_HASH_FINALIZED", "Digest already called");
}

// Node's names for OpenSSL libraries in "ERR_OSSL_<LIB>_<REASON>" codes.
std::string_view libraryPrefix(int lib) {
  switch (lib) {
    case ERR_LIB_SYS:
      return "SYS_";
    case ERR_LIB_BN:
      return "BN_";
    case ERR_LIB_RSA:
      return "RSA_";
    case ERR_LIB_DH:
      return "DH_";
    case ERR_LIB_EVP:
      return "EVP_";
    case ERR_LIB_BUF:
      return "BUF_";
    case ERR_LIB_OBJ:
      return "OBJ_";
    case ERR_LIB_PEM:
      return "PEM_";
    case ERR_LIB_X509:
      return "X509_";
    case ERR_LIB_ASN1:
      return "ASN1_";
    case ERR_LIB_CRYPTO:
      return "CRYPTO_";
    case ERR_LIB_EC:
      return "EC_";
    case ERR_LIB_BIO:
      return "BIO_";
    case ERR_LIB_RAND:
      return "RAND_";
    case ERR_LIB_KDF:
      return "KDF_";
    default:
      return "";
  }
}

// Throws the oldest queued OpenSSL error the way Node reports it, and clears the queue.
[[noreturn]] void throwOpenSSL(std::string_view fallback) {
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) throw SystemError("ERR_CRYPTO_OPERATION_FAILED", std::string(fallback));
  char text[256];
  ERR_error_string_n(err, text, sizeof text);
  std::string code = "ERR_OSSL_";
  code += libraryPrefix(ERR_GET_LIB(err));
  if (const char* reason = ERR_reason_error_string(err)) {
    for (const char* c = reason; *c; ++c) {
      if (*c == ' ') {
        code += '_';
      } else if (*c >= 'a' && *c <= 'z') {
        code += static_cast<char>(*c - 'a' + 'A');
      } else {
        code += *c;
      }
    }
  }
  throw SystemError(code, text);
}

// Every digest fetched so far, for the whole process. Never freed: releasing EVP_MDs at exit
// would race OpenSSL's own atexit cleanup (and pool threads that outlive it).
const EVP_MD* fetchDigest(const std::string& name) {
  struct Registry {
    std::mutex mutex;
    std::vector<std::pair<std::string, EVP_MD*>> entries;
  };
  static Registry* const registry = new Registry();
  std::lock_guard lock(registry->mutex);
  for (const auto& [known, md] : registry->entries)
    if (known == name) return md;
  // Legacy aliases ("RSA-SHA256") resolve through the object table, other names
  // ("sha512-256", "SHA3-256") through the providers.
  EVP_MD* md = nullptr;
  if (const EVP_MD* legacy = EVP_get_digestbyname(name.c_str()))
    md = EVP_MD_fetch(nullptr, EVP_MD_get0_name(legacy), nullptr);
  if (md == nullptr) md = EVP_MD_fetch(nullptr, name.c_str(), nullptr);
  ERR_clear_error();
  if (md != nullptr) registry->entries.emplace_back(name, md);
  return md;
}

// The digest named `name`, or nullptr. A per-thread front cache keeps the lock (and
// EVP_MD_fetch's own locks) off loop threads after the first use of a name.
const EVP_MD* findDigest(std::string_view name) {
  thread_local std::vector<std::pair<std::string, const EVP_MD*>> cache;
  for (const auto& [known, md] : cache)
    if (known == name) return md;
  std::string key(name);
  const EVP_MD* md = fetchDigest(key);
  if (md != nullptr) cache.emplace_back(std::move(key), md);
  return md;
}

bool isXof(const EVP_MD* md) { return (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0; }

// The output length for `md` under `options`, as Node's Hash::HashInit checks it.
std::size_t outputLengthFor(const EVP_MD* md, const HashOptions& options) {
  auto size = static_cast<std::size_t>(EVP_MD_get_size(md));
  if (!options.outputLength || *options.outputLength == size) return size;
  if (!isXof(md)) {
    ERR_raise(ERR_LIB_EVP, EVP_R_NOT_XOF_OR_INVALID_LENGTH);
    throwOpenSSL("not XOF or invalid length");
  }
  return *options.outputLength;
}

// OpenSSL treats a null pointer as "not given" in places; empty inputs point here instead.
const std::uint8_t kEmpty[1] = {0};
const std::uint8_t* dataOf(Bytes b) { return b.empty() ? kEmpty : b.data(); }

EVP_MAC* hmacAlgorithm() {
  // Fetched once for the process; EVP_MAC is reference-counted and thread-safe to share.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// Bumped in a forked child, so that the child never reuses its parent's cached random bytes.
std::atomic<unsigned> forkGeneration{0};

// Per-thread pool of random bytes for randomUUID/randomInt (Node keeps the same caches).
template <std::size_t N>
struct RandomCache {
  std::array<std::uint8_t, N> bytes{};
  std::size_t used = N;
  unsigned generation = 0;
  const std::uint8_t* take(std::size_t n) {
    static std::once_flag registered;
    std::call_once(registered,
                   [] { pthread_atfork(nullptr, nullptr, [] { forkGeneration.fetch_add(1); }); });
    unsigned current = forkGeneration.load(std::memory_order_relaxed);
    if (used + n > N || generation != current) {
      randomFillSync(bytes);
      used = 0;
      generation = current;
    }
    const std::uint8_t* p = bytes.data() + used;
    used += n;
    return p;
  }
};

}  // namespace

// --- random ---------------------------------------------------------------------------------

std::span<std::uint8_t> randomFillSync(std::span<std::uint8_t> buffer) {
  for (std::size_t done = 0; done < buffer.size();) {
    int chunk = static_cast<int>(std::min<std::size_t>(buffer.size() - done, INT_MAX));
    if (RAND_bytes(buffer.data() + done, chunk) != 1) throwOpenSSL("RAND_bytes failed");
    done += static_cast<std::size_t>(chunk);
  }
  return buffer;
}

Buffer randomBytes(std::size_t size) {
  if (size > static_cast<std::size_t>(kInt32Max))
    throwOutOfRange("size", ">= 0 && <= 2147483647",
                    static_cast<std::int64_t>(std::min<std::size_t>(size, INT64_MAX)));
  Buffer b = Buffer::allocUnsafe(size);
  randomFillSync(b);
  return b;
}

std::string randomUUID() {
  thread_local RandomCache<16 * 128> cache;
  std::uint8_t b[16];
  std::copy_n(cache.take(16), 16, b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10xx
  constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

std::int64_t randomInt(std::int64_t max) { return randomInt(0, max); }

std::int64_t randomInt(std::int64_t min, std::int64_t max) {
  for (auto [name, value] : {std::pair{"min", min}, std::pair{"max", max}}) {
    if (value > kMaxSafeInteger || value < -kMaxSafeInteger)
      throw SystemError("ERR_INVALID_ARG_TYPE", "The \"" + std::string(name) +
                                                    "\" argument must be a safe integer. "
                                                    "Received type number (" +
                                                    std::to_string(value) + ")");
  }
  if (max <= min)
    throwOutOfRange("max", "greater than the value of \"min\" (" + std::to_string(min) + ")", max);
  std::int64_t range = max - min;  // safe integers, so no overflow
  if (range > kRandMax) throwOutOfRange("max - min", "<= " + std::to_string(kRandMax), range);
  // x % range is unbiased when x is drawn uniformly below a multiple of range.
  std::int64_t limit = kRandMax - (kRandMax % range);
  thread_local RandomCache<6 * 1024> cache;
  for (;;) {
    const std::uint8_t* p = cache.take(6);
    std::int64_t x = 0;
    for (int i = 0; i < 6; ++i) x = (x << 8) | p[i];
    if (x < limit) return x % range + min;
  }
}

// --- Hash -----------------------------------------------------------------------------------

Hash::Hash(Hash&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      outputLength_(other.outputLength_),
      finalized_(other.finalized_) {}

Hash& Hash::operator=(Hash&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    outputLength_ = other.outputLength_;
    finalized_ = other.finalized_;
  }
  return *this;
}

Hash::~Hash() { EVP_MD_CTX_free(ctx_); }

Hash createHash(std::string_view algorithm, HashOptions options) {
  const EVP_MD* md = findDigest(algorithm);
  if (md == nullptr) throwInvalidDigest(algorithm);
  std::size_t outputLength = outputLengthFor(md, options);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::bad_alloc();
  Hash h(ctx, outputLength);
  if (EVP_DigestInit_ex(ctx, md, nullptr) != 1) throwOpenSSL("Digest method not supported");
  return h;
}

Hash& Hash::update(BinaryLike data) {
  if (finalized_ || ctx_ == nullptr) throwFinalized();
  Bytes b = data.bytes();
  if (!b.empty() && EVP_DigestUpdate(ctx_, b.data(), b.size()) != 1) throwOpenSSL("Hash failed");
  return *this;
}

Hash& Hash::update(std::string_view data, Encoding inputEncoding) {
  return update(Buffer::from(data, inputEncoding));
}

Buffer Hash::digest() {
  if (finalized_ || ctx_ == nullptr) throwFinalized();
  finalized_ = true;
  Buffer out = Buffer::allocUnsafe(outputLength_);
  if (isXof(EVP_MD_CTX_get0_md(ctx_))) {
    if (outputLength_ > 0 && EVP_DigestFinalXOF(ctx_, out.data(), outputLength_) != 1)
      throwOpenSSL("Digest failed");
  } else {
    unsigned int written = 0;
    if (EVP_DigestFinal_ex(ctx_, out.data(), &written) != 1) throwOpenSSL("Digest failed");
  }
  return out;
}

std::string Hash::digest(Encoding outputEncoding) { return digest().toString(outputEncoding); }

Hash Hash::copy(HashOptions options) const {
  if (finalized_ || ctx_ == nullptr) throwFinalized();
  const EVP_MD* md = EVP_MD_CTX_get0_md(ctx_);
  std::size_t outputLength = outputLengthFor(md, options);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::bad_alloc();
  Hash h(ctx, outputLength);
  if (EVP_MD_CTX_copy_ex(ctx, ctx_) != 1) throwOpenSSL("Hash copy failed");
  return h;
}

Buffer hash(std::string_view algorithm, BinaryLike data) {
  return createHash(algorithm).update(data).digest();
}

std::string hash(std::string_view algorithm, BinaryLike data, Encoding outputEncoding) {
  return hash(algorithm, data).toString(outputEncoding);
}

// --- Hmac -----------------------------------------------------------------------------------

Hmac::Hmac(Hmac&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), finalized_(other.finalized_) {}

Hmac& Hmac::operator=(Hmac&& other) noexcept {
  if (this != &other) {
    EVP_MAC_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    finalized_ = other.finalized_;
  }
  return *this;
}

Hmac::~Hmac() { EVP_MAC_CTX_free(ctx_); }

Hmac createHmac(std::string_view algorithm, BinaryLike key) {
  const EVP_MD* md = findDigest(algorithm);
  if (md == nullptr) throwInvalidDigest(algorithm);
  EVP_MAC* mac = hmacAlgorithm();
  if (mac == nullptr) throwOpenSSL("HMAC is not available");
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  if (ctx == nullptr) throw std::bad_alloc();
  Hmac h(ctx);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(EVP_MD_get0_name(md)), 0),
      OSSL_PARAM_construct_end(),
  };
  Bytes k = key.bytes();
  if (EVP_MAC_init(ctx, dataOf(k), k.size(), params) != 1) throwOpenSSL("HMAC init failed");
  return h;
}

Hmac& Hmac::update(BinaryLike data) {
  if (finalized_ || ctx_ == nullptr) throwFinalized();
  Bytes b = data.bytes();
  if (!b.empty() && EVP_MAC_update(ctx_, b.data(), b.size()) != 1) throwOpenSSL("HMAC failed");
  return *this;
}

Hmac& Hmac::update(std::string_view data, Encoding inputEncoding) {
  return update(Buffer::from(data, inputEncoding));
}

Buffer Hmac::digest() {
  if (finalized_ || ctx_ == nullptr) return Buffer();
  finalized_ = true;
  Buffer out = Buffer::allocUnsafe(EVP_MAC_CTX_get_mac_size(ctx_));
  std::size_t written = 0;
  if (EVP_MAC_final(ctx_, out.data(), &written, out.size()) != 1) throwOpenSSL("HMAC failed");
  return out.subarray(0, static_cast<std::ptrdiff_t>(written));
}

std::string Hmac::digest(Encoding outputEncoding) { return digest().toString(outputEncoding); }

Buffer hmac(std::string_view algorithm, BinaryLike key, BinaryLike data) {
  return createHmac(algorithm, key).update(data).digest();
}

// --- comparison -----------------------------------------------------------------------------

bool timingSafeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size())
    throw RangeError("ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
                     "Input buffers must have the same byte length");
  return CRYPTO_memcmp(dataOf(a), dataOf(b), a.size()) == 0;
}

// --- key derivation -------------------------------------------------------------------------

namespace {

// Wipes the pool's copy of a password once the derivation ends, also when it throws.
struct Wipe {
  const Buffer& password;
  ~Wipe() {
    if (!password.empty()) OPENSSL_cleanse(password.data(), password.size());
  }
};

void checkInputSize(Bytes b, const char* what) {
  if (b.size() > static_cast<std::size_t>(INT_MAX))
    throw RangeError("ERR_OUT_OF_RANGE", std::string(what) + " is too big");
}

}  // namespace

Buffer pbkdf2Sync(BinaryLike password, BinaryLike salt, std::int64_t iterations,
                  std::int64_t keylen, std::string_view digest) {
  validateInt32(iterations, "iterations", 1);
  validateInt32(keylen, "keylen", 0);
  const EVP_MD* md = findDigest(digest);
  if (md == nullptr) throwInvalidDigest(digest);
  Bytes pass = password.bytes();
  Bytes s = salt.bytes();
  checkInputSize(pass, "pass");
  checkInputSize(s, "salt");
  Buffer out = Buffer::allocUnsafe(static_cast<std::size_t>(keylen));
  if (keylen == 0) return out;
  if (PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(dataOf(pass)), static_cast<int>(pass.size()),
                        dataOf(s), static_cast<int>(s.size()), static_cast<int>(iterations), md,
                        static_cast<int>(keylen), out.data()) != 1) {
    throwOpenSSL("PBKDF2 failed");
  }
  return out;
}

Buffer scryptSync(BinaryLike password, BinaryLike salt, std::int64_t keylen,
                  ScryptOptions options) {
  validateInt32(keylen, "keylen", 0);
  const ScryptOptions defaults;
  if (options.N == 0) options.N = defaults.N;
  if (options.r == 0) options.r = defaults.r;
  if (options.p == 0) options.p = defaults.p;
  if (options.maxmem == 0) options.maxmem = defaults.maxmem;
  Bytes pass = password.bytes();
  Bytes s = salt.bytes();
  checkInputSize(pass, "pass");
  checkInputSize(s, "salt");

  // A null key asks OpenSSL to check the parameters only, as Node does before deriving.
  ERR_clear_error();
  if (EVP_PBE_scrypt(nullptr, 0, nullptr, 0, options.N, options.r, options.p, options.maxmem,
                     nullptr, 0) != 1) {
    std::string message = "Invalid scrypt params";
    if (unsigned long err = ERR_peek_last_error(); err != 0) {
      char text[256];
      ERR_error_string_n(err, text, sizeof text);
      message += ": ";
      message += text;
    }
    ERR_clear_error();
    throw RangeError("ERR_CRYPTO_INVALID_SCRYPT_PARAMS", message);
  }
  Buffer out = Buffer::allocUnsafe(static_cast<std::size_t>(keylen));
  if (keylen == 0) return out;
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(dataOf(pass)), pass.size(), dataOf(s), s.size(),
                     options.N, options.r, options.p, options.maxmem, out.data(),
                     out.size()) != 1) {
    throwOpenSSL("scrypt failed");
  }
  return out;
}

Promise<Buffer> pbkdf2(BinaryLike password, BinaryLike salt, std::int64_t iterations,
                       std::int64_t keylen, std::string_view digest) {
  return threadpool::run([password = Buffer::from(password.bytes()),
                          salt = Buffer::from(salt.bytes()), iterations, keylen,
                          digest = std::string(digest)] {
    Wipe wipe{password};
    return pbkdf2Sync(password, salt, iterations, keylen, digest);
  });
}

Promise<Buffer> scrypt(BinaryLike password, BinaryLike salt, std::int64_t keylen,
                       ScryptOptions options) {
  return threadpool::run([password = Buffer::from(password.bytes()),
                          salt = Buffer::from(salt.bytes()), keylen, options] {
    Wipe wipe{password};
    return scryptSync(password, salt, keylen, options);
  });
}

}  // namespace nx::crypto
