// SPDX-License-Identifier: MIT
#include "nodexx/web/range.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodexx/web/testdata/files_oracle/oracle.hpp"

namespace nx::web {
namespace {

using Status = RangeResult::Status;

TEST(RangeParserTest, ParsesSingleRange) {
  const auto r = parseRange(1000, "bytes=0-499");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.type, "bytes");
  EXPECT_EQ(r.ranges, (std::vector<ByteRange>{{0, 499}}));
  EXPECT_EQ(r.code(), 1);
}

TEST(RangeParserTest, OpenEndedAndSuffixRangesAreClampedToTheEntity) {
  EXPECT_EQ(parseRange(1000, "bytes=900-").ranges, (std::vector<ByteRange>{{900, 999}}));
  EXPECT_EQ(parseRange(1000, "bytes=-100").ranges, (std::vector<ByteRange>{{900, 999}}));
  EXPECT_EQ(parseRange(1000, "bytes=-5000").status, Status::Unsatisfiable);
  EXPECT_EQ(parseRange(1000, "bytes=500-5000").ranges, (std::vector<ByteRange>{{500, 999}}));
}

TEST(RangeParserTest, LeadingZerosDoNotCountHoweverManyThereAre) {
  // range-parser reads positions with parseInt: any run of leading zeros is ignored.
  const std::string zeros(1000, '0');
  EXPECT_EQ(parseRange(2000, "bytes=" + zeros + "1195-" + zeros + "1199").ranges,
            (std::vector<ByteRange>{{1195, 1199}}));
  EXPECT_EQ(parseRange(2000, "bytes=" + zeros + "-" + zeros).ranges,
            (std::vector<ByteRange>{{0, 0}}));
}

TEST(RangeParserTest, UnsatisfiableWhenNoRangeFits) {
  const auto r = parseRange(200, "bytes=500-999");
  EXPECT_EQ(r.status, Status::Unsatisfiable);
  EXPECT_EQ(r.code(), -1);
  EXPECT_TRUE(r.ranges.empty());
  EXPECT_EQ(parseRange(0, "bytes=0-").status, Status::Unsatisfiable);
  EXPECT_EQ(parseRange(200, "bytes=-0").status, Status::Unsatisfiable);
  EXPECT_EQ(parseRange(200, "bytes=5-4").status, Status::Unsatisfiable);
}

TEST(RangeParserTest, MalformedHeadersAreMinusTwo) {
  for (std::string_view bad : {"bytes", "bytes=", "bytes=abc", "bytes=1-2,x", "bytes=-",
                               "bytes=1-a", "bytes=+1-2", "bytes=0x1-2", "bytes=1.5-2"}) {
    const auto r = parseRange(1000, bad);
    EXPECT_EQ(r.status, Status::Malformed) << bad;
    EXPECT_EQ(r.code(), -2) << bad;
  }
}

TEST(RangeParserTest, KeepsOrderAndCombinesWhenAsked) {
  const auto plain = parseRange(150, "bytes=0-4,90-99,5-75,100-199,101-102");
  EXPECT_EQ(plain.ranges,
            (std::vector<ByteRange>{{0, 4}, {90, 99}, {5, 75}, {100, 149}, {101, 102}}));
  const auto merged = parseRange(150, "bytes=0-4,90-99,5-75,100-199,101-102", {.combine = true});
  EXPECT_EQ(merged.ranges, (std::vector<ByteRange>{{0, 75}, {90, 149}}));
  const auto reordered = parseRange(150, "bytes=-1,20-100,0-1,101-120", {.combine = true});
  EXPECT_EQ(reordered.ranges, (std::vector<ByteRange>{{149, 149}, {20, 120}, {0, 1}}));
}

TEST(RangeParserTest, TrimsWhitespaceAroundPositions) {
  EXPECT_EQ(parseRange(1000, "bytes= 1 - 2 ,\t3-4").ranges,
            (std::vector<ByteRange>{{1, 2}, {3, 4}}));
  EXPECT_EQ(parseRange(1000,
                       "bytes=\xa0"
                       "5-6")
                .ranges,
            (std::vector<ByteRange>{{5, 6}}));
}

TEST(RangeParserTest, TooManyRangesAreMalformed) {
  std::string header = "bytes=0-0";
  for (int i = 1; i < 101; ++i) header += "," + std::to_string(i) + "-" + std::to_string(i);
  EXPECT_EQ(parseRange(1000, header).status, Status::Malformed);
  EXPECT_EQ(parseRange(1000, header, {.maxRanges = 101}).ranges.size(), 101u);
}

TEST(RangeParserTest, HugePositionsBehaveAsJavaScriptNumbers) {
  EXPECT_EQ(parseRange(100, "bytes=0-99999999999999999999999999").ranges,
            (std::vector<ByteRange>{{0, 99}}));
  EXPECT_EQ(parseRange(100, "bytes=99999999999999999999999999-").status, Status::Unsatisfiable);
  EXPECT_EQ(parseRange(100, "bytes=-" + std::string(500, '9')).status, Status::Unsatisfiable);
  const std::uint64_t max = ~std::uint64_t{0};
  const auto r = parseRange(max, "bytes=0-");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.ranges[0].end, max - 1);
}

TEST(RangeParserTest, ContentRangeFormats) {
  EXPECT_EQ(contentRange(1000, {0, 499}), "bytes 0-499/1000");
  EXPECT_EQ(contentRangeUnsatisfied(1000), "bytes */1000");
}

std::string render(const RangeResult& r) {
  if (!r.ok()) return std::to_string(r.code());
  std::string out = "{\"type\":" + testing::jsonBytes(r.type) + ",\"ranges\":[";
  for (std::size_t i = 0; i < r.ranges.size(); ++i) {
    if (i) out += ',';
    out += "[" + std::to_string(r.ranges[i].start) + "," + std::to_string(r.ranges[i].end) + "]";
  }
  return out + "]}";
}

TEST(RangeParserTest, MatchesTheRangeParserPackage) {
  if (auto why = testing::oracleUnavailable(); !why.empty()) GTEST_SKIP() << why;
  const std::vector<std::string> headers = {"bytes=0-499",
                                            "bytes=500-999",
                                            "bytes=-500",
                                            "bytes=9500-",
                                            "bytes=0-0,-1",
                                            "bytes=500-600,601-999",
                                            "bytes=500-700,601-999",
                                            "bytes=0-",
                                            "bytes=-0",
                                            "bytes=0-0",
                                            "bytes=1000-",
                                            "bytes=999-",
                                            "bytes=5-4",
                                            "bytes",
                                            "bytes=",
                                            "bytes=-",
                                            "bytes=--1",
                                            "bytes=1--2",
                                            "bytes=a-b",
                                            "bytes=1-b",
                                            "bytes=a-1",
                                            "bytes= 1-2",
                                            "bytes=1 -2",
                                            "bytes=1- 2 ",
                                            "bytes=\t1-2\t",
                                            "bytes=\xa0"
                                            "1-2",
                                            "bytes=\x0b"
                                            "1-2",
                                            "bytes=1-2,",
                                            "bytes=,1-2",
                                            "bytes=1-2,,3-4",
                                            "items=0-5",
                                            "=0-5",
                                            "bytes==0-5",
                                            "bytes=0-5=6",
                                            "bytes=+1-2",
                                            "bytes=1e2-300",
                                            "bytes=0x10-20",
                                            "bytes=01-02",
                                            "bytes=1.0-2",
                                            "bytes=-1.5",
                                            "bytes=0-4,90-99,5-75,100-199,101-102",
                                            "bytes=-1,20-100,0-1,101-120",
                                            "bytes=0-10,5-20,30-40,0-2",
                                            "bytes=10-20,0-9",
                                            "bytes=10-20,0-8",
                                            "bytes=0-99999999999999999999",
                                            "bytes=99999999999999999999-",
                                            "bytes=-99999999999999999999",
                                            "bytes=9007199254740993-9007199254740995",
                                            " bytes=0-1",
                                            "BYTES=0-1",
                                            "bytes=1-0,2-1",
                                            "bytes=1-0,x",
                                            "bytes=x,1-0",
                                            "bytes=0-0,0-0,0-0",
                                            "bytes=500-1500",
                                            "bytes=-1000",
                                            "bytes=-1001",
                                            "bytes=\xc3\xa9-1"};
  const std::vector<std::uint64_t> sizes = {0, 1, 150, 1000, 10000};
  std::vector<std::string> input;
  std::vector<std::string> mine;
  for (const auto& h : headers) {
    for (auto size : sizes) {
      for (bool combine : {false, true}) {
        input.push_back("[\"range\"," + std::to_string(size) + "," + testing::jsonBytes(h) + "," +
                        (combine ? "true" : "false") + "]");
        mine.push_back(render(parseRange(size, h, {.combine = combine})));
      }
    }
  }
  const auto expected = testing::runOracle("nodexx/web/testdata/files_oracle/pure.js", input);
  ASSERT_EQ(expected.size(), input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(mine[i], expected[i]) << "case " << input[i];
  }
}

}  // namespace
}  // namespace nx::web
