// SPDX-License-Identifier: MIT
#include "nodexx/web/internal/route_pattern.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/web/internal/route_tree.hpp"

namespace nx::web::detail {
namespace {

// ---- rejected patterns ----

struct Rejection {
  std::string pattern;
  std::size_t position;
  std::string hint;  // a part of the message that tells what to write instead
};

TEST(RoutePatternTest, Express4SyntaxIsRejectedWithWhatToWriteInstead) {
  const std::vector<Rejection> cases = {
      {"/users/:id?", 10, "/users{/:id}"},
      {"/files/*", 8, "/*splat"},
      {"*", 1, "/*splat"},
      {"/user/:id(\\d+)", 9, "regular expressions are not supported"},
      {"/a/:path+", 8, "/*path"},
      {"/a/:", 4, "quote others as :\"name\""},
      {"/a/[b]", 3, "escape it with \\"},
      {"/a!", 2, "escape it with \\"},
      {"/a}", 2, "no { opens this group"},
      {"/a{/b", 2, "close the optional group with }"},
      {"/a\\", 2, "write \\\\"},
      {"/:a:b", 0, "text between them"},
      {"/:\"abc", 2, "close the quoted name"},
  };
  for (const Rejection& c : cases) {
    try {
      (void)compileRoutePattern(c.pattern, false, true);
      ADD_FAILURE() << "accepted: " << c.pattern;
    } catch (const RoutePatternError& e) {
      EXPECT_EQ(e.code(), "ERR_ROUTE_PATTERN") << c.pattern;
      EXPECT_EQ(e.name(), "TypeError");
      EXPECT_EQ(e.position(), c.position) << c.pattern << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.hint), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.pattern), std::string::npos) << e.what();
    }
  }
}

TEST(RoutePatternTest, TooManyAlternativesIsRejected) {
  // 8 independent groups give exactly 256 alternatives, path-to-regexp's limit; 9 give 512.
  std::string ok;
  for (int i = 0; i < 8; ++i) ok += "{/x" + std::to_string(i) + "}";
  EXPECT_EQ(compileRoutePattern(ok, false, true).size(), 256u);
  try {
    (void)compileRoutePattern(ok + "{/y}", false, true);
    ADD_FAILURE() << "accepted 512 alternatives";
  } catch (const RoutePatternError& e) {
    EXPECT_NE(std::string(e.what()).find("Too many path combinations"), std::string::npos);
  }
}

TEST(RoutePatternTest, DeeplyNestedGroupsAreRejectedWithoutExhaustingTheStack) {
  std::string deep(100000, '{');
  deep += std::string(100000, '}');
  EXPECT_THROW((void)compileRoutePattern(deep, false, true), RoutePatternError);
  // 255 levels are 256 alternatives: still accepted, as path-to-regexp does.
  std::string ok = std::string(255, '{') + "a" + std::string(255, '}');
  EXPECT_EQ(compileRoutePattern(ok, false, true).size(), 256u);
}

TEST(RoutePatternTest, GroupsExpandTakenFirstLeftToRight) {
  auto alts = compileRoutePattern("/a{/b}{/c}", true, true);
  ASSERT_EQ(alts.size(), 4u);
  auto text = [](const PatternAlternative& a) {
    std::string s;
    for (const auto& t : a) s += t.text;
    return s;
  };
  EXPECT_EQ(text(alts[0]), "/a/b/c");
  EXPECT_EQ(text(alts[1]), "/a/b");
  EXPECT_EQ(text(alts[2]), "/a/c");
  EXPECT_EQ(text(alts[3]), "/a");
}

TEST(RoutePatternTest, NamesAreIdentifiersOrQuoted) {
  auto alts = compileRoutePattern("/:café_1$/:\"with space\"/:\"q\\\"uote\"/*rest", true, true);
  ASSERT_EQ(alts.size(), 1u);
  std::vector<std::string> names;
  for (const auto& t : alts[0]) {
    if (t.kind != PatternToken::Kind::Text) names.push_back(t.name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"café_1$", "with space", "q\"uote", "rest"}));
  // A name stops at the first character that cannot continue an identifier.
  auto dotted = compileRoutePattern("/:file.json", true, true);
  ASSERT_EQ(dotted[0].size(), 3u);
  EXPECT_EQ(dotted[0][1].name, "file");
  EXPECT_EQ(dotted[0][2].text, ".json");
}

TEST(RoutePatternTest, IdentifierTablesFollowUnicode) {
  EXPECT_TRUE(isIdentifierStart(U'é'));
  EXPECT_TRUE(isIdentifierStart(U'ж'));
  EXPECT_TRUE(isIdentifierStart(U'中'));
  EXPECT_FALSE(isIdentifierStart(U'1'));
  EXPECT_TRUE(isIdentifierPart(U'1'));
  EXPECT_TRUE(isIdentifierPart(0x200C));  // ZWNJ
  EXPECT_FALSE(isIdentifierStart(0x200C));
  EXPECT_FALSE(isIdentifierPart(U'…'));
  EXPECT_FALSE(isIdentifierPart(U'-'));
  EXPECT_FALSE(isIdentifierStart(0x1F600));  // an emoji
}

TEST(RoutePatternTest, LoosenRemovesTrailingSlashesUnlessStrict) {
  EXPECT_EQ(compileRoutePattern("/a//", false, false)[0][0].text, "/a");
  EXPECT_EQ(compileRoutePattern("/a//", false, true)[0][0].text, "/a//");
  EXPECT_EQ(compileRoutePattern("/", false, false)[0][0].text, "/");
  // As router's loosen() works on the pattern string, an escaped final slash leaves a
  // dangling backslash.
  EXPECT_THROW((void)compileRoutePattern("/a\\/", false, false), RoutePatternError);
}

// ---- the path-to-regexp oracle ----

using nx::testing::jsonString;

std::vector<std::string> runOracle(const std::string& json) {
  const nx::testing::TempFile file("nx_route_oracle", json);
  return nx::testing::runNode(
             {.script = "nodexx/web/testdata/route_oracle.js", .args = {file.path()}})
      .lines();
}

struct TableRow {
  std::string pattern;
  std::vector<std::string> paths;
};

// Every row runs under the 8 combinations of route/use, strict and case sensitivity.
std::vector<TableRow> table();

std::vector<TableRow> table() {
  const std::string longSegment(3000, 'x');
  std::string longPath;
  for (int i = 0; i < 300; ++i) longPath += "/seg" + std::to_string(i);
  return {
      // Static text, trailing slashes, empty segments, prefixes.
      {"/", {"", "/", "//", "/a", "/a/", "/A"}},
      {"", {"", "/", "/a", "a"}},
      {"//", {"", "/", "//", "///", "/a"}},
      {"/users",
       {"/users", "/users/", "/Users", "/USERS/", "/users//", "/usersx", "/users/1", "/user", "",
        "users"}},
      {"/users/", {"/users", "/users/", "/users//", "/users/x", "/Users/X"}},
      {"/users//", {"/users", "/users/", "/users//", "/users///"}},
      {"/a/b/c", {"/a/b/c", "/a/b/c/", "/a/b", "/a/b/cd", "/a/b/c/d", "/A/B/C", "/a/b/c//"}},
      {"/a//b", {"/a//b", "/a/b", "/a//b/", "/a//b/c"}},
      {"/api/v1", {"/api/v1", "/api/v1/", "/api/v1/users", "/api/v12", "/api", "/API/V1/x"}},
      {"/ABC", {"/abc", "/ABC", "/aBc", "/abc/"}},
      {"/a.b", {"/a.b", "/axb", "/a.b/c", "/A.B"}},
      {"/a b", {"/a b", "/a%20b", "/a  b"}},
      {"/%2F", {"/%2F", "/%2f", "//", "/%2F/x"}},
      {"/a-b_c~d", {"/a-b_c~d", "/A-B_C~D"}},
      // Parameters.
      {"/users/:id",
       {"/users/1", "/users/1/", "/users/", "/users", "/users/1/2", "/users/%2F", "/users/a%2Fb",
        "/users/ABC", "/Users/ABC", "/users/1//", "/users//1", "/users/.", "/users/.."}},
      {"/:a/:b", {"/x/y", "/x/y/", "/x", "/x//y", "/x/y/z", "//y", "/X/Y"}},
      {"/users/:id/posts/:postId",
       {"/users/1/posts/2", "/users/1/posts", "/users/1/posts/2/x", "/users/1/posts/2/"}},
      {"/:id", {"/", "/a", "/a.b", "/%E2%82%AC", "/€", "/a/", "/a/b", "", "/a%2Fb"}},
      {"/:file.:ext",
       {"/a.b", "/a.b.c", "/a..b", "/.b", "/a.", "/abc", "/a.b/", "/a.b/c", "/..", "/..."}},
      {"/:a-:b", {"/a-b", "/a-b-c", "/a--b", "/-a", "/ab-", "/a-b/", "/a-b/c", "/---"}},
      {"/:a-:b-:c", {"/1-2-3", "/1-2-3-4", "/1--2-3", "/1-2", "/-1-2-3"}},
      {"/:a.:b.:c", {"/1.2.3", "/1.2.3.4", "/a..b.c", "/1.2"}},
      {"/flights/:from-:to",
       {"/flights/LAX-SFO", "/flights/LAX-SFO-JFK", "/flights/LAX", "/flights/-SFO"}},
      {"/:a-x-:b", {"/1-x-2", "/1-x-x-2", "/1-x-2-x-3", "/-x-", "/a-x-"}},
      {"/:a{-:b}", {"/x", "/x-y", "/x-y-z", "/x-", "/-x", "/x-y/"}},
      {"/:x\\::y", {"/a:b", "/a:b:c", "/a:", "/:b"}},
      {"/:\"quoted name\"", {"/v", "/v/w"}},
      {"/:\"a\\\"b\"/:c", {"/1/2"}},
      {"/:café", {"/x", "/café"}},
      {"/café/:id", {"/café/1", "/caf%C3%A9/1", "/café/1/"}},
      {"/:a/:a", {"/1/2", "/1"}},
      {"/:Name", {"/Value", "/VALUE"}},
      {"/:$x_1", {"/v"}},
      {"/user:id", {"/user1", "/user", "/userabc/", "/USER1"}},
      {"/:a.json", {"/x.json", "/x.JSON", "/.json", "/x.json.json", "/x.jsonx"}},
      {"/:a:b", {"/x"}},
      {"/:a{:b}", {"/x"}},
      {"/a{:b}:c", {"/ax"}},
      // Wildcards.
      {"/*path", {"/", "/a", "/a/b/c", "/a/b/c/", "/a//b", "//", "", "/a%2Fb"}},
      {"/files/*path",
       {"/files", "/files/", "/files/a", "/files/a/b.txt", "/files/a/b/", "/FILES/A/B"}},
      {"/*path/edit",
       {"/a/edit", "/a/b/edit", "/edit", "/a/edit/", "/a/edit/edit", "//edit", "/a/edit/x"}},
      {"/*a/*b", {"/x/y", "/x/y/z", "/x", "/x/", "/x//y"}},
      {"/*a.*b", {"/x.y", "/x.y.z", "/x/y.z", "/x.y/z", "/.y", "/x."}},
      {"/*a/:b", {"/x/y", "/x/y/z", "/x/y/", "/x"}},
      {"/:a/*b", {"/x/y", "/x/y/z", "/x", "/x/"}},
      {"/*a-:b", {"/x-y", "/x-y-z", "/x/y-z", "/x-y/z", "/-y"}},
      {"/:a-*b", {"/x-y", "/x-y/z", "/x-y-z", "/x-", "/-y"}},
      {"/*a/x/*b", {"/1/x/2", "/1/x/2/x/3", "/x/x/x", "/1/x/"}},
      {"/*a/x/:b/*c", {"/1/x/2/3", "/1/x/2/x/3/4", "/x/x/x/x"}},
      {"/*a-*b", {"/x-y", "/x-y-z", "/x-y/z-w"}},
      {"{/*path}", {"", "/", "/a/b", "//"}},
      {"*path", {"/a", "a", "", "/"}},
      {"/a*b", {"/ab", "/a", "/abc/d", "/a/b", "/A"}},
      {"/*\"a b\"", {"/x/y"}},
      {"/*a*b", {"/xy"}},
      {"/*a:b", {"/xy"}},
      // Optional groups.
      {"/users{/:id}", {"/users", "/users/", "/users/1", "/users/1/", "/users/1/2", "/usersx"}},
      {"/file{.:ext}", {"/file", "/file.txt", "/file.tar.gz", "/file.", "/filex"}},
      {"/:file{.:ext}", {"/a", "/a.b", "/a.b.c", "/.a", "/a.", "/a..b", "/a.b/"}},
      {"/a{/b{/c}}", {"/a", "/a/b", "/a/b/c", "/a/c", "/a/b/c/d"}},
      {"{/:a}{/:b}", {"", "/", "/x", "/x/y", "/x/y/z", "//"}},
      {"/a{/b}{/c}", {"/a", "/a/b", "/a/c", "/a/b/c", "/a/c/b"}},
      {"/{a}", {"/", "/a", "", "/b"}},
      {"/books{/:author}/:title", {"/books/x", "/books/x/y", "/books/x/y/z", "/books"}},
      {"/test{/}", {"/test", "/test/", "/test//", "/test/x"}},
      {"{}", {"", "/", "/a"}},
      {"/x{}", {"/x", "/x/"}},
      {"/a{-:b}{.:c}", {"/a", "/a-1", "/a.2", "/a-1.2", "/a.2-1"}},
      {"/:a{/*b}", {"/x", "/x/y/z", "/x/"}},
      {"{/:lang}/docs{/*page}", {"/docs", "/en/docs", "/en/docs/a/b", "/docs/a", "/en/fr/docs"}},
      // Escapes and reserved characters.
      {"/\\(paren\\)", {"/(paren)", "/paren"}},
      {"/a\\*b", {"/a*b", "/axb"}},
      {"/\\:id", {"/:id", "/1"}},
      {"/a\\{b\\}", {"/a{b}", "/ab"}},
      {"/a\\+b", {"/a+b", "/aab"}},
      {"/a\\?", {"/a?", "/a"}},
      {"/a\\\\b", {"/a\\b"}},
      {"/price$", {"/price$", "/price"}},
      {"/:id?", {"/1"}},
      {"/*", {"/1"}},
      {"/(.*)", {"/1"}},
      {"/a[b]", {"/ab"}},
      {"/a!", {"/a!"}},
      {"/a}", {"/a}"}},
      {"{", {"/"}},
      {"/\\", {"/"}},
      {"/:", {"/"}},
      {"/:1", {"/1"}},
      {"/:\"\"", {"/"}},
      {"/:\"open", {"/"}},
      {"/:a+", {"/1"}},
      {"/:-", {"/1"}},
      // Unicode text and values (the same case: JavaScript's `i` also folds non-ASCII letters).
      {"/ñ/:x", {"/ñ/1", "/ñ/ü", "/n/1"}},
      {"/日本/:x", {"/日本/語", "/日本", "/日本/"}},
      {"/:x", {"/日本", "/😀", "/a😀b"}},
      {"/:x-é-:y", {"/a-é-b", "/a-é-b-é-c", "/a-e-b"}},
      {"/*a€", {"/x€", "/x/y€", "/€"}},
      {"/:a…b", {"/x…b", "/xb", "/x…"}},
      {"/:日本", {"/v"}},
      {"/:a\u200Cb", {"/v"}},
      {"/:😀", {"/x"}},
      {"/:ǅx", {"/v"}},
      // Long paths.
      {"/*path", {longPath, longPath + "/"}},
      {"/:a", {"/" + longSegment, "/" + longSegment + "/"}},
      {"/seg0/*rest", {longPath}},
      {"/:a-:b", {"/" + longSegment + "-y", "/" + longSegment}},
      // Odd bytes in paths.
      {"/a/:b", {"/a/b?c", "/a/b#c", "/a/b;c", "/a/b\tc", "/a/%", "/a/%zz"}},
  };
}

std::string mine(const RouteTree& tree, const std::string& path) {
  MatchSet set;
  tree.match(path, set);
  if (set.matches.empty()) return "NO";
  const Match& m = set.matches[0];
  std::vector<std::pair<std::string, std::string>> params;
  for (std::uint32_t i = 0; i < m.paramCount; ++i) {
    const Param& p = set.params[m.firstParam + i];
    params.emplace_back(std::string(p.name), std::string(p.value));
  }
  std::sort(params.begin(), params.end());
  std::string out = "YES " + std::to_string(m.matchedLength) + " [";
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += ",";
    out += "[" + jsonString(params[i].first) + "," + jsonString(params[i].second) + "]";
  }
  return out + "]";
}

// Runs `rows` under the 8 combinations of route/use, strict and case sensitivity through
// node and through RouteTree; returns the number of path comparisons made (0 when skipped).
std::size_t compareWithNode(const std::vector<TableRow>& rows) {
  const std::vector<TableRow>& table = rows;
  std::string json = "[";
  std::size_t cases = 0;
  for (const TableRow& row : table) {
    for (int variant = 0; variant < 8; ++variant) {
      const bool end = variant & 1, strict = variant & 2, sensitive = variant & 4;
      if (cases++) json += ",";
      json += "[" + jsonString(row.pattern) + "," + (end ? "true" : "false") + "," +
              (strict ? "true" : "false") + "," + (sensitive ? "true" : "false") + ",[";
      for (std::size_t i = 0; i < row.paths.size(); ++i) {
        json += (i ? "," : "") + jsonString(row.paths[i]);
      }
      json += "]]";
    }
  }
  json += "]";
  const std::vector<std::string> expected = runOracle(json);
  EXPECT_FALSE(expected.empty()) << "node printed nothing";
  if (expected.empty()) return 0;

  std::size_t line = 0, failures = 0, compared = 0, rejected = 0, matched = 0;
  for (const TableRow& row : table) {
    for (int variant = 0; variant < 8; ++variant) {
      const bool end = variant & 1, strict = variant & 2, sensitive = variant & 4;
      const std::string where = "pattern " + jsonString(row.pattern) + (end ? " route" : " use") +
                                (strict ? " strict" : "") + (sensitive ? " sensitive" : "");
      RouteTree tree({.caseSensitive = sensitive, .strict = strict});
      bool accepted = true;
      try {
        tree.add(row.pattern, end ? MatchKind::Exact : MatchKind::Prefix, 7);
      } catch (const RoutePatternError&) {
        accepted = false;
      }
      if (line >= expected.size()) {
        ADD_FAILURE() << "node printed fewer lines than expected";
        return compared;
      }
      if (!accepted || expected[line] == "REJECT") {
        ++rejected;
        EXPECT_EQ(accepted ? "ACCEPT" : "REJECT", expected[line]) << where;
        line += expected[line] == "REJECT" ? 1 : row.paths.size();
        continue;
      }
      for (const std::string& path : row.paths) {
        if (line >= expected.size()) {
          ADD_FAILURE() << "node printed fewer lines than expected";
          return compared;
        }
        const std::string got = mine(tree, path);
        ++compared;
        if (expected[line].rfind("YES", 0) == 0) ++matched;
        if (got != expected[line] && ++failures <= 50) {
          ADD_FAILURE() << where << " path " << jsonString(path) << "\n  node:   " << expected[line]
                        << "\n  nodexx: " << got;
        }
        ++line;
      }
    }
  }
  EXPECT_EQ(line, expected.size());
  EXPECT_EQ(failures, 0u);
  std::printf(
      "route oracle: %zu patterns x 8 option sets, %zu path comparisons (%zu matches), %zu "
      "rejections\n",
      table.size(), compared, matched, rejected);
  return compared;
}

bool oracleAvailable() {
  return std::filesystem::exists(nx::testing::npmModules() / "path-to-regexp") &&
         nx::testing::hasNode();
}

constexpr const char* kSkipMessage =
    "bench/node_modules (npm ci --prefix bench) or node is missing; skipping the "
    "path-to-regexp oracle";

TEST(RoutePatternOracleTest, TableMatchesPathToRegexp8AsExpressRouterUsesIt) {
  if (!oracleAvailable()) GTEST_SKIP() << kSkipMessage;
  EXPECT_GT(compareWithNode(table()), 2000u);
}

// Random patterns and paths from a small alphabet rich in the characters that drive
// path-to-regexp's backtracking rules. The seed is fixed: a failure reproduces.
std::vector<TableRow> randomRows(std::size_t count) {
  std::mt19937 rng(20260522);
  auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  };
  const std::vector<std::string> pieces = {
      "/",  "/", "/", "-",  ".",  "a",   "b",    "A",      "x", ":p", ":q", ":p", "*w",
      "*v", "{", "}", "{/", "{.", "\\.", "/:id", "/*rest", "é", "~",  "//", "\\:"};
  const std::vector<std::string> chars = {"/", "/",  "-",   ".", "a", "b", "A",
                                          "x", "ab", "%2F", "é", "~", ":", "//"};
  std::vector<TableRow> rows;
  for (std::size_t i = 0; i < count; ++i) {
    TableRow row;
    const int n = std::uniform_int_distribution<int>(1, 7)(rng);
    int open = 0;
    for (int k = 0; k < n; ++k) {
      std::string piece = pick(pieces);
      if (piece[0] == '{') ++open;
      if (piece == "}") {
        if (open == 0) continue;
        --open;
      }
      row.pattern += piece;
    }
    // Mostly valid patterns: close what is open, except now and then.
    if (rng() % 8 != 0) row.pattern += std::string(static_cast<std::size_t>(open), '}');
    // Paths: the pattern with groups and captures filled in at random, and pure noise.
    for (int k = 0; k < 10; ++k) {
      std::string path;
      if (k < 6) {
        bool skip = false;
        int depth = 0, skipDepth = 0;
        for (std::size_t c = 0; c < row.pattern.size(); ++c) {
          const char ch = row.pattern[c];
          if (ch == '{') {
            ++depth;
            if (!skip && rng() % 2) {
              skip = true;
              skipDepth = depth;
            }
            continue;
          }
          if (ch == '}') {
            if (skip && depth == skipDepth) skip = false;
            --depth;
            continue;
          }
          if (skip) continue;
          if (ch == '\\' && c + 1 < row.pattern.size()) {
            path += row.pattern[++c];
            continue;
          }
          if (ch == ':' || ch == '*') {
            while (c + 1 < row.pattern.size() &&
                   std::isalnum(static_cast<unsigned char>(row.pattern[c + 1]))) {
              ++c;
            }
            const int len = std::uniform_int_distribution<int>(0, 3)(rng);
            for (int j = 0; j < len; ++j) path += pick(chars);
            continue;
          }
          path += ch;
        }
      } else {
        const int len = std::uniform_int_distribution<int>(0, 8)(rng);
        for (int j = 0; j < len; ++j) path += pick(chars);
      }
      if (rng() % 4 == 0) path += "/";
      row.paths.push_back(std::move(path));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

TEST(RoutePatternOracleTest, RandomPatternsMatchPathToRegexp8) {
  if (!oracleAvailable()) GTEST_SKIP() << kSkipMessage;
  EXPECT_GT(compareWithNode(randomRows(600)), 10000u);
}

}  // namespace
}  // namespace nx::web::detail
