// SPDX-License-Identifier: MIT
#include "nodexx/web/vary.hpp"

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web {
namespace {

TEST(VaryTest, AppendsToEmptyAndExistingHeaders) {
  EXPECT_EQ(varyAppend("", "Accept"), "Accept");
  EXPECT_EQ(varyAppend("Accept", "Origin"), "Accept, Origin");
  EXPECT_EQ(varyAppend("Accept", "Origin, User-Agent"), "Accept, Origin, User-Agent");
}

TEST(VaryTest, SkipsNamesAlreadyPresentIgnoringCase) {
  EXPECT_EQ(varyAppend("Accept, Origin", "origin"), "Accept, Origin");
  EXPECT_EQ(varyAppend("", "Accept, accept"), "Accept");
}

TEST(VaryTest, StarWins) {
  EXPECT_EQ(varyAppend("*", "Accept"), "*");
  EXPECT_EQ(varyAppend("Accept", "*"), "*");
  EXPECT_EQ(varyAppend("Accept, *", "Origin"), "*");
}

TEST(VaryTest, InvalidFieldNamesThrowWithCode) {
  for (std::string_view bad : {"", "a b", "a,,b", "Accept\r\nX: y", "a:"}) {
    try {
      varyAppend("", bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const SystemError& e) {
      EXPECT_EQ(e.code(), "ERR_INVALID_ARG_VALUE");
    }
  }
}

TEST(VaryOracle, MatchesTheNpmPackage) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::string> headers = {
      "",  "Accept", "accept, origin", "*", "Accept, *", "  Accept  ,Origin", "a,,b", "A, B ,C",
      ",", " ",      "Accept,"};
  const std::vector<std::string> fields = {
      "Accept",   "accept",      "Origin, User-Agent",     "*",        "a, *", "",  "a b", "a,,b",
      " Accept ", "X-Foo,x-foo", "Accept,Accept-Encoding", "b, a , c", "a:b",  ",", "ä"};
  json::Array cases;
  std::vector<std::string> mine;
  for (const auto& h : headers) {
    for (const auto& f : fields) {
      cases.push_back(json::Object{{"header", h}, {"field", f}});
      json::Value r;
      try {
        r = varyAppend(h, f);
      } catch (const SystemError& e) {
        r = json::Object{{"error", std::string(e.what())}};
      }
      mine.push_back(testutil::jsJson(r));
    }
  }
  testutil::expectSameAsNode("util_vary.js", json::Value(cases), mine);
}

}  // namespace
}  // namespace nx::web
