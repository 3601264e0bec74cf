// SPDX-License-Identifier: MIT
#include "nodexx/stream/line_splitter.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/stream/errors.hpp"
#include "nodexx/stream/internal/test_streams.hpp"
#include "nodexx/stream/pipeline.hpp"

namespace nx::stream {
namespace {

using testing::Sink;
using LineSplitterTest = nx::testing::FreshLoop;

std::vector<std::string> decodeAll(std::initializer_list<std::string_view> chunks,
                                   std::size_t max = kDefaultMaxLineLength) {
  LineDecoder d(max);
  std::vector<std::string> out;
  for (std::string_view c : chunks) {
    EXPECT_TRUE(d.write(std::span(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()), out));
  }
  if (auto last = d.end()) out.push_back(*last);
  return out;
}

using Lines = std::vector<std::string>;

TEST(LineDecoderTest, SplitsOnNewlinesAcrossChunkBoundaries) {
  EXPECT_EQ(decodeAll({"ab", "c\nde", "f\n", "g"}), (Lines{"abc", "def", "g"}));
}

TEST(LineDecoderTest, StripsTheCarriageReturnOfCrlfEvenWhenSplit) {
  EXPECT_EQ(decodeAll({"a\r", "\nb\r\n"}), (Lines{"a", "b"}));
  EXPECT_EQ(decodeAll({"a\rb\n"}), (Lines{"a\rb"}));  // a lone \r stays
}

TEST(LineDecoderTest, KeepsEmptyLinesAndHandlesTheEnd) {
  EXPECT_EQ(decodeAll({"\n\nx\n"}), (Lines{"", "", "x"}));
  EXPECT_EQ(decodeAll({""}), Lines{});
  EXPECT_EQ(decodeAll({"last"}), (Lines{"last"}));
  EXPECT_EQ(decodeAll({"last\r"}), (Lines{"last"}));
}

TEST(LineDecoderTest, RejectsALineLongerThanTheLimit) {
  LineDecoder d(4);
  std::vector<std::string> out;
  auto feed = [&](std::string_view s) {
    return d.write(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), out);
  };
  EXPECT_TRUE(feed("abcd\r\n"));  // exactly the limit, CRLF not counted
  EXPECT_TRUE(feed("ab"));
  EXPECT_FALSE(feed("cde"));  // 5 bytes without a newline
  EXPECT_FALSE(feed("\n"));   // stays failed
  EXPECT_EQ(out, (Lines{"abcd"}));
}

TEST_F(LineSplitterTest, SplitsAStreamIntoLines) {
  auto src = Readable<Buffer>::from(
      {Buffer::from("id,name\r\n1,a"), Buffer::from("da\n2,bob\n"), Buffer::from("3,cy")});
  auto split = std::make_shared<LineSplitter>();
  auto dst = std::make_shared<Sink<std::string>>();
  auto p = pipeline(src, split, dst);
  loop.run();
  EXPECT_TRUE(p.isFulfilled());
  EXPECT_EQ(dst->chunks, (Lines{"id,name", "1,ada", "2,bob", "3,cy"}));
}

TEST_F(LineSplitterTest, ALineOverTheLimitFailsWithErrStreamLineTooLong) {
  auto src = Readable<Buffer>::from({Buffer::from("short\n"), Buffer::alloc(100, 'x')});
  auto split = std::make_shared<LineSplitter>(LineSplitterOptions{.maxLineLength = 64});
  auto dst = std::make_shared<Sink<std::string>>();
  std::string code, message;
  auto run = [](Promise<> p, std::string& c, std::string& m) -> Promise<> {
    try {
      co_await p;
    } catch (const SystemError& e) {
      c = e.code();
      m = e.what();
    }
  };
  auto p = run(pipeline(src, split, dst), code, message);
  loop.run();
  EXPECT_EQ(code, "ERR_STREAM_LINE_TOO_LONG");
  EXPECT_EQ(message, "Line exceeds the maximum length of 64 bytes");
  EXPECT_EQ(dst->chunks, (Lines{"short"}));
}

TEST_F(LineSplitterTest, ReadableSideCountsLines) {
  auto split = std::make_shared<LineSplitter>();
  EXPECT_EQ(split->readableHighWaterMark(), 16u);
  EXPECT_EQ(split->writableHighWaterMark(), 16384u);
  (void)split->write(Buffer::from("a\nb\nc\n"));
  loop.run();
  EXPECT_EQ(split->readableLength(), 3u);
}

}  // namespace
}  // namespace nx::stream
