// SPDX-License-Identifier: MIT
#include "nodexx/web/mime.hpp"

#include <gtest/gtest.h>

#include "nodexx/web/testdata/util_oracle.hpp"

namespace nx::web::mime {
namespace {

TEST(MimeTest, LookupByExtensionPathOrName) {
  EXPECT_EQ(lookup("json"), "application/json");
  EXPECT_EQ(lookup(".HTML"), "text/html");
  EXPECT_EQ(lookup("dir/file.tar.gz"), "application/gzip");
  EXPECT_EQ(lookup("/a/b/c.png"), "image/png");
  EXPECT_FALSE(lookup(""));
  EXPECT_FALSE(lookup("noextension/"));
  EXPECT_FALSE(lookup("file.unknownext"));
}

TEST(MimeTest, ConflictingExtensionsFollowMimeScore) {
  // mime-types 3 scores the candidates (source, facet, top-level type, length).
  EXPECT_EQ(lookup("mp4"), "video/mp4");
  EXPECT_EQ(lookup("rtf"), "application/rtf");
  EXPECT_EQ(lookup("xml"), "application/xml");
}

TEST(MimeTest, ContentTypeAddsTheCharsetOfTextTypes) {
  EXPECT_EQ(contentType("html"), "text/html; charset=utf-8");
  EXPECT_EQ(contentType("json"), "application/json; charset=utf-8");
  EXPECT_EQ(contentType("png"), "image/png");
  EXPECT_EQ(contentType("text/plain"), "text/plain; charset=utf-8");
  EXPECT_EQ(contentType("text/plain; charset=latin1"), "text/plain; charset=latin1");
  EXPECT_FALSE(contentType("nope"));
  EXPECT_FALSE(contentType(""));
}

TEST(MimeTest, ExtensionAndCharset) {
  EXPECT_EQ(extension("application/json; charset=utf-8"), "json");
  EXPECT_EQ(extension("TEXT/HTML"), "html");
  EXPECT_FALSE(extension("application/x-unknown"));
  EXPECT_EQ(charset("text/x-whatever"), "UTF-8");
  EXPECT_EQ(charset("application/json"), "UTF-8");
  EXPECT_FALSE(charset("image/png"));
}

TEST(MimeOracle, MatchesTheNpmPackage) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const std::vector<std::string> inputs = {"",
                                           "json",
                                           "JSON",
                                           ".json",
                                           "x.json",
                                           "a/b/c.JSON",
                                           "file.tar.gz",
                                           "html",
                                           "htm",
                                           "txt",
                                           "md",
                                           "markdown",
                                           "js",
                                           "mjs",
                                           "css",
                                           "png",
                                           "jpg",
                                           "jpeg",
                                           "svg",
                                           "wasm",
                                           "mp4",
                                           "mp3",
                                           "m4a",
                                           "xml",
                                           "rtf",
                                           "woff",
                                           "woff2",
                                           "ico",
                                           "pdf",
                                           "zip",
                                           "csv",
                                           "yaml",
                                           "yml",
                                           "ts",
                                           "exe",
                                           "bin",
                                           "dir/",
                                           "dir.x/",
                                           "dir.x//",
                                           "..",
                                           ".",
                                           "a.",
                                           ".hidden",
                                           "x/.hidden",
                                           "..json",
                                           "a..json",
                                           "file.unknown",
                                           "text/html",
                                           "TEXT/HTML",
                                           "text/html; charset=latin1",
                                           "application/json",
                                           "application/json ; x=1",
                                           "  text/css",
                                           "text/x-custom",
                                           "application/javascript",
                                           "image/svg+xml",
                                           "application/octet-stream",
                                           "a/b",
                                           "nope",
                                           "text/html;charset=utf-8",
                                           "application/vnd.ms-excel",
                                           "audio/mp4",
                                           "video/mp4",
                                           "application/mp4",
                                           "font/woff",
                                           "application/font-woff",
                                           "text/xml",
                                           "application/xml",
                                           "/",
                                           "//",
                                           "x/y.z/",
                                           "C:\\dir\\f.png",
                                           "f.PNG",
                                           "f.Png",
                                           "caf\xC3\xA9.txt"};
  json::Array cases;
  std::vector<std::string> mine;
  auto opt = [](const auto& o) { return o ? json::Value(std::string(*o)) : json::Value(false); };
  for (const auto& s : inputs) {
    for (std::string_view op : {"lookup", "contentType", "extension", "charset"}) {
      cases.push_back(json::Object{{"op", op}, {"s", s}});
      json::Value r;
      if (op == "lookup") r = opt(lookup(s));
      if (op == "contentType") r = opt(contentType(s));
      if (op == "extension") r = opt(extension(s));
      if (op == "charset") r = opt(charset(s));
      mine.push_back(testutil::jsJson(r));
    }
  }
  testutil::expectSameAsNode("util_mime.js", json::Value(cases), mine);
}

TEST(MimeOracle, EveryExtensionOfTheTableMatches) {
  if (auto why = testutil::oracleUnavailable()) GTEST_SKIP() << *why;
  const auto node = testutil::runOracle("util_mime.js", json::Array{json::Object{{"op", "all"}}});
  ASSERT_EQ(node.size(), 1u);
  const json::Value all = json::parse(node[0]);
  ASSERT_GT(all.size(), 1000u);
  std::size_t failures = 0;
  for (const auto& pair : all.asArray()) {
    const auto ext = pair[std::size_t{0}].asString();
    const auto type = pair[std::size_t{1}].asString();
    if (lookup(ext) != type) {
      ++failures;
      ADD_FAILURE() << ext << ": node " << type << ", nodexx " << lookup(ext).value_or("none");
    }
    const std::string path = "dir/file." + std::string(ext);
    if (lookup(path) != type) ++failures;
  }
  EXPECT_EQ(failures, 0u);
}

}  // namespace
}  // namespace nx::web::mime
