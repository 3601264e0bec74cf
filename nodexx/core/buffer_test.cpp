// SPDX-License-Identifier: MIT
#include "nodexx/core/buffer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/json_text.hpp"
#include "nodexx/core/internal/node_runner.hpp"

namespace nx {
namespace {

using ::testing::HasSubstr;

std::string hexOf(const Buffer& b) { return b.toString(Encoding::Hex); }
Buffer fromHex(std::string_view h) { return Buffer::from(h, Encoding::Hex); }

// Runs fn and returns "CODE message" of the nx::SystemError it throws ("no error" otherwise).
std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const SystemError& e) {
    return std::string(e.code()) + " " + e.what();
  }
  return "no error";
}

// --- construction and lifetime --------------------------------------------------------------

TEST(Buffer, DefaultIsEmptyAndOwnsNothing) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.length(), 0u);
  EXPECT_EQ(b.useCount(), 0u);
  EXPECT_EQ(b.toString(), "");
  EXPECT_EQ(b.byteView(), "");
}

TEST(Buffer, AllocZeroFillsOrFillsWithValue) {
  EXPECT_EQ(hexOf(Buffer::alloc(3)), "000000");
  EXPECT_EQ(hexOf(Buffer::alloc(3, 0xab)), "ababab");
  EXPECT_EQ(hexOf(Buffer::alloc(5, "ab")), "6162616261");
  EXPECT_EQ(hexOf(Buffer::alloc(3, "a1", Encoding::Hex)), "a1a1a1");
  EXPECT_EQ(Buffer::alloc(0, "zz", Encoding::Hex).size(), 0u);  // Node skips the fill
  EXPECT_EQ(Buffer::allocUnsafe(7).size(), 7u);
}

TEST(Buffer, AllocRejectsSizesAboveMaxLength) {
  EXPECT_THAT(errorOf([] { (void)Buffer::alloc(Buffer::kMaxLength + 1); }),
              HasSubstr("ERR_OUT_OF_RANGE The value of \"size\" is out of range. It must be >= 0 "
                        "&& <= 4294967296. Received 4_294_967_297"));
  EXPECT_THROW((void)Buffer::allocUnsafe(Buffer::kMaxLength + 1), RangeError);
}

TEST(Buffer, CopiesShareStorageAndCountReferences) {
  Buffer a = Buffer::from("hello");
  EXPECT_EQ(a.useCount(), 1u);
  {
    Buffer b = a;
    Buffer c;
    c = b;
    EXPECT_EQ(a.useCount(), 3u);
    c[0] = 'j';
    EXPECT_EQ(a.toString(), "jello");
    EXPECT_EQ(b.data(), a.data());
  }
  EXPECT_EQ(a.useCount(), 1u);
  Buffer moved = std::move(a);
  EXPECT_EQ(moved.useCount(), 1u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  moved = moved;           // self-assignment keeps the reference
  EXPECT_EQ(moved.toString(), "jello");
}

TEST(Buffer, CloneDeepCopies) {
  Buffer a = Buffer::from("abc");
  Buffer b = a.clone();
  b[0] = 'x';
  EXPECT_EQ(a.toString(), "abc");
  EXPECT_EQ(b.toString(), "xbc");
  EXPECT_EQ(a.useCount(), 1u);
  EXPECT_EQ(b.useCount(), 1u);
}

TEST(Buffer, RefcountIsSafeAcrossThreads) {
  Buffer a = Buffer::alloc(16, 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([a] {
      for (int i = 0; i < 10000; ++i) {
        Buffer copy = a;
        Buffer view = copy.subarray(1, 3);
        (void)view;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(a.useCount(), 1u);
}

TEST(Buffer, FromBytesCopies) {
  std::vector<std::uint8_t> v{1, 2, 3};
  Buffer b = Buffer::from(v);
  v[0] = 9;
  EXPECT_EQ(hexOf(b), "010203");
  EXPECT_EQ(hexOf(Buffer::from({0x68, 0x69})), "6869");
  Buffer again = Buffer::from(b);  // Buffer.from(buffer) copies, as in Node
  again[0] = 7;
  EXPECT_EQ(b[0], 1);
}

TEST(Buffer, CopyBytesFromClampsOffsetAndLength) {
  std::vector<std::uint8_t> v{1, 2, 3, 4};
  EXPECT_EQ(hexOf(Buffer::copyBytesFrom(v)), "01020304");
  EXPECT_EQ(hexOf(Buffer::copyBytesFrom(v, 1, 2)), "0203");
  EXPECT_EQ(hexOf(Buffer::copyBytesFrom(v, 2, 100)), "0304");
  EXPECT_TRUE(Buffer::copyBytesFrom(v, 4).empty());
}

TEST(Buffer, ConvertsToSpansAndIterates) {
  Buffer b = Buffer::from("abc");
  std::span<std::uint8_t> s = b;
  std::span<const std::uint8_t> cs = b;
  s[1] = 'B';
  EXPECT_EQ(cs.size(), 3u);
  std::string collected;
  for (std::uint8_t c : b) collected += static_cast<char>(c);
  EXPECT_EQ(collected, "aBc");
  EXPECT_EQ(b.byteView(), "aBc");
}

// --- encodings ------------------------------------------------------------------------------

TEST(Buffer, HexDecodingStopsAtFirstInvalidPair) {
  EXPECT_EQ(hexOf(fromHex("0g12")), "");
  EXPECT_EQ(hexOf(fromHex("120g")), "12");
  EXPECT_EQ(hexOf(fromHex("ab cd")), "ab");
  EXPECT_EQ(hexOf(fromHex("AbCdEf")), "abcdef");
}

TEST(Buffer, HexDecodingIgnoresOddTrailingNibble) { EXPECT_EQ(hexOf(fromHex("abc")), "ab"); }

TEST(Buffer, HexEncodingIsLowercase) {
  EXPECT_EQ(Buffer::from({0x00, 0xAB, 0xFF}).toString(Encoding::Hex), "00abff");
}

TEST(Buffer, Base64DecodingAcceptsBothAlphabets) {
  EXPECT_EQ(hexOf(Buffer::from("-_-_", Encoding::Base64)), "fbffbf");
  EXPECT_EQ(hexOf(Buffer::from("+/+/", Encoding::Base64Url)), "fbffbf");
}

TEST(Buffer, Base64DecodingSkipsWhitespaceAndJunk) {
  EXPECT_EQ(Buffer::from("aGVs\nbG8=", Encoding::Base64).toString(), "hello");
  EXPECT_EQ(Buffer::from("QUJD!!REVG", Encoding::Base64).toString(), "ABCDEF");
  EXPECT_EQ(Buffer::from("\tYWJj\r\n", Encoding::Base64).toString(), "abc");
}

TEST(Buffer, Base64DecodingStopsAtPadding) {
  EXPECT_EQ(Buffer::from("QQ==QQ==", Encoding::Base64).toString(), "A");
  EXPECT_EQ(Buffer::from("aGk=aGk=", Encoding::Base64).toString(), "hi");
  EXPECT_EQ(Buffer::from("YQ=", Encoding::Base64).toString(), "a");
  EXPECT_TRUE(Buffer::from("====", Encoding::Base64).empty());
}

TEST(Buffer, Base64DecodingAcceptsMissingPaddingAndIgnoresLoneChar) {
  EXPECT_EQ(Buffer::from("QQ", Encoding::Base64).toString(), "A");
  EXPECT_TRUE(Buffer::from("Q", Encoding::Base64).empty());
}

TEST(Buffer, Base64EncodingPadsAndBase64UrlDoesNot) {
  Buffer b = Buffer::from({0xff, 0xfe});
  EXPECT_EQ(b.toString(Encoding::Base64), "//4=");
  EXPECT_EQ(b.toString(Encoding::Base64Url), "__4");
  EXPECT_EQ(Buffer::from("hello").toString(Encoding::Base64), "aGVsbG8=");
  EXPECT_EQ(Buffer::from("hello").toString(Encoding::Base64Url), "aGVsbG8");
  EXPECT_EQ(Buffer().toString(Encoding::Base64), "");
}

TEST(Buffer, Base64RoundTripsAllLengths) {
  for (std::size_t n = 0; n < 70; ++n) {
    Buffer b = Buffer::allocUnsafe(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 37 + 11);
    EXPECT_EQ(Buffer::from(b.toString(Encoding::Base64), Encoding::Base64), b) << n;
    EXPECT_EQ(Buffer::from(b.toString(Encoding::Base64Url), Encoding::Base64Url), b) << n;
    EXPECT_EQ(Buffer::from(b.toString(Encoding::Hex), Encoding::Hex), b) << n;
  }
}

TEST(Buffer, Utf8FromIsBytesAsIs) { EXPECT_EQ(hexOf(Buffer::from("\xC3\xA9\xFF")), "c3a9ff"); }

TEST(Buffer, Utf8ToStringReplacesMaximalSubparts) {
  EXPECT_EQ(fromHex("f09f98").toString(), "\uFFFD");                      // truncated: one
  EXPECT_EQ(fromHex("eda080").toString(), "\uFFFD\uFFFD\uFFFD");          // surrogate: three
  EXPECT_EQ(fromHex("c080").toString(), "\uFFFD\uFFFD");                  // overlong: two
  EXPECT_EQ(fromHex("f4908080").toString(), "\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
  EXPECT_EQ(fromHex("61f09f41").toString(), "a\uFFFDA");
  EXPECT_EQ(fromHex("f09f9880").toString(), "\U0001F600");
  EXPECT_EQ(fromHex("c3a9c3").toString(), "\u00E9\uFFFD");
}

TEST(Buffer, Utf8ToStringKeepsLongAsciiAndValidText) {
  std::string text(100, 'x');
  text += "\u00E9\u20AC\U0001F600";
  text += std::string(20, 'y');
  EXPECT_EQ(Buffer::from(text).toString(), text);
}

TEST(Buffer, Latin1TakesLowByteOfEachCodeUnit) {
  EXPECT_EQ(hexOf(Buffer::from("a\u00E9\U0001F600", Encoding::Latin1)), "61e93d00");
  EXPECT_EQ(hexOf(Buffer::from("a\u00E9", Encoding::Binary)), "61e9");
  EXPECT_EQ(fromHex("61e9ff").toString(Encoding::Latin1), "a\u00E9\u00FF");
}

TEST(Buffer, AsciiDecodingClearsHighBit) {
  EXPECT_EQ(fromHex("e941ff").toString(Encoding::Ascii), "iA\x7F");
  EXPECT_EQ(hexOf(Buffer::from("a\u00E9", Encoding::Ascii)), "61e9");
}

TEST(Buffer, Utf16leEncodesCodeUnitsAndDecodesLoneSurrogatesAsReplacement) {
  EXPECT_EQ(hexOf(Buffer::from("a\u00E9\U0001F600", Encoding::Utf16le)), "6100e9003dd800de");
  EXPECT_EQ(fromHex("6100e9003dd800de").toString(Encoding::Ucs2), "a\u00E9\U0001F600");
  EXPECT_EQ(fromHex("610000d84100").toString(Encoding::Utf16le), "a\uFFFDA");
  EXPECT_EQ(fromHex("610062").toString(Encoding::Utf16le), "a");  // odd byte ignored
}

TEST(Buffer, ToStringClampsRange) {
  Buffer b = Buffer::from("abc");
  EXPECT_EQ(b.toString(Encoding::Hex, 1, 10), "6263");
  EXPECT_EQ(b.toString(Encoding::Utf8, 5), "");
  EXPECT_EQ(b.toString(Encoding::Utf8, 2, 1), "");
  EXPECT_EQ(b.toString(Encoding::Utf8, 1, 2), "b");
}

TEST(Buffer, ByteLengthFollowsNode) {
  std::string s = "a\u00E9\U0001F600";
  EXPECT_EQ(Buffer::byteLength(s), 7u);
  EXPECT_EQ(Buffer::byteLength(s, Encoding::Latin1), 4u);
  EXPECT_EQ(Buffer::byteLength(s, Encoding::Utf16le), 8u);
  EXPECT_EQ(Buffer::byteLength(s, Encoding::Hex), 2u);
  EXPECT_EQ(Buffer::byteLength("QQ==", Encoding::Base64), 1u);
  EXPECT_EQ(Buffer::byteLength("QQ= =", Encoding::Base64), 3u);
  EXPECT_EQ(Buffer::byteLength("", Encoding::Base64), 0u);
}

TEST(Buffer, ParseEncodingIsCaseInsensitive) {
  EXPECT_EQ(Buffer::parseEncoding("UTF-8"), Encoding::Utf8);
  EXPECT_EQ(Buffer::parseEncoding("utf8"), Encoding::Utf8);
  EXPECT_EQ(Buffer::parseEncoding("Hex"), Encoding::Hex);
  EXPECT_EQ(Buffer::parseEncoding("BASE64"), Encoding::Base64);
  EXPECT_EQ(Buffer::parseEncoding("base64url"), Encoding::Base64Url);
  EXPECT_EQ(Buffer::parseEncoding("binary"), Encoding::Latin1);
  EXPECT_EQ(Buffer::parseEncoding("latin1"), Encoding::Latin1);
  EXPECT_EQ(Buffer::parseEncoding("ascii"), Encoding::Ascii);
  EXPECT_EQ(Buffer::parseEncoding("ucs-2"), Encoding::Utf16le);
  EXPECT_EQ(Buffer::parseEncoding("utf-16le"), Encoding::Utf16le);
  EXPECT_EQ(Buffer::parseEncoding("utf16"), std::nullopt);
  EXPECT_EQ(Buffer::parseEncoding(""), std::nullopt);
  EXPECT_TRUE(Buffer::isEncoding("Latin1"));
  EXPECT_FALSE(Buffer::isEncoding("nope"));
}

// --- views ----------------------------------------------------------------------------------

TEST(Buffer, SubarraySharesMemory) {
  Buffer b = Buffer::from("hello");
  Buffer view = b.subarray(1, 4);
  EXPECT_EQ(view.toString(), "ell");
  EXPECT_EQ(view.byteOffset(), 1u);
  EXPECT_EQ(b.useCount(), 2u);
  view[0] = 'E';
  EXPECT_EQ(b.toString(), "hEllo");
  Buffer sliced = b.slice(3);
  sliced[0] = 'L';
  EXPECT_EQ(b.toString(), "hElLo");
}

TEST(Buffer, SubarrayAcceptsNegativeAndClampsLikeNode) {
  Buffer b = Buffer::from("abc");
  EXPECT_EQ(b.subarray(-2, -1).toString(), "b");
  EXPECT_EQ(b.subarray(-10, 10).toString(), "abc");
  EXPECT_EQ(b.subarray(2, 1).toString(), "");
  EXPECT_EQ(b.subarray(-1).toString(), "c");
  EXPECT_EQ(b.slice(1).toString(), "bc");
  EXPECT_TRUE(Buffer().subarray(1, 2).empty());
}

TEST(Buffer, ViewKeepsStorageAliveAfterOriginalDies) {
  Buffer view;
  {
    Buffer b = Buffer::from("storage");
    view = b.subarray(3);
  }
  EXPECT_EQ(view.toString(), "rage");
  EXPECT_EQ(view.useCount(), 1u);
}

// --- concat, compare, equals ----------------------------------------------------------------

TEST(Buffer, ConcatJoinsAndHonoursTotalLength) {
  Buffer a = Buffer::from("ab");
  Buffer c = Buffer::from("cd");
  EXPECT_EQ(Buffer::concat({a, c}).toString(), "abcd");
  EXPECT_EQ(hexOf(Buffer::concat({a, c}, 6)), "616263640000");
  EXPECT_EQ(Buffer::concat({a, c}, 3).toString(), "abc");
  std::vector<Buffer> list{a, Buffer(), c};
  EXPECT_EQ(Buffer::concat(list).toString(), "abcd");
  EXPECT_TRUE(Buffer::concat(std::span<const Buffer>()).empty());
  Buffer joined = Buffer::concat({a});
  joined[0] = 'z';
  EXPECT_EQ(a.toString(), "ab");  // concat always copies
}

TEST(Buffer, CompareOrdersBytewiseThenByLength) {
  EXPECT_EQ(Buffer::compare(Buffer::from("abc"), Buffer::from("abd")), -1);
  EXPECT_EQ(Buffer::compare(Buffer::from("abc"), Buffer::from("ab")), 1);
  EXPECT_EQ(Buffer::compare(Buffer::from("ab"), Buffer::from("abc")), -1);
  EXPECT_EQ(Buffer::compare(Buffer(), Buffer()), 0);
  EXPECT_EQ(Buffer::compare(Buffer::from({0x80}), Buffer::from({0x7f})), 1);  // unsigned
  EXPECT_LT(Buffer::from("a"), Buffer::from("b"));
  EXPECT_GT(Buffer::from("b"), Buffer::from("a"));
  EXPECT_EQ(Buffer::from("x"), Buffer::from("x"));
  EXPECT_NE(Buffer::from("x"), Buffer::from("xy"));
}

TEST(Buffer, MemberCompareUsesRanges) {
  Buffer abc = Buffer::from("abc");
  EXPECT_EQ(abc.compare(Buffer::from("abd")), -1);
  EXPECT_EQ(abc.compare(Buffer::from("abd"), 0, 2, 0, 2), 0);
  EXPECT_EQ(abc.compare(Buffer::from("xbc"), 1, 3, 1, 3), 0);
  EXPECT_EQ(abc.compare(Buffer::from("abd"), 2), -1);
  EXPECT_EQ(abc.compare(Buffer::from("abd"), 4, 3), 1);
  EXPECT_EQ(abc.compare(Buffer::from("abd"), 0, 3, 2, 2), -1);
  EXPECT_EQ(errorOf([&] { (void)abc.compare(Buffer::from("abd"), 0, 5); }),
            "ERR_OUT_OF_RANGE The value of \"targetEnd\" is out of range. It must be >= 0 && <= 3. "
            "Received 5");
  EXPECT_THAT(errorOf([&] { (void)abc.compare(Buffer::from("abd"), 0, 3, 0, 4); }),
              HasSubstr("\"sourceEnd\""));
}

TEST(Buffer, EqualsComparesBytes) {
  EXPECT_TRUE(Buffer::from("abc").equals(Buffer::from("abc")));
  EXPECT_FALSE(Buffer::from("abc").equals(Buffer::from("abd")));
  EXPECT_TRUE(Buffer().equals(Buffer::alloc(0)));
}

// --- search ---------------------------------------------------------------------------------

TEST(Buffer, IndexOfFollowsNodeOffsets) {
  Buffer hay = Buffer::from("abcabc");
  EXPECT_EQ(hay.indexOf("c"), 2);
  EXPECT_EQ(hay.indexOf("c", -2), 5);
  EXPECT_EQ(hay.indexOf("c", 10), -1);
  EXPECT_EQ(hay.indexOf("c", -10), 2);
  EXPECT_EQ(hay.indexOf("bca"), 1);
  EXPECT_EQ(hay.indexOf("abcabcd"), -1);
  EXPECT_EQ(Buffer().indexOf("a"), -1);
}

TEST(Buffer, IndexOfEmptyNeedleReturnsClampedOffset) {
  Buffer hay = Buffer::from("abc");
  EXPECT_EQ(hay.indexOf(""), 0);
  EXPECT_EQ(hay.indexOf("", 5), 3);
  EXPECT_EQ(hay.indexOf("", 1), 1);
  EXPECT_EQ(hay.indexOf("", -1), 2);
  EXPECT_EQ(hay.indexOf("zz", 0, Encoding::Hex), 0);  // decodes to nothing
  EXPECT_EQ(hay.lastIndexOf(""), 3);
  EXPECT_EQ(hay.lastIndexOf("", 1), 1);
}

TEST(Buffer, IndexOfDecodesNeedleWithEncoding) {
  Buffer hay = Buffer::from("abcabc");
  EXPECT_EQ(hay.indexOf("6263", 0, Encoding::Hex), 1);
  EXPECT_EQ(hay.indexOf("YmM=", 2, Encoding::Base64), 4);
  Buffer units = Buffer::from(std::string_view("a\0b\0", 4), Encoding::Latin1);
  EXPECT_EQ(units.indexOf("b", 0, Encoding::Utf16le), 2);
  EXPECT_EQ(units.indexOf("b", 1, Encoding::Utf16le), 2);
}

TEST(Buffer, IndexOfBufferAndByte) {
  Buffer hay = Buffer::from("abcabc");
  EXPECT_EQ(hay.indexOf(Buffer::from("bc"), 2), 4);
  EXPECT_EQ(hay.indexOf(Buffer(), 20), 6);
  EXPECT_EQ(hay.indexOf(std::uint8_t{'c'}, 3), 5);
  EXPECT_EQ(hay.indexOf(std::uint8_t{'z'}), -1);
  EXPECT_EQ(hay.lastIndexOf(std::uint8_t{'a'}), 3);
  EXPECT_EQ(hay.lastIndexOf(std::uint8_t{'a'}, 2), 0);
  EXPECT_EQ(hay.lastIndexOf(Buffer::from("ab"), -3), 3);
}

TEST(Buffer, LastIndexOfSearchesBackwards) {
  Buffer hay = Buffer::from("abcabc");
  EXPECT_EQ(hay.lastIndexOf("c"), 5);
  EXPECT_EQ(hay.lastIndexOf("c", -2), 2);
  EXPECT_EQ(hay.lastIndexOf("c", -10), -1);
  EXPECT_EQ(hay.lastIndexOf("c", 10), 5);
  EXPECT_EQ(hay.lastIndexOf("bc", 4), 4);
  EXPECT_EQ(hay.lastIndexOf("bc", 5), 4);
  EXPECT_EQ(hay.lastIndexOf("", -10), 0);
}

TEST(Buffer, IncludesWrapsIndexOf) {
  Buffer hay = Buffer::from("abcabc");
  EXPECT_TRUE(hay.includes("ca"));
  EXPECT_FALSE(hay.includes("cc"));
  EXPECT_FALSE(hay.includes("a", 4));
  EXPECT_TRUE(hay.includes(Buffer::from("bc")));
  EXPECT_TRUE(hay.includes(std::uint8_t{'b'}));
}

// --- fill, write, copy ----------------------------------------------------------------------

TEST(Buffer, FillRepeatsPatternWithinRange) {
  EXPECT_EQ(hexOf(Buffer::alloc(5).fill("ab", 1)), "0061626162");
  EXPECT_EQ(hexOf(Buffer::alloc(4).fill("ab", 1, 3)), "00616200");
  EXPECT_EQ(hexOf(Buffer::alloc(4).fill("ab", 5)), "00000000");
  EXPECT_EQ(hexOf(Buffer::alloc(4).fill("ab", 3, 1)), "00000000");
  EXPECT_EQ(hexOf(Buffer::alloc(3).fill("\u00E9")), "c3a9c3");
  EXPECT_EQ(hexOf(Buffer::alloc(4).fill("a1z", Encoding::Hex)), "a1a1a1a1");
  EXPECT_EQ(hexOf(Buffer::alloc(2, 1).fill("", Encoding::Hex)), "0000");
  EXPECT_EQ(hexOf(Buffer::alloc(3).fill(0x41)), "414141");
  EXPECT_EQ(hexOf(Buffer::alloc(7).fill(Buffer::from({1, 2, 3}))), "01020301020301");
}

TEST(Buffer, FillRejectsEmptyPatternAndBadEnd) {
  EXPECT_EQ(errorOf([] { Buffer::alloc(4).fill("zz", Encoding::Hex); }),
            "ERR_INVALID_ARG_VALUE The argument 'value' is invalid. Received 'zz'");
  EXPECT_EQ(errorOf([] { Buffer::alloc(4).fill(std::span<const std::uint8_t>()); }),
            "ERR_INVALID_ARG_VALUE The argument 'value' is invalid. Received <Buffer >");
  EXPECT_EQ(errorOf([] { Buffer::alloc(4).fill("ab", 0, 5); }),
            "ERR_OUT_OF_RANGE The value of \"end\" is out of range. It must be >= 0 && <= 4. "
            "Received 5");
  EXPECT_THROW(Buffer::alloc(4).fill(std::uint8_t{1}, 0, 5), RangeError);
}

TEST(Buffer, WriteReturnsBytesWrittenAndNeverSplitsUtf8) {
  Buffer b = Buffer::alloc(5);
  EXPECT_EQ(b.write("\u00E9\u00E9\U0001F600"), 4u);
  EXPECT_EQ(hexOf(b), "c3a9c3a900");
  EXPECT_EQ(Buffer::alloc(3).write("\u00E9\u00E9"), 2u);
  EXPECT_EQ(Buffer::alloc(3).write("abc", 3), 0u);
  EXPECT_EQ(Buffer::alloc(3).write("abc", 1, 1), 1u);
  Buffer c = Buffer::alloc(4);
  EXPECT_EQ(c.write("abc", 1, Encoding::Utf8), 3u);
  EXPECT_EQ(c.toString(Encoding::Latin1, 1), "abc");
}

TEST(Buffer, WriteDecodesWithEncoding) {
  Buffer b = Buffer::alloc(3);
  EXPECT_EQ(b.write("abcdef01", 1, Encoding::Hex), 2u);
  EXPECT_EQ(hexOf(b), "00abcd");
  EXPECT_EQ(Buffer::alloc(3).write("QUJDREVG", 1, Encoding::Base64), 2u);
  EXPECT_EQ(Buffer::alloc(3).write("zz", Encoding::Hex), 0u);
  EXPECT_EQ(Buffer::alloc(5).write("abc", Encoding::Utf16le), 4u);
  EXPECT_EQ(Buffer::alloc(5).write("a\u00E9\U0001F600", Encoding::Latin1), 4u);
}

TEST(Buffer, WriteRejectsOffsetOrLengthPastEnd) {
  EXPECT_EQ(errorOf([] { Buffer::alloc(4).write("a", 10); }),
            "ERR_OUT_OF_RANGE The value of \"offset\" is out of range. It must be >= 0 && <= 4. "
            "Received 10");
  EXPECT_EQ(errorOf([] { Buffer::alloc(3).write("abc", 1, 5); }),
            "ERR_OUT_OF_RANGE The value of \"length\" is out of range. It must be >= 0 && <= 3. "
            "Received 5");
}

TEST(Buffer, CopyLimitsToBothEndsAndAllowsOverlap) {
  Buffer src = Buffer::from("abc");
  Buffer two = Buffer::alloc(2);
  EXPECT_EQ(src.copy(two, 1, 0), 1u);
  EXPECT_EQ(hexOf(two), "0061");
  EXPECT_EQ(src.copy(two, 2), 0u);
  Buffer five = Buffer::alloc(5);
  EXPECT_EQ(src.copy(five, 1, 1, 10), 2u);
  EXPECT_EQ(hexOf(five), "0062630000");
  EXPECT_EQ(src.copy(five, 1, 2, 1), 0u);
  Buffer overlap = Buffer::from("abcdef");
  EXPECT_EQ(overlap.copy(overlap, 2, 0, 4), 4u);
  EXPECT_EQ(overlap.toString(), "ababcd");
  EXPECT_EQ(errorOf([&] { (void)src.copy(two, 0, 4); }),
            "ERR_OUT_OF_RANGE The value of \"sourceStart\" is out of range. It must be >= 0 && "
            "<= 3. Received 4");
}

// --- fixed-width reads and writes -----------------------------------------------------------

TEST(Buffer, ReadsIntegersInBothByteOrders) {
  Buffer b = fromHex("fffffffe0102030405060708");
  EXPECT_EQ(b.readUInt8(4), 1u);
  EXPECT_EQ(b.readInt8(0), -1);
  EXPECT_EQ(b.readUInt16LE(4), 0x0201u);
  EXPECT_EQ(b.readUInt16BE(4), 0x0102u);
  EXPECT_EQ(b.readInt16BE(2), -2);
  EXPECT_EQ(b.readInt16LE(2), -257);
  EXPECT_EQ(b.readUInt32BE(0), 4294967294u);
  EXPECT_EQ(b.readUInt32LE(0), 4278190079u);
  EXPECT_EQ(b.readInt32BE(0), -2);
  EXPECT_EQ(b.readInt32LE(4), 0x04030201);
  EXPECT_EQ(b.readBigUInt64LE(4), 578437695752307201u);
  EXPECT_EQ(b.readBigUInt64BE(4), 0x0102030405060708u);
  EXPECT_EQ(b.readBigInt64BE(0), -8573025532);
  EXPECT_EQ(b.readBigInt64LE(0), static_cast<std::int64_t>(0x04030201fefffffful));
}

TEST(Buffer, ReadsAndWritesFloatingPoint) {
  Buffer b = Buffer::alloc(8);
  EXPECT_EQ(b.writeDoubleBE(1.5), 8u);
  EXPECT_EQ(hexOf(b), "3ff8000000000000");
  EXPECT_EQ(b.readDoubleBE(), 1.5);
  b.writeDoubleLE(-0.1);
  EXPECT_EQ(b.readDoubleLE(), -0.1);
  EXPECT_EQ(b.writeFloatLE(-2.25, 4), 8u);
  EXPECT_EQ(b.readFloatLE(4), -2.25f);
  b.writeFloatBE(0.1);
  EXPECT_EQ(b.readFloatBE(), 0.1f);  // rounded to float on write
  b.writeDoubleLE(std::nan(""));
  EXPECT_TRUE(std::isnan(b.readDoubleLE()));
}

TEST(Buffer, WritesIntegersAndReturnsNextOffset) {
  Buffer b = Buffer::alloc(8);
  EXPECT_EQ(b.writeUInt8(0xff), 1u);
  EXPECT_EQ(b.writeUInt16LE(0x0102, 1), 3u);
  EXPECT_EQ(b.writeUInt16BE(0x0304, 3), 5u);
  EXPECT_EQ(hexOf(b), "ff02010304000000");
  EXPECT_EQ(b.writeUInt32BE(0xdeadbeef, 4), 8u);
  EXPECT_EQ(b.readUInt32BE(4), 0xdeadbeefu);
  b.writeUInt32LE(0xdeadbeef, 0);
  EXPECT_EQ(hexOf(b.subarray(0, 4)), "efbeadde");
  b.writeInt8(-1, 0);
  b.writeInt16LE(-2, 1);
  b.writeInt16BE(-2, 3);
  EXPECT_EQ(hexOf(b.subarray(0, 5)), "fffefffffe");
  b.writeInt32LE(-2, 0);
  EXPECT_EQ(b.readInt32LE(0), -2);
  b.writeInt32BE(-2147483648, 4);
  EXPECT_EQ(b.readInt32BE(4), -2147483648);
  EXPECT_EQ(b.writeBigUInt64BE(0x0102030405060708u), 8u);
  EXPECT_EQ(hexOf(b), "0102030405060708");
  b.writeBigUInt64LE(0x0102030405060708u);
  EXPECT_EQ(hexOf(b), "0807060504030201");
  b.writeBigInt64BE(-2);
  EXPECT_EQ(hexOf(b), "fffffffffffffffe");
  b.writeBigInt64LE(-2);
  EXPECT_EQ(b.readBigInt64LE(), -2);
}

TEST(Buffer, ReadPastEndThrowsLikeNode) {
  EXPECT_EQ(errorOf([] { (void)Buffer::alloc(2).readUInt32LE(0); }),
            "ERR_BUFFER_OUT_OF_BOUNDS Attempt to access memory outside buffer bounds");
  EXPECT_EQ(errorOf([] { (void)Buffer::alloc(6).readUInt32LE(3); }),
            "ERR_OUT_OF_RANGE The value of \"offset\" is out of range. It must be >= 0 and <= 2. "
            "Received 3");
  EXPECT_EQ(errorOf([] { (void)Buffer::alloc(8).readUInt8(8); }),
            "ERR_OUT_OF_RANGE The value of \"offset\" is out of range. It must be >= 0 and <= 7. "
            "Received 8");
  EXPECT_THROW((void)Buffer().readUInt8(), RangeError);
  EXPECT_THROW((void)Buffer::alloc(8).readDoubleBE(1), RangeError);
  EXPECT_THROW((void)Buffer::alloc(8).readBigUInt64LE(1), RangeError);
  EXPECT_THROW((void)Buffer::alloc(3).readFloatLE(), RangeError);
  EXPECT_THROW((void)Buffer::alloc(1).readInt16BE(), RangeError);
}

TEST(Buffer, WriteRejectsValuesOutOfRangeBeforeBounds) {
  EXPECT_EQ(errorOf([] { Buffer::alloc(2).writeUInt8(256); }),
            "ERR_OUT_OF_RANGE The value of \"value\" is out of range. It must be >= 0 and <= 255. "
            "Received 256");
  EXPECT_EQ(errorOf([] { Buffer::alloc(2).writeUInt8(-1); }),
            "ERR_OUT_OF_RANGE The value of \"value\" is out of range. It must be >= 0 and <= 255. "
            "Received -1");
  EXPECT_EQ(errorOf([] { Buffer::alloc(8).writeUInt32LE(std::int64_t{1} << 40); }),
            "ERR_OUT_OF_RANGE The value of \"value\" is out of range. It must be >= 0 and <= "
            "4294967295. Received 1_099_511_627_776");
  EXPECT_EQ(errorOf([] { Buffer::alloc(8).writeInt16LE(-32769); }),
            "ERR_OUT_OF_RANGE The value of \"value\" is out of range. It must be >= -32768 and <= "
            "32767. Received -32769");
  EXPECT_EQ(errorOf([] { Buffer::alloc(8).writeInt8(-129); }),
            "ERR_OUT_OF_RANGE The value of \"value\" is out of range. It must be >= -128 and <= "
            "127. Received -129");
  EXPECT_EQ(errorOf([] { Buffer::alloc(6).writeUInt32LE(1, 3); }),
            "ERR_OUT_OF_RANGE The value of \"offset\" is out of range. It must be >= 0 and <= 2. "
            "Received 3");
  EXPECT_THROW(Buffer::alloc(3).writeUInt32BE(1), RangeError);
  EXPECT_THROW(Buffer::alloc(8).writeBigInt64BE(1, 1), RangeError);
  EXPECT_THROW(Buffer::alloc(8).writeFloatBE(1, 5), RangeError);
  EXPECT_THROW(Buffer::alloc(8).writeDoubleLE(1, 1), RangeError);
}

TEST(Buffer, InspectMatchesNodeFormat) {
  EXPECT_EQ(Buffer::from("abc").inspect(), "<Buffer 61 62 63>");
  EXPECT_EQ(Buffer().inspect(), "<Buffer >");
  EXPECT_THAT(Buffer::alloc(51).inspect(), ::testing::EndsWith(" 00 ... 1 more byte>"));
  EXPECT_THAT(Buffer::alloc(52).inspect(), ::testing::EndsWith(" 00 ... 2 more bytes>"));
}

// --- Node oracle ----------------------------------------------------------------------------

// JSON.stringify of a UTF-8 string, as the oracle script prints it.
// JSON.stringify of a string and String() of a number, as the JS side prints them.
std::string q(std::string_view s) {
  std::string out;
  detail::appendJsonString(out, s);
  return out;
}

std::string num(double v) {
  std::string out;
  detail::appendJsonNumber(out, v);
  return out;
}

// The same list as tests/node_oracle/scenarios/buffer_encodings.js, line for line.
std::vector<std::string> oracleLines() {
  std::vector<std::string> out;
  auto p = [&](const std::string& label, const std::string& value) {
    out.push_back(label + ": " + value);
  };
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  auto n = [](auto v) { return std::to_string(v); };
  auto err = [&](const std::string& label, const std::function<void()>& fn) {
    p(label, errorOf(fn));
  };
  using E = Encoding;

  for (std::string_view s : {"abc", "0g12", "120g", "zz", "AbCdEf", "", "ab cd", "\u00E9ab"}) {
    p("from hex " + q(s), hexOf(Buffer::from(s, E::Hex)));
  }

  for (std::string_view s :
       {"QQ==QQ==", "Q Q =", "-_-_", "+/+/", "aGVsbG8gd29ybGQ", "aGVs\nbG8=", "QUJD!!REVG", "QQ",
        "Q", "====", "\u0141A", "aGk=aGk=", "YQ=", "Y Q", "\tYWJj\r\n", "YW Jj ZA=="}) {
    p("from base64 " + q(s), hexOf(Buffer::from(s, E::Base64)));
  }
  for (std::string_view s : {"-_-_", "aGVsbG8/+w==", "YWJjZA"}) {
    p("from base64url " + q(s), hexOf(Buffer::from(s, E::Base64Url)));
  }

  for (std::string h : {"", "ff", "fffe", "fbffbf", "68656c6c6f"}) {
    Buffer buf = fromHex(h);
    p("base64 of " + h, buf.toString(E::Base64));
    p("base64url of " + h, buf.toString(E::Base64Url));
  }

  p("from latin1 \"a\u00E9\U0001F600\"", hexOf(Buffer::from("a\u00E9\U0001F600", E::Latin1)));
  p("from ascii \"a\u00E9\"", hexOf(Buffer::from("a\u00E9", E::Ascii)));
  p("latin1 of 61e9ff", q(fromHex("61e9ff").toString(E::Latin1)));
  p("ascii of e941ff", q(fromHex("e941ff").toString(E::Ascii)));

  for (std::string h :
       {"f09f98", "eda080", "c080", "e282", "f4908080", "ff", "8041", "f09f9880", "e08080", "c2",
        "61f09f41", "e2828", "efbbbf61", "f8888080", "edbfbf", "eebfbf", "f48fbfbf", "c3a9c3"}) {
    p("utf8 of " + h, q(fromHex(h).toString(E::Utf8)));
  }
  p("utf8 from \"\u00E9\U0001F600\" is bytes", hexOf(Buffer::from("\u00E9\U0001F600")));

  p("from utf16le \"a\u00E9\U0001F600\"", hexOf(Buffer::from("a\u00E9\U0001F600", E::Utf16le)));
  p("utf16le of 6100e9003dd800de", q(fromHex("6100e9003dd800de").toString(E::Utf16le)));
  p("utf16le of 610000d84100", q(fromHex("610000d84100").toString(E::Utf16le)));
  p("utf16le of 610062", q(fromHex("610062").toString(E::Utf16le)));

  for (auto [name, enc] :
       {std::pair{"utf8", E::Utf8}, std::pair{"hex", E::Hex}, std::pair{"base64", E::Base64},
        std::pair{"base64url", E::Base64Url}, std::pair{"latin1", E::Latin1},
        std::pair{"ascii", E::Ascii}, std::pair{"utf16le", E::Utf16le}}) {
    p(std::string("byteLength \"a\u00E9\U0001F600\" ") + name,
      n(Buffer::byteLength("a\u00E9\U0001F600", enc)));
  }
  p("byteLength \"QQ==\" base64", n(Buffer::byteLength("QQ==", E::Base64)));
  p("byteLength \"QQ= =\" base64", n(Buffer::byteLength("QQ= =", E::Base64)));

  p("toString hex 1..10 of \"abc\"", Buffer::from("abc").toString(E::Hex, 1, 10));
  p("toString latin1 from 5 of \"abc\"", q(Buffer::from("abc").toString(E::Latin1, 5)));

  auto B = [](std::string_view s) { return Buffer::from(s); };
  p("compare abc abd", n(Buffer::compare(B("abc"), B("abd"))));
  p("compare abc ab", n(Buffer::compare(B("abc"), B("ab"))));
  p("compare ab abc", n(Buffer::compare(B("ab"), B("abc"))));
  p("compare empty empty", n(Buffer::compare(B(""), B(""))));
  p("compare b a", n(Buffer::compare(B("b"), B("a"))));
  p("abc.compare(abd, 0, 2, 0, 2)", n(B("abc").compare(B("abd"), 0, 2, 0, 2)));
  p("abc.compare(abd, 2)", n(B("abc").compare(B("abd"), 2)));
  p("abc.compare(xbc, 1, 3, 1, 3)", n(B("abc").compare(B("xbc"), 1, 3, 1, 3)));

  Buffer hay = B("abcabc");
  p("indexOf c -2", n(hay.indexOf("c", -2)));
  p("indexOf c 10", n(hay.indexOf("c", 10)));
  p("indexOf c -10", n(hay.indexOf("c", -10)));
  p("indexOf \"\" 10", n(hay.indexOf("", 10)));
  p("indexOf 6263 hex", n(hay.indexOf("6263", 0, E::Hex)));
  p("indexOf zz hex", n(hay.indexOf("zz", 0, E::Hex)));
  p("indexOf buffer bc 2", n(hay.indexOf(B("bc"), 2)));
  p("indexOf byte 0x63 3", n(hay.indexOf(std::uint8_t{0x63}, 3)));
  p("lastIndexOf c", n(hay.lastIndexOf("c")));
  p("lastIndexOf c -2", n(hay.lastIndexOf("c", -2)));
  p("lastIndexOf bc 5", n(hay.lastIndexOf("bc", 5)));
  p("lastIndexOf \"\" -10", n(hay.lastIndexOf("", -10)));
  p("includes ca", b(hay.includes("ca")));
  p("includes cc", b(hay.includes("cc")));

  Buffer number = fromHex("fffffffe0102030405060708");
  p("readUInt32BE 0", n(number.readUInt32BE(0)));
  p("readUInt32LE 0", n(number.readUInt32LE(0)));
  p("readInt32BE 0", n(number.readInt32BE(0)));
  p("readUInt16LE 4", n(number.readUInt16LE(4)));
  p("readInt8 0", n(number.readInt8(0)));
  p("readBigUInt64LE 4", n(number.readBigUInt64LE(4)));
  p("readBigInt64BE 0", n(number.readBigInt64BE(0)));
  {
    Buffer buf = Buffer::alloc(8);
    buf.writeDoubleBE(1.5);
    p("writeDoubleBE 1.5", hexOf(buf));
    p("readDoubleBE", num(buf.readDoubleBE()));
    buf.writeFloatLE(-2.25, 4);
    p("writeFloatLE -2.25 at 4", hexOf(buf));
    p("writeInt16BE -2 at 1 returns", n(buf.writeInt16BE(-2, 1)));
    p("after writeInt16BE", hexOf(buf));
  }

  {
    Buffer buf = Buffer::alloc(5);
    p("write \"\u00E9\u00E9\U0001F600\" utf8 returns", n(buf.write("\u00E9\u00E9\U0001F600")));
    p("after write", hexOf(buf));
    p("write \"abcdef01\" hex at 1 into 3", n(Buffer::alloc(3).write("abcdef01", 1, E::Hex)));
    p("write \"QUJDREVG\" base64 at 1 into 3", n(Buffer::alloc(3).write("QUJDREVG", 1, E::Base64)));
  }
  p("fill \"ab\" from 1", hexOf(Buffer::alloc(5).fill("ab", 1)));
  p("fill \"a1z\" hex", hexOf(Buffer::alloc(4).fill("a1z", E::Hex)));
  p("fill \"\u00E9\"", hexOf(Buffer::alloc(3).fill("\u00E9")));
  p("fill \"\" hex", hexOf(Buffer::alloc(2, 1).fill("", E::Hex)));
  p("concat total 6", hexOf(Buffer::concat({B("ab"), B("cd")}, 6)));
  p("concat total 3", hexOf(Buffer::concat({B("ab"), B("cd")}, 3)));
  p("subarray -2 -1", q(B("abc").subarray(-2, -1).toString()));
  p("slice -10 10", q(B("abc").slice(-10, 10).toString()));
  {
    Buffer two = Buffer::alloc(2);
    p("copy into 2 from 1", n(B("abc").copy(two, 1, 0)));
  }

  err("readUInt32LE on 2 bytes", [] { (void)Buffer::alloc(2).readUInt32LE(0); });
  err("readUInt32LE 3 on 6 bytes", [] { (void)Buffer::alloc(6).readUInt32LE(3); });
  err("writeUInt8 256", [] { Buffer::alloc(2).writeUInt8(256); });
  err("writeUInt32LE 2**40", [] { Buffer::alloc(8).writeUInt32LE(std::int64_t{1} << 40); });
  err("writeInt32BE -(2**31)-1",
      [] { Buffer::alloc(8).writeInt32BE(-(std::int64_t{1} << 31) - 1); });
  err("write at 10 of 4", [] { Buffer::alloc(4).write("a", 10); });
  err("fill zz hex", [] { Buffer::alloc(4).fill("zz", E::Hex); });
  err("fill end 5 of 4", [] { Buffer::alloc(4).fill(std::uint8_t{1}, 0, 5); });
  err("copy sourceStart 4 of 3", [&] {
    Buffer two = Buffer::alloc(2);
    (void)B("abc").copy(two, 0, 4);
  });
  err("compare targetEnd 5", [&] { (void)B("abc").compare(B("abd"), 0, 5); });
  err("alloc 2**32+1", [] { (void)Buffer::alloc((std::size_t{1} << 32) + 1); });

  p("inspect abc", B("abc").inspect());
  p("inspect empty", Buffer::alloc(0).inspect());
  p("inspect 52 bytes", Buffer::alloc(52, 7).inspect());
  for (std::string_view name : {"UTF-8", "ucs2", "Base64URL", "binary", "nope", ""}) {
    p("isEncoding " + q(name), b(Buffer::isEncoding(name)));
  }
  return out;
}

TEST(BufferOracle, MatchesNode) {
  if (!testing::hasNode()) {
    GTEST_SKIP() << "node is not on PATH; the Buffer oracle needs Node.js";
  }
  const auto script = testing::sourceDir() / "tests/node_oracle/scenarios/buffer_encodings.js";
  ASSERT_TRUE(std::filesystem::exists(script)) << script;
  const testing::NodeOutput node = testing::runNode({.script = script});
  ASSERT_EQ(node.status, 0) << node.out;
  const std::vector<std::string> nodeLines = node.lines();
  std::vector<std::string> ours = oracleLines();
  for (std::size_t i = 0; i < std::min(ours.size(), nodeLines.size()); ++i) {
    EXPECT_EQ(ours[i], nodeLines[i]) << "line " << i + 1;
  }
  EXPECT_EQ(ours.size(), nodeLines.size());
}

}  // namespace
}  // namespace nx
