// SPDX-License-Identifier: MIT
#include "nodexx/core/crypto.hpp"

#include <functional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"

namespace nx {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Runs fn and returns "CODE message" of the nx::SystemError it throws ("no error" otherwise).
std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const SystemError& e) {
    return std::string(e.code()) + " " + e.what();
  }
  return "no error";
}

std::string hexOf(const Buffer& b) { return b.toString(Encoding::Hex); }

// --- random ---------------------------------------------------------------------------------

TEST(CryptoRandom, RandomBytesHasRequestedSizeAndVaries) {
  EXPECT_EQ(crypto::randomBytes(0).size(), 0u);
  Buffer a = crypto::randomBytes(32);
  Buffer b = crypto::randomBytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(crypto::randomBytes(100000).size(), 100000u);
}

TEST(CryptoRandom, RandomBytesRejectsSizeAboveInt32) {
  EXPECT_EQ(errorOf([] { (void)crypto::randomBytes(std::size_t{1} << 31); }),
            "ERR_OUT_OF_RANGE The value of \"size\" is out of range. It must be >= 0 && <= "
            "2147483647. Received 2147483648");
}

TEST(CryptoRandom, RandomFillSyncFillsTheWholeSpan) {
  Buffer b = Buffer::alloc(64);
  auto filled = crypto::randomFillSync(b);
  EXPECT_EQ(filled.data(), b.data());
  EXPECT_NE(b, Buffer::alloc(64));
}

TEST(CryptoRandom, RandomUuidIsVersion4Lowercase) {
  std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {  // crosses the per-thread cache refill
    std::string id = crypto::randomUUID();
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 300u);
}

TEST(CryptoRandom, ForkedChildDoesNotReuseCachedRandomness) {
  (void)crypto::randomUUID();  // fills this thread's cache
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string id = crypto::randomUUID();
    ssize_t written = write(fds[1], id.data(), id.size());
    _exit(written == static_cast<ssize_t>(id.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string fromChild(36, '\0');
  ASSERT_EQ(read(fds[0], fromChild.data(), fromChild.size()), 36);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_NE(crypto::randomUUID(), fromChild);
}

TEST(CryptoRandom, RandomIntStaysWithinBoundsAndCoversRange) {
  std::set<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    std::int64_t v = crypto::randomInt(-3, 4);
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 4);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  for (int i = 0; i < 100; ++i) {
    std::int64_t v = crypto::randomInt(10);
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 10);
  }
  EXPECT_EQ(crypto::randomInt(5, 6), 5);
  std::int64_t big = crypto::randomInt((std::int64_t{1} << 53) - 2, (std::int64_t{1} << 53) - 1);
  EXPECT_EQ(big, (std::int64_t{1} << 53) - 2);
}

TEST(CryptoRandom, RandomIntFollowsNodeRangeRules) {
  EXPECT_EQ(errorOf([] { (void)crypto::randomInt(5, 5); }),
            "ERR_OUT_OF_RANGE The value of \"max\" is out of range. It must be greater than the "
            "value of \"min\" (5). Received 5");
  EXPECT_EQ(errorOf([] { (void)crypto::randomInt(0, (std::int64_t{1} << 48) + 1); }),
            "ERR_OUT_OF_RANGE The value of \"max - min\" is out of range. It must be <= "
            "281474976710655. Received 281_474_976_710_657");
  EXPECT_EQ(
      errorOf([] { (void)crypto::randomInt(std::int64_t{1} << 53, (std::int64_t{1} << 53) + 2); }),
      "ERR_INVALID_ARG_TYPE The \"min\" argument must be a safe integer. Received type "
      "number (9007199254740992)");
  EXPECT_THAT(errorOf([] { (void)crypto::randomInt(0, std::int64_t{1} << 60); }),
              HasSubstr("\"max\" argument must be a safe integer"));
  EXPECT_THROW((void)crypto::randomInt(0), RangeError);
  EXPECT_NO_THROW((void)crypto::randomInt(0, (std::int64_t{1} << 48) - 1));
}

// --- hashes ---------------------------------------------------------------------------------

TEST(CryptoHash, MatchesNistVectors) {
  EXPECT_EQ(crypto::createHash("sha256").update("abc").digest(Encoding::Hex),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::createHash("sha256").digest(Encoding::Hex),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::createHash("sha256")
                .update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                .digest(Encoding::Hex),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(crypto::createHash("sha1").update("abc").digest(Encoding::Hex),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(crypto::createHash("sha384").update("abc").digest(Encoding::Hex),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358ba"
            "eca134c825a7");
  EXPECT_EQ(crypto::createHash("sha512").update("abc").digest(Encoding::Hex),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba"
            "3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(crypto::createHash("md5").update("abc").digest(Encoding::Hex),
            "900150983cd24fb0d6963f7d28e17f72");
}

TEST(CryptoHash, IncrementalUpdatesEqualOneShot) {
  auto h = crypto::createHash("sha256");
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  EXPECT_EQ(hexOf(h.digest()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(crypto::hash("sha256", "abc"),
            crypto::createHash("sha256").update("a").update("bc").digest());
  EXPECT_EQ(crypto::hash("sha1", "abc", Encoding::Hex), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(CryptoHash, AcceptsBuffersSpansAndEncodedStrings) {
  std::string expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(crypto::createHash("sha256").update(Buffer::from("abc")).digest(Encoding::Hex),
            expected);
  std::vector<std::uint8_t> bytes{'a', 'b', 'c'};
  EXPECT_EQ(crypto::createHash("sha256").update(bytes).digest(Encoding::Hex), expected);
  EXPECT_EQ(crypto::createHash("sha256")
                .update(std::span<const std::uint8_t>(bytes))
                .digest(Encoding::Hex),
            expected);
  EXPECT_EQ(crypto::createHash("sha256").update(std::string("abc")).digest(Encoding::Hex),
            expected);
  EXPECT_EQ(crypto::createHash("sha256").update("616263", Encoding::Hex).digest(Encoding::Hex),
            expected);
  EXPECT_EQ(crypto::createHash("sha256").update("abc").digest(Encoding::Base64),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

TEST(CryptoHash, NamesResolveLikeNode) {
  std::string expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(crypto::hash("SHA256", "abc", Encoding::Hex), expected);
  EXPECT_EQ(crypto::hash("RSA-SHA256", "abc", Encoding::Hex), expected);
  EXPECT_EQ(crypto::hash("sha3-256", "abc", Encoding::Hex),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  EXPECT_EQ(crypto::hash("sha512-256", "abc", Encoding::Hex),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
}

TEST(CryptoHash, UnknownDigestThrowsInvalidDigest) {
  EXPECT_EQ(errorOf([] { (void)crypto::createHash("nope"); }),
            "ERR_CRYPTO_INVALID_DIGEST Invalid digest: nope");
  EXPECT_THROW((void)crypto::hash("", "x"), SystemError);
}

TEST(CryptoHash, SecondDigestOrLateUpdateThrowsFinalized) {
  auto h = crypto::createHash("sha256");
  (void)h.digest();
  EXPECT_EQ(errorOf([&] { (void)h.digest(); }), "ERR_CRYPTO_HASH_FINALIZED Digest already called");
  EXPECT_EQ(errorOf([&] { h.update("x"); }), "ERR_CRYPTO_HASH_FINALIZED Digest already called");
  EXPECT_EQ(errorOf([&] { (void)h.copy(); }), "ERR_CRYPTO_HASH_FINALIZED Digest already called");
}

TEST(CryptoHash, CopyForksTheState) {
  auto h = crypto::createHash("sha256");
  h.update("ab");
  auto fork = h.copy();
  h.update("c");
  fork.update("x");
  EXPECT_EQ(h.digest(), crypto::hash("sha256", "abc"));
  EXPECT_EQ(fork.digest(), crypto::hash("sha256", "abx"));
}

TEST(CryptoHash, MovedFromHashIsFinalized) {
  auto h = crypto::createHash("sha1");
  auto other = std::move(h);
  other.update("abc");
  EXPECT_THROW(h.update("x"), SystemError);  // NOLINT(bugprone-use-after-move)
  h = std::move(other);
  EXPECT_EQ(hexOf(h.digest()), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(CryptoHash, XofOutputLength) {
  EXPECT_EQ(crypto::createHash("shake256").digest(Encoding::Hex),
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
  EXPECT_EQ(crypto::createHash("shake256", {.outputLength = 5}).digest(Encoding::Hex),
            "46b9dd2b0b");
  EXPECT_EQ(crypto::createHash("shake256", {.outputLength = 0}).digest().size(), 0u);
  EXPECT_EQ(crypto::createHash("sha256", {.outputLength = 32}).digest().size(), 32u);
  EXPECT_EQ(errorOf([] { (void)crypto::createHash("sha256", {.outputLength = 5}); }),
            "ERR_OSSL_EVP_NOT_XOF_OR_INVALID_LENGTH error:030000B2:digital envelope "
            "routines::not XOF or invalid length");
}

TEST(CryptoHash, WorksConcurrentlyOnManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < 200; ++i) results[t] = crypto::hash("sha256", "abc", Encoding::Hex);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results)
    EXPECT_EQ(r, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// --- HMAC -----------------------------------------------------------------------------------

TEST(CryptoHmac, MatchesRfc4231Vectors) {
  Buffer key1 = Buffer::alloc(20, 0x0b);
  EXPECT_EQ(crypto::createHmac("sha256", key1).update("Hi There").digest(Encoding::Hex),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hexOf(crypto::hmac("sha512", key1, "Hi There")),
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b"
            "274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  EXPECT_EQ(crypto::createHmac("sha256", "Jefe")
                .update("what do ya want ")
                .update("for nothing?")
                .digest(Encoding::Hex),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hexOf(crypto::hmac("sha384", "Jefe", "what do ya want for nothing?")),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b32"
            "39ecfab21649");
  EXPECT_EQ(hexOf(crypto::hmac("sha256", Buffer::alloc(131, 0xaa),
                               "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(CryptoHmac, EmptyKeyAndDataWork) {
  EXPECT_EQ(hexOf(crypto::hmac("sha256", "", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(CryptoHmac, SecondDigestIsEmptyAndLateUpdateThrows) {
  auto h = crypto::createHmac("sha256", "k");
  EXPECT_EQ(h.digest().size(), 32u);
  EXPECT_TRUE(h.digest().empty());
  EXPECT_EQ(h.digest(Encoding::Hex), "");
  EXPECT_EQ(errorOf([&] { h.update("x"); }), "ERR_CRYPTO_HASH_FINALIZED Digest already called");
}

TEST(CryptoHmac, UnknownDigestThrowsInvalidDigest) {
  EXPECT_EQ(errorOf([] { (void)crypto::createHmac("nope", "k"); }),
            "ERR_CRYPTO_INVALID_DIGEST Invalid digest: nope");
}

TEST(CryptoHmac, EncodedInputAndMove) {
  auto h = crypto::createHmac("sha256", "Jefe");
  h.update("7768617420646f2079612077616e7420666f72206e6f7468696e673f", Encoding::Hex);
  crypto::Hmac moved = std::move(h);
  EXPECT_EQ(moved.digest(Encoding::Hex),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// --- timingSafeEqual ------------------------------------------------------------------------

TEST(CryptoTimingSafeEqual, ComparesBytes) {
  EXPECT_TRUE(crypto::timingSafeEqual(Buffer::from("abc"), Buffer::from("abc")));
  EXPECT_FALSE(crypto::timingSafeEqual(Buffer::from("abc"), Buffer::from("abd")));
  EXPECT_TRUE(crypto::timingSafeEqual(Buffer(), Buffer()));
  std::vector<std::uint8_t> a{1, 2}, b{1, 2};
  EXPECT_TRUE(crypto::timingSafeEqual(a, b));
}

TEST(CryptoTimingSafeEqual, DifferentLengthsThrow) {
  EXPECT_EQ(errorOf([] { (void)crypto::timingSafeEqual(Buffer::from("a"), Buffer::from("ab")); }),
            "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH Input buffers must have the same byte length");
  EXPECT_THROW((void)crypto::timingSafeEqual(Buffer::from("a"), Buffer()), RangeError);
}

// --- PBKDF2 ---------------------------------------------------------------------------------

TEST(CryptoPbkdf2, MatchesRfc6070Vectors) {
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("password", "salt", 1, 20, "sha1")),
            "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("password", "salt", 2, 20, "sha1")),
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("password", "salt", 4096, 20, "sha1")),
            "4b007901b765489abead49d926f721d065a429c1");
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("passwordPASSWORDpassword",
                                     "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25, "sha1")),
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
  using namespace std::string_view_literals;
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("pass\0word"sv, Buffer::from("sa\0lt"sv), 4096, 16, "sha1")),
            "56fa6aa75548099dcc37d7f03425e0c3");
  EXPECT_EQ(hexOf(crypto::pbkdf2Sync("password", "salt", 1, 32, "sha256")),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
}

TEST(CryptoPbkdf2, ZeroKeylenGivesEmptyBuffer) {
  EXPECT_TRUE(crypto::pbkdf2Sync("p", "s", 1, 0, "sha1").empty());
}

TEST(CryptoPbkdf2, ValidatesLikeNode) {
  EXPECT_EQ(errorOf([] { (void)crypto::pbkdf2Sync("p", "s", 0, 10, "sha1"); }),
            "ERR_OUT_OF_RANGE The value of \"iterations\" is out of range. It must be >= 1 && <= "
            "2147483647. Received 0");
  EXPECT_EQ(errorOf([] { (void)crypto::pbkdf2Sync("p", "s", 1, -1, "sha1"); }),
            "ERR_OUT_OF_RANGE The value of \"keylen\" is out of range. It must be >= 0 && <= "
            "2147483647. Received -1");
  EXPECT_THAT(errorOf([] { (void)crypto::pbkdf2Sync("p", "s", std::int64_t{1} << 31, 1, "sha1"); }),
              HasSubstr("Received 2147483648"));
  EXPECT_EQ(errorOf([] { (void)crypto::pbkdf2Sync("p", "s", 1, 10, "nope"); }),
            "ERR_CRYPTO_INVALID_DIGEST Invalid digest: nope");
  EXPECT_THROW((void)crypto::pbkdf2Sync("p", "s", 0, 10, "sha1"), RangeError);
}

// --- scrypt ---------------------------------------------------------------------------------

TEST(CryptoScrypt, MatchesRfc7914Vectors) {
  EXPECT_EQ(hexOf(crypto::scryptSync("", "", 64, {.N = 16, .r = 1, .p = 1})),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a"
            "753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
  EXPECT_EQ(hexOf(crypto::scryptSync("password", "NaCl", 64, {.N = 1024, .r = 8, .p = 16})),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff1"
            "09279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(CryptoScrypt, DefaultsAreNodes) {
  // N=16384, r=8, p=1 is RFC 7914's third vector.
  EXPECT_EQ(hexOf(crypto::scryptSync("pleaseletmein", "SodiumChloride", 64)),
            "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d4"
            "9705242a9af9e61e85dc0d651e40dfcf017b45575887");
  crypto::ScryptOptions zeros{.N = 0, .r = 0, .p = 0, .maxmem = 0};
  EXPECT_EQ(hexOf(crypto::scryptSync("pleaseletmein", "SodiumChloride", 8, zeros)),
            "7023bdcb3afd7348");
}

TEST(CryptoScrypt, InvalidParametersThrowLikeNode) {
  EXPECT_EQ(errorOf([] { (void)crypto::scryptSync("p", "s", 64, {.N = 3}); }),
            "ERR_CRYPTO_INVALID_SCRYPT_PARAMS Invalid scrypt params");
  EXPECT_EQ(errorOf([] { (void)crypto::scryptSync("p", "s", 64, {.N = 1}); }),
            "ERR_CRYPTO_INVALID_SCRYPT_PARAMS Invalid scrypt params");
  EXPECT_EQ(errorOf([] { (void)crypto::scryptSync("p", "s", 64, {.N = 1u << 20}); }),
            "ERR_CRYPTO_INVALID_SCRYPT_PARAMS Invalid scrypt params: error:030000AC:digital "
            "envelope routines::memory limit exceeded");
  EXPECT_THAT(errorOf([] {
                (void)crypto::scryptSync("p", "s", 64, {.N = 16, .r = 1, .p = 1, .maxmem = 1000});
              }),
              StartsWith("ERR_CRYPTO_INVALID_SCRYPT_PARAMS Invalid scrypt params: "));
  EXPECT_EQ(errorOf([] { (void)crypto::scryptSync("p", "s", -1); }),
            "ERR_OUT_OF_RANGE The value of \"keylen\" is out of range. It must be >= 0 && <= "
            "2147483647. Received -1");
  EXPECT_THROW((void)crypto::scryptSync("p", "s", 0, {.N = 3}), RangeError);  // checked first
  EXPECT_TRUE(crypto::scryptSync("p", "s", 0, {.N = 16}).empty());
}

// --- async forms ----------------------------------------------------------------------------

using CryptoAsync = testing::FreshLoop;

TEST_F(CryptoAsync, Pbkdf2ResolvesOnTheLoopWithTheSyncResult) {
  std::string password = "password";
  std::string result;
  (void)crypto::pbkdf2(password, "salt", 4096, 20, "sha1").then([&](Buffer& key) {
    result = hexOf(key);
  });
  password.assign("overwritten");  // the arguments were copied
  run();
  EXPECT_EQ(result, "4b007901b765489abead49d926f721d065a429c1");
}

TEST_F(CryptoAsync, ScryptResolvesWithTheSyncResult) {
  std::string result;
  (void)crypto::scrypt("", "", 64, {.N = 16, .r = 1, .p = 1}).then([&](Buffer& key) {
    result = hexOf(key);
  });
  run();
  EXPECT_THAT(result, StartsWith("77d6576238657b203b19ca42c18a0497"));
}

TEST_F(CryptoAsync, ErrorsBecomeRejections) {
  (void)crypto::pbkdf2("p", "s", 1, 10, "nope").catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return Buffer();
  });
  (void)crypto::scrypt("p", "s", 64, {.N = 3}).catch_([&](std::exception_ptr e) {
    mark(describe(e));
    return Buffer();
  });
  run();
  EXPECT_THAT(log, ::testing::UnorderedElementsAre("Error: Invalid digest: nope",
                                                   "RangeError: Invalid scrypt params"));
}

}  // namespace
}  // namespace nx
