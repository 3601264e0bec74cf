// SPDX-License-Identifier: MIT
#include "nodexx/http/status.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "nodexx/http/errors.hpp"

namespace nx::http {
namespace {

TEST(StatusTest, KnownCodesHaveNodesReasonPhrases) {
  EXPECT_EQ(statusText(200), "OK");
  EXPECT_EQ(statusText(404), "Not Found");
  EXPECT_EQ(statusText(418), "I'm a Teapot");
  EXPECT_EQ(statusText(431), "Request Header Fields Too Large");
  EXPECT_EQ(statusText(299), "");
  EXPECT_EQ(statusText(-1), "");
}

TEST(StatusTest, TableEqualsNodesStatusCodes) {
  // Node is the reference: every entry of http.STATUS_CODES must match, and nothing else.
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not installed";
  FILE* p = popen(
      "node -e \"for (const [k, v] of Object.entries(require('http').STATUS_CODES)) "
      "console.log(k + '=' + v)\"",
      "r");
  ASSERT_NE(p, nullptr);
  char line[256];
  int seen = 0;
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string l(line);
    l.erase(l.find_last_not_of("\r\n") + 1);
    int code = std::atoi(l.c_str());
    EXPECT_EQ(statusText(code), l.substr(l.find('=') + 1)) << code;
    ++seen;
  }
  pclose(p);
  EXPECT_GT(seen, 60);
  int ours = 0;
  for (int c = 100; c < 600; ++c) ours += statusText(c).empty() ? 0 : 1;
  EXPECT_EQ(ours, seen);
}

TEST(StatusTest, BodylessStatuses) {
  EXPECT_TRUE(statusHasNoBody(100));
  EXPECT_TRUE(statusHasNoBody(204));
  EXPECT_TRUE(statusHasNoBody(304));
  EXPECT_FALSE(statusHasNoBody(200));
  EXPECT_FALSE(isValidStatusCode(99));
  EXPECT_FALSE(isValidStatusCode(1000));
}

TEST(StatusTest, ProblemJsonHasTheOneErrorShape) {
  EXPECT_EQ(problemJson(413, problemCode(413), "too \"big\"\n"),
            R"({"type":"about:blank","title":"Payload Too Large","status":413,)"
            R"("detail":"too \"big\"\u000a","code":"payload_too_large"})");
}

}  // namespace
}  // namespace nx::http
