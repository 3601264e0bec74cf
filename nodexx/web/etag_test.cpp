// SPDX-License-Identifier: MIT
#include "nodexx/web/etag.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodexx/fs/fs.hpp"
#include "nodexx/web/testdata/files_oracle/oracle.hpp"

namespace nx::web {
namespace {

TEST(ETagTest, EmptyBodyHasThePackagesFixedTag) {
  EXPECT_EQ(etag(""), "\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
  EXPECT_EQ(etag("", {.weak = true}), "W/\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
}

TEST(ETagTest, BodyTagIsLengthHexAndTruncatedSha1Base64) {
  // sha1("Hello, World!") = 0a0a9f2a6772942557ab5355d76af442f8f65e01, base64
  // CgqfKmdylCVXq1NV12r0Qvj2XgE=
  EXPECT_EQ(etag("Hello, World!"), "\"d-CgqfKmdylCVXq1NV12r0Qvj2XgE\"");
  const ETag weak = etag("Hello, World!", {.weak = true});
  EXPECT_TRUE(weak.weak());
  EXPECT_EQ(weak.str(), "W/\"d-CgqfKmdylCVXq1NV12r0Qvj2XgE\"");
}

TEST(ETagTest, BodyTagsAreStrongByDefaultAndStatTagsWeak) {
  EXPECT_FALSE(etag("x").weak());
  fs::Stats st;
  st.size = 1234;
  st.mtimeMs = 1700000000123.25;
  EXPECT_EQ(etag(st), "W/\"4d2-18bcfe5687b\"");
  EXPECT_EQ(etag(st, {.weak = false}), "\"4d2-18bcfe5687b\"");
}

TEST(ETagTest, StatTagRoundsMillisecondsAsNodeAndWritesNegativeTimesWithSign) {
  EXPECT_EQ(statTag(0, 0.4), "W/\"0-0\"");
  EXPECT_EQ(statTag(0, 0.5), "W/\"0-1\"");
  EXPECT_EQ(statTag(16, -1.5), "W/\"10--1\"");
  EXPECT_EQ(statTag(16, -1.6), "W/\"10--2\"");
  EXPECT_EQ(statTag(~std::uint64_t{0}, 8.64e15, false), "\"ffffffffffffffff-1eb208c2dc0000\"");
}

TEST(ETagTest, LargestTagFitsInline) {
  const std::string big(100000, 'a');
  const ETag t = etag(big, {.weak = true});
  EXPECT_EQ(t.view().size(), 2 + 1 + 5 + 1 + 27 + 1u);
  EXPECT_LE(t.view().size(), ETag::kMaxSize);
}

TEST(ETagTest, MatchesTheEtagPackage) {
  if (auto why = testing::oracleUnavailable(); !why.empty()) GTEST_SKIP() << why;
  std::vector<std::string> bodies = {"",
                                     "a",
                                     "Hello, World!",
                                     std::string(1, '\0'),
                                     std::string("\xff\xfe\x80", 3),
                                     std::string(70000, 'z'),
                                     "{\"json\":true}",
                                     "caf\xc3\xa9"};
  struct Stat {
    std::uint64_t size;
    double mtime;
  };
  std::vector<Stat> stats = {{0, 0},
                             {1, 1},
                             {4096, 1700000000123.0},
                             {123456789, 1.5},
                             {1ull << 40, 253402300799000.0},
                             {7, -86400000.0}};
  std::vector<std::string> input;
  std::vector<std::string> mine;
  for (const auto& b : bodies) {
    for (int weak = -1; weak <= 1; ++weak) {
      const std::string w = weak < 0 ? "null" : weak ? "true" : "false";
      input.push_back("[\"etag\"," + testing::jsonBytes(b) + "," + w + "]");
      const ETag t = weak < 0 ? etag(b) : etag(b, {.weak = weak == 1});
      mine.push_back(t.str());
    }
  }
  for (const auto& s : stats) {
    for (int weak = -1; weak <= 1; ++weak) {
      const std::string w = weak < 0 ? "null" : weak ? "true" : "false";
      char num[64];
      std::snprintf(num, sizeof num, "%.17g", s.mtime);
      input.push_back("[\"stat\"," + std::to_string(s.size) + "," + num + "," + w + "]");
      fs::Stats st;
      st.size = s.size;
      st.mtimeMs = s.mtime;
      const ETag t = weak < 0 ? etag(st) : etag(st, {.weak = weak == 1});
      mine.push_back(t.str());
    }
  }
  const auto expected = testing::runOracle("nodexx/web/testdata/files_oracle/pure.js", input);
  ASSERT_EQ(expected.size(), input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(testing::jsonBytes(mine[i]), expected[i]) << "case " << input[i];
  }
}

}  // namespace
}  // namespace nx::web
