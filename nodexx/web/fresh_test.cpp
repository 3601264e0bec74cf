// SPDX-License-Identifier: MIT
#include "nodexx/web/fresh.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "nodexx/http/headers.hpp"
#include "nodexx/web/testdata/files_oracle/oracle.hpp"

namespace nx::web {
namespace {

constexpr std::string_view kDate = "Sun, 06 Nov 1994 08:49:37 GMT";

TEST(FreshTest, WithoutConditionalFieldsIsStale) {
  EXPECT_FALSE(fresh(FreshRequestFields{}, FreshResponseFields{.etag = "\"a\""}));
}

TEST(FreshTest, IfNoneMatchUsesWeakComparison) {
  EXPECT_TRUE(fresh({.ifNoneMatch = "\"foo\""}, {.etag = "\"foo\""}));
  EXPECT_TRUE(fresh({.ifNoneMatch = "W/\"foo\""}, {.etag = "\"foo\""}));
  EXPECT_TRUE(fresh({.ifNoneMatch = "\"foo\""}, {.etag = "W/\"foo\""}));
  EXPECT_TRUE(fresh({.ifNoneMatch = "\"bar\" ,  \"foo\""}, {.etag = "\"foo\""}));
  EXPECT_FALSE(fresh({.ifNoneMatch = "\"bar\""}, {.etag = "\"foo\""}));
  EXPECT_FALSE(fresh({.ifNoneMatch = "\"foo\""}, {}));
}

TEST(FreshTest, StarMatchesAnyRepresentationEvenWithoutETag) {
  EXPECT_TRUE(fresh({.ifNoneMatch = "*"}, {}));
  // Only the whole value is the wildcard, as in the package.
  EXPECT_FALSE(fresh({.ifNoneMatch = " *"}, {.etag = "\"x\""}));
}

TEST(FreshTest, IfNoneMatchWinsOverIfModifiedSince) {
  EXPECT_FALSE(fresh({.ifNoneMatch = "\"bar\"", .ifModifiedSince = kDate},
                     {.etag = "\"foo\"", .lastModified = kDate}));
}

TEST(FreshTest, IfModifiedSinceComparesDates) {
  EXPECT_TRUE(fresh({.ifModifiedSince = kDate}, {.lastModified = kDate}));
  EXPECT_TRUE(fresh({.ifModifiedSince = "Mon, 07 Nov 1994 08:49:37 GMT"}, {.lastModified = kDate}));
  EXPECT_FALSE(
      fresh({.ifModifiedSince = "Sat, 05 Nov 1994 08:49:37 GMT"}, {.lastModified = kDate}));
  EXPECT_FALSE(fresh({.ifModifiedSince = kDate}, {}));
  EXPECT_FALSE(fresh({.ifModifiedSince = "garbage"}, {.lastModified = kDate}));
  EXPECT_FALSE(fresh({.ifModifiedSince = kDate}, {.lastModified = "garbage"}));
}

TEST(FreshTest, NoCacheRequestIsNeverFresh) {
  EXPECT_FALSE(fresh({.ifNoneMatch = "\"a\"", .cacheControl = "no-cache"}, {.etag = "\"a\""}));
  EXPECT_FALSE(
      fresh({.ifNoneMatch = "\"a\"", .cacheControl = "max-age=0, no-cache"}, {.etag = "\"a\""}));
  EXPECT_TRUE(fresh({.ifNoneMatch = "\"a\"", .cacheControl = "max-age=0"}, {.etag = "\"a\""}));
  EXPECT_TRUE(fresh({.ifNoneMatch = "\"a\"", .cacheControl = "no-cachex"}, {.etag = "\"a\""}));
}

TEST(FreshTest, HeadersOverloadReadsFieldsCaseInsensitively) {
  http::Headers req{{"If-None-Match", "\"a\""}};
  http::Headers res{{"ETag", "W/\"a\""}};
  EXPECT_TRUE(fresh(req, res));
  res.set("ETag", "\"b\"");
  EXPECT_FALSE(fresh(req, res));
}

TEST(HttpDateTest, ParsesTheThreeHttpFormatsAndIso) {
  EXPECT_EQ(parseHttpDate(kDate), 784111777000);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), 784111777000);
  EXPECT_EQ(parseHttpDate("1994-11-06T08:49:37Z"), 784111777000);
  EXPECT_EQ(parseHttpDate("1994-11-06T09:49:37.000+01:00"), 784111777000);
  EXPECT_EQ(parseHttpDate("1970-01-01"), 0);
}

TEST(HttpDateTest, RejectsNonDates) {
  for (std::string_view bad : {"", "x", "Sun, 32 Nov 1994 08:49:37 GMT",
                               "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                               "1994-13-01", "Sun, 06 Nov 1994 25:00:00 GMT", "12345678"}) {
    EXPECT_EQ(parseHttpDate(bad), std::nullopt) << bad;
  }
}

TEST(HttpDateTest, FormatsAsToUTCString) {
  EXPECT_EQ(formatHttpDate(784111777000), kDate);
  EXPECT_EQ(formatHttpDate(784111777999), kDate);
  EXPECT_EQ(formatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(formatHttpDate(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(formatHttpDate(951782400000), "Tue, 29 Feb 2000 00:00:00 GMT");
}

std::string nullable(std::optional<std::string_view> v) {
  return v ? testing::jsonBytes(*v) : "null";
}

TEST(FreshTest, MatchesTheFreshPackage) {
  if (auto why = testing::oracleUnavailable(); !why.empty()) GTEST_SKIP() << why;
  using O = std::optional<std::string_view>;
  const std::vector<O> inm = {std::nullopt,
                              "",
                              "*",
                              "\"a\"",
                              "W/\"a\"",
                              "\"b\", \"a\"",
                              "\"b\",\"a\" ",
                              " \"a\"",
                              "\"b\"",
                              "\"a\",",
                              ",\"a\"",
                              "W/\"b\", W/\"a\"",
                              "a",
                              " *",
                              "*, \"a\""};
  const std::vector<O> ims = {std::nullopt,
                              "",
                              std::string_view(kDate),
                              "Mon, 07 Nov 1994 08:49:37 GMT",
                              "Sat, 05 Nov 1994 08:49:37 GMT",
                              "junk"};
  const std::vector<O> cc = {std::nullopt,         "no-cache",           " no-cache ",
                             "max-age=0,no-cache", "no-cache,max-age=0", "no-cachex",
                             "xno-cache",          "no-store",           "\tno-cache"};
  const std::vector<O> tags = {std::nullopt, "\"a\"", "W/\"a\"", "\"b\""};
  const std::vector<O> lms = {std::nullopt, std::string_view(kDate),
                              "Mon, 07 Nov 1994 08:49:37 GMT", "junk"};
  std::vector<std::string> input;
  std::vector<std::string> mine;
  auto add = [&](O a, O b, O c, O d, O e) {
    input.push_back("[\"fresh\"," + nullable(a) + "," + nullable(b) + "," + nullable(c) + "," +
                    nullable(d) + "," + nullable(e) + "]");
    const bool f = fresh(FreshRequestFields{a.value_or(""), b.value_or(""), c.value_or("")},
                         FreshResponseFields{d.value_or(""), e.value_or("")});
    mine.push_back(f ? "true" : "false");
  };
  for (auto& a : inm)
    for (auto& d : tags) add(a, std::nullopt, std::nullopt, d, std::nullopt);
  for (auto& b : ims)
    for (auto& e : lms) add(std::nullopt, b, std::nullopt, std::nullopt, e);
  for (auto& c : cc) {
    add("\"a\"", std::nullopt, c, "\"a\"", std::nullopt);
    add(std::nullopt, kDate, c, std::nullopt, kDate);
  }
  for (auto& a : inm)
    for (auto& b : ims) add(a, b, std::nullopt, "\"a\"", kDate);

  // Date.parse on the forms parseHttpDate reads, and on near misses.
  const std::vector<std::string_view> dates = {kDate,
                                               "Sunday, 06-Nov-94 08:49:37 GMT",
                                               "Sun Nov  6 08:49:37 1994",
                                               "Sun, 06 Nov 1994 08:49:37",
                                               "Sun, 6 Nov 1994 08:49:37 GMT",
                                               "sun, 06 nov 1994 08:49:37 gmt",
                                               "Thu, 01 Jan 1970 00:00:00 GMT",
                                               "Tue, 29 Feb 2000 23:59:59 GMT",
                                               "Wed, 31 Dec 9999 23:59:59 GMT",
                                               "Fri, 06-Nov-20 01:02:03 GMT",
                                               "Fri, 06-Nov-69 01:02:03 GMT",
                                               "1994-11-06T08:49:37Z",
                                               "1994-11-06T08:49:37.5Z",
                                               "1994-11-06T08:49:37.123456Z",
                                               "1994-11-06",
                                               "1994-11",
                                               "1994",
                                               "1994-11-06T08:49Z",
                                               "1994-11-06T08:49:37+05:30",
                                               "1994-11-06T24:00:00Z",
                                               "  Sun, 06 Nov 1994 08:49:37 GMT  ",
                                               "Sun Nov 6 08:49:37 1994",
                                               "Sun, 06 Nov 1994 08:49 GMT",
                                               "Sun, 06 Nov 1994 08:49:37 UTC",
                                               "Sun, 06 Nov 1994 08:49:37 UT",
                                               "Sun, 31 Nov 1994 08:49:37 GMT",
                                               "Sun, 00 Nov 1994 08:49:37 GMT",
                                               "1994-02-30",
                                               "garbage",
                                               ""};
  for (auto d : dates) {
    input.push_back("[\"date\"," + testing::jsonBytes(d) + "]");
    const auto t = parseHttpDate(d);
    mine.push_back(t ? std::to_string(*t) : "null");
  }
  for (std::int64_t ms : {0LL, 784111777000LL, -1LL, 951782400000LL, 253402300799999LL,
                          -62135596800000LL, 1700000000123LL}) {
    input.push_back("[\"utc\"," + std::to_string(ms) + "]");
    mine.push_back(testing::jsonBytes(formatHttpDate(ms)));
  }

  const auto expected = testing::runOracle("nodexx/web/testdata/files_oracle/pure.js", input);
  ASSERT_EQ(expected.size(), input.size());
  std::size_t dateMismatches = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    EXPECT_EQ(mine[i], expected[i]) << "case " << input[i];
    if (mine[i] != expected[i] && input[i].starts_with("[\"date\"")) ++dateMismatches;
  }
  EXPECT_EQ(dateMismatches, 0u);
}

}  // namespace
}  // namespace nx::web
