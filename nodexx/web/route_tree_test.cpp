// SPDX-License-Identifier: MIT
#include "nodexx/web/internal/route_tree.hpp"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace nx::web::detail {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The params of match `i` of `set`, as owned strings.
Params paramsOf(const MatchSet& set, std::size_t i) {
  Params out;
  const Match& m = set.matches.at(i);
  for (std::uint32_t k = 0; k < m.paramCount; ++k) {
    const Param& p = set.params.at(m.firstParam + k);
    out.emplace_back(std::string(p.name), std::string(p.value));
  }
  return out;
}

std::vector<std::uint32_t> idsOf(const MatchSet& set) {
  std::vector<std::uint32_t> ids;
  for (const Match& m : set.matches) ids.push_back(m.id);
  return ids;
}

std::vector<std::uint32_t> matchIds(const RouteTree& tree, std::string_view path) {
  MatchSet set;
  tree.match(path, set);
  return idsOf(set);
}

TEST(RouteTreeTest, ParamCapturesOneSegmentRaw) {
  RouteTree tree;
  tree.add("/users/:id", MatchKind::Exact, 0);
  MatchSet set;
  tree.match("/users/caf%C3%A9", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"id", "caf%C3%A9"}}));
  EXPECT_EQ(set.matches[0].matchedLength, 16u);
  EXPECT_FALSE(set.params[0].wildcard);
  EXPECT_TRUE(matchIds(tree, "/users/1/2").empty());
  EXPECT_TRUE(matchIds(tree, "/users/").empty());
}

TEST(RouteTreeTest, OptionalSegmentMatchesWithAndWithout) {
  RouteTree tree;
  tree.add("/users{/:id}", MatchKind::Exact, 3);
  MatchSet set;
  tree.match("/users", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(set.matches[0].paramCount, 0u);
  EXPECT_EQ(set.matches[0].alternative, 1u);
  set.clear();
  tree.match("/users/7", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"id", "7"}}));
  EXPECT_EQ(set.matches[0].alternative, 0u);
}

TEST(RouteTreeTest, WildcardValueIsTheRawRest) {
  RouteTree tree;
  tree.add("/files/*path", MatchKind::Exact, 0);
  MatchSet set;
  tree.match("/files/a/b%2Fc/d.txt", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"path", "a/b%2Fc/d.txt"}}));
  EXPECT_TRUE(set.params[0].wildcard);
  EXPECT_TRUE(matchIds(tree, "/files").empty());
  EXPECT_TRUE(matchIds(tree, "/files/").empty());
}

TEST(RouteTreeTest, EveryMatchingEntryIsReportedInIdOrder) {
  RouteTree tree;
  tree.add("/", MatchKind::Prefix, 0);     // app.use(logger)
  tree.add("/api", MatchKind::Prefix, 1);  // app.use("/api", router)
  tree.add("/api/users/:id", MatchKind::Exact, 2);
  tree.add("/api/users/new", MatchKind::Exact, 3);
  tree.add("/api/*rest", MatchKind::Exact, 4);
  tree.add("/other", MatchKind::Exact, 5);
  tree.add("/api/users/:id", MatchKind::Exact, 6);  // registered twice
  EXPECT_EQ(matchIds(tree, "/api/users/new"), (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 6}));
  EXPECT_EQ(matchIds(tree, "/api/users/9"), (std::vector<std::uint32_t>{0, 1, 2, 4, 6}));
  EXPECT_EQ(matchIds(tree, "/apix"), (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(matchIds(tree, "/other/"), (std::vector<std::uint32_t>{0, 5}));
}

TEST(RouteTreeTest, PrefixMatchedLengthIsWhatTheMountStrips) {
  RouteTree tree;
  tree.add("/api", MatchKind::Prefix, 0);
  tree.add("/", MatchKind::Prefix, 1);
  tree.add("/:tenant", MatchKind::Prefix, 2);
  MatchSet set;
  tree.match("/api/x/y", set);
  ASSERT_EQ(set.matches.size(), 3u);
  EXPECT_EQ(set.matches[0].matchedLength, 4u);  // remainder "/x/y"
  EXPECT_EQ(set.matches[1].matchedLength, 0u);  // use("/") strips nothing
  EXPECT_EQ(set.matches[2].matchedLength, 4u);
  EXPECT_EQ(paramsOf(set, 2), (Params{{"tenant", "api"}}));
  set.clear();
  tree.match("/api/", set);
  ASSERT_EQ(set.matches.size(), 3u);
  EXPECT_EQ(set.matches[0].matchedLength, 5u);       // path-to-regexp takes the final slash
  EXPECT_TRUE(matchIds(tree, "/apix").size() == 2);  // "/" and "/:tenant" only
}

TEST(RouteTreeTest, CaseInsensitiveByDefaultParamsKeepTheirCase) {
  RouteTree tree;
  tree.add("/Users/:Name", MatchKind::Exact, 0);
  MatchSet set;
  tree.match("/uSERS/AliCe", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"Name", "AliCe"}}));

  RouteTree sensitive({.caseSensitive = true});
  sensitive.add("/Users/:Name", MatchKind::Exact, 0);
  EXPECT_TRUE(matchIds(sensitive, "/users/x").empty());
  EXPECT_EQ(matchIds(sensitive, "/Users/x").size(), 1u);
}

TEST(RouteTreeTest, CaseFoldingIsAsciiLettersOnlyAtEveryPosition) {
  // Labels are compared a word at a time: change each byte of a long label in turn, to its
  // other case (matches) and to the neighbours of the letter ranges (does not).
  const std::string label = "/abcdefghijklmnopqrstuvwxyz@[`{-0123456789/";
  auto escaped = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c == '[' || c == '{') out += '\\';
      out += c;
    }
    return out;
  };
  RouteTree tree;
  tree.add(escaped(label), MatchKind::Exact, 0);
  for (std::size_t n = 1; n < label.size(); ++n) {
    RouteTree shorter;
    shorter.add(escaped(label.substr(0, n)), MatchKind::Exact, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::string path = label.substr(0, n);
      const char c = path[i];
      if (c >= 'a' && c <= 'z') {
        path[i] = static_cast<char>(c - 32);
        EXPECT_EQ(matchIds(shorter, path), std::vector<std::uint32_t>{0}) << path;
      }
      for (int flip : {0x20, 0x01, 0x80}) {
        path[i] = static_cast<char>(c ^ flip);
        const bool same = flip == 0x20 && c >= 'a' && c <= 'z';
        EXPECT_EQ(matchIds(shorter, path).size(), same ? 1u : 0u) << path << " " << i;
      }
    }
  }
  EXPECT_EQ(matchIds(tree, "/ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{-0123456789/"),
            std::vector<std::uint32_t>{0});
}

TEST(RouteTreeTest, StrictRoutingDistinguishesTheTrailingSlash) {
  RouteTree loose;
  loose.add("/a/", MatchKind::Exact, 0);
  EXPECT_EQ(matchIds(loose, "/a").size(), 1u);
  EXPECT_EQ(matchIds(loose, "/a/").size(), 1u);
  EXPECT_TRUE(matchIds(loose, "/a//").empty());

  RouteTree strict({.strict = true});
  strict.add("/a/", MatchKind::Exact, 0);
  strict.add("/b", MatchKind::Exact, 1);
  EXPECT_TRUE(matchIds(strict, "/a").empty());
  EXPECT_EQ(matchIds(strict, "/a/"), (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(matchIds(strict, "/b"), (std::vector<std::uint32_t>{1}));
  EXPECT_TRUE(matchIds(strict, "/b/").empty());
}

TEST(RouteTreeTest, SameIdAddedTwiceIsAnArrayOfPaths) {
  RouteTree tree;
  tree.add("/a/:x", MatchKind::Exact, 4);
  tree.add("/:y/b", MatchKind::Exact, 4);
  MatchSet set;
  tree.match("/a/b", set);
  // Both patterns match; Express's Layer takes the first one of the array.
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"x", "b"}}));
  set.clear();
  tree.match("/z/b", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"y", "z"}}));
  EXPECT_EQ(tree.size(), 2u);
}

TEST(RouteTreeTest, RepeatedNameReportsTheLastValueOnce) {
  RouteTree tree;
  tree.add("/:a/x/:a", MatchKind::Exact, 0);
  MatchSet set;
  tree.match("/1/x/2", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"a", "2"}}));
}

TEST(RouteTreeTest, StaticAndParamSiblingsBothMatch) {
  RouteTree tree;
  tree.add("/users/me", MatchKind::Exact, 0);
  tree.add("/users/:id", MatchKind::Exact, 1);
  tree.add("/users/:id/edit", MatchKind::Exact, 2);
  tree.add("/users/meta", MatchKind::Exact, 3);
  tree.add("/users/m", MatchKind::Exact, 4);
  EXPECT_EQ(matchIds(tree, "/users/me"), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(matchIds(tree, "/users/meta"), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(matchIds(tree, "/users/m"), (std::vector<std::uint32_t>{1, 4}));
  EXPECT_EQ(matchIds(tree, "/users/me/edit"), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(matchIds(tree, "/users/mex"), (std::vector<std::uint32_t>{1}));
}

TEST(RouteTreeTest, BacktrackingParamsSplitLikePathToRegexp) {
  RouteTree tree;
  tree.add("/:file.:ext", MatchKind::Exact, 0);
  MatchSet set;
  tree.match("/archive.tar.gz", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(paramsOf(set, 0), (Params{{"file", "archive.tar"}, {"ext", "gz"}}));
}

TEST(RouteTreeTest, DecreasingIdIsRejectedAndBadPatternLeavesTreeUnchanged) {
  RouteTree tree;
  tree.add("/a", MatchKind::Exact, 5);
  EXPECT_THROW(tree.add("/b", MatchKind::Exact, 4), std::invalid_argument);
  try {
    tree.add("/c/:id?", MatchKind::Exact, 6);
    ADD_FAILURE() << "accepted /c/:id?";
  } catch (const RoutePatternError& e) {
    EXPECT_EQ(e.code(), "ERR_ROUTE_PATTERN");
    EXPECT_EQ(e.position(), 6u);
  }
  EXPECT_EQ(tree.size(), 1u);
  EXPECT_TRUE(matchIds(tree, "/c").empty());
  EXPECT_TRUE(matchIds(tree, "/c/1").empty());
  EXPECT_EQ(matchIds(tree, "/a"), (std::vector<std::uint32_t>{5}));
}

TEST(RouteTreeTest, ValidateThrowsLikeAddWithoutAdding) {
  RouteTree tree;
  tree.validate("/ok/:id", MatchKind::Exact);
  tree.validate("/", MatchKind::Prefix);
  EXPECT_THROW(tree.validate("/bad/*", MatchKind::Prefix), RoutePatternError);
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_TRUE(matchIds(tree, "/ok/1").empty());
}

TEST(RouteTreeTest, MatchAppendsAndDoesNotAllocateOnceGrown) {
  RouteTree tree;
  tree.add("/", MatchKind::Prefix, 0);
  tree.add("/a/:b/:c", MatchKind::Exact, 1);
  tree.add("/a/*rest", MatchKind::Exact, 2);
  MatchSet set;
  set.matches.push_back({.id = 99});
  tree.match("/a/1/2", set);
  EXPECT_EQ(idsOf(set), (std::vector<std::uint32_t>{99, 0, 1, 2}));
  set.clear();
  tree.match("/a/1/2", set);
  const auto* matches = set.matches.data();
  const auto* params = set.params.data();
  const auto* scratch = set.scratch.data();
  for (int i = 0; i < 100; ++i) {
    set.clear();
    tree.match("/a/1/2", set);
    tree.match("/x", set);
  }
  EXPECT_EQ(set.matches.data(), matches);
  EXPECT_EQ(set.params.data(), params);
  EXPECT_EQ(set.scratch.data(), scratch);
}

TEST(RouteTreeTest, MovedTreeKeepsItsRoutes) {
  RouteTree tree;
  tree.add("/x/:y", MatchKind::Exact, 0);
  RouteTree moved = std::move(tree);
  MatchSet set;
  moved.match("/x/1", set);
  ASSERT_EQ(set.matches.size(), 1u);
  EXPECT_EQ(set.params[0].name, "y");
}

TEST(RouteTreeTest, ConcurrentMatchesOnAConstTreeAgree) {
  RouteTree tree;
  for (std::uint32_t i = 0; i < 50; ++i) {
    tree.add("/r" + std::to_string(i) + "/:id{.:fmt}", MatchKind::Exact, i);
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tree, &wrong, t] {
      MatchSet set;
      for (int i = 0; i < 2000; ++i) {
        set.clear();
        const std::string path = "/r" + std::to_string((i + t) % 50) + "/x.json";
        tree.match(path, set);
        if (set.matches.size() != 1 || set.matches[0].paramCount != 2) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(RouteTreeTest, HostileInputDoesNotBlowUp) {
  // Long runs that make the backtracking captures try many splits; the expected results are
  // path-to-regexp's.
  RouteTree tree;
  tree.add("/*a/*b/*c", MatchKind::Exact, 0);
  tree.add("/:a-:b-:c-:d", MatchKind::Exact, 1);
  tree.add("/*a.*b", MatchKind::Prefix, 2);
  MatchSet set;
  const std::string dashes = "/" + std::string(4000, '-');
  tree.match(dashes, set);
  ASSERT_EQ(idsOf(set), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(set.params[0].value.size(), 3994u);
  EXPECT_EQ(set.params[3].value, "-");

  set.clear();
  tree.match(std::string(2000, '/') + "x", set);
  EXPECT_TRUE(idsOf(set).empty());

  set.clear();
  tree.match("/" + std::string(3000, '.'), set);
  EXPECT_TRUE(idsOf(set).empty());

  std::string dotted = "/";
  for (int i = 0; i < 1500; ++i) dotted += "x.";
  set.clear();
  tree.match(dotted, set);
  EXPECT_TRUE(idsOf(set).empty());
  dotted += "y";
  set.clear();
  tree.match(dotted, set);
  ASSERT_EQ(idsOf(set), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(set.params[1].value, "y");
}

}  // namespace
}  // namespace nx::web::detail
