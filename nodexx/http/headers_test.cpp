// SPDX-License-Identifier: MIT
#include "nodexx/http/headers.hpp"

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/alloc_counter.hpp"

namespace nx::http {
namespace {

using ::testing::ElementsAre;

std::string codeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const SystemError& e) {
    return std::string(e.code());
  }
  return "(no error)";
}

TEST(HeadersTest, LookupIgnoresCaseAndKeepsTheGivenSpelling) {
  Headers h{{"Content-Type", "text/plain"}, {"X-A", "1"}};
  EXPECT_EQ(h.get("content-type").value(), "text/plain");
  EXPECT_EQ(h.get("CONTENT-TYPE").value(), "text/plain");
  EXPECT_FALSE(h.get("x-b").has_value());
  EXPECT_EQ(h.begin()->name, "Content-Type");
}

TEST(HeadersTest, SetReplacesEveryFieldOfTheNameAndAppendKeepsThem) {
  Headers h;
  h.append("Set-Cookie", "a=1");
  h.append("set-cookie", "b=2");
  EXPECT_THAT(h.getAll("SET-COOKIE"), ElementsAre("a=1", "b=2"));
  h.set("Set-Cookie", "c=3");
  EXPECT_THAT(h.getAll("set-cookie"), ElementsAre("c=3"));
  EXPECT_EQ(h.size(), 1u);
}

TEST(HeadersTest, RemoveDeletesAllFieldsOfTheName) {
  Headers h{{"A", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_TRUE(h.remove("a"));
  EXPECT_FALSE(h.remove("a"));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_TRUE(h.has("B"));
}

TEST(HeadersTest, NamesAreLowerCaseAndDistinctLikeGetHeaderNames) {
  Headers h{{"X-A", "1"}, {"x-a", "2"}, {"Content-Length", "3"}};
  EXPECT_THAT(h.names(), ElementsAre("x-a", "content-length"));
}

TEST(HeadersTest, InvalidNamesThrowErrInvalidHttpToken) {
  Headers h;
  EXPECT_EQ(codeOf([&] { h.set("Bad Name", "v"); }), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_EQ(codeOf([&] { h.set("", "v"); }), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_EQ(codeOf([&] { h.append("a:b", "v"); }), "ERR_INVALID_HTTP_TOKEN");
}

TEST(HeadersTest, ValuesWithCrLfNulOrControlsThrowErrInvalidChar) {
  Headers h;
  EXPECT_EQ(codeOf([&] { h.set("X", "a\r\nb"); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", std::string("a\0b", 3)); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", "a\x7f"); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.set("X", "tab\tand \xc3\xa9 ok"); }), "(no error)");
}

TEST(HeadersTest, ReusedSlotsStillCheckWhatDiffersFromTheirOldField) {
  // A cleared Headers keeps its fields as spare slots, and bytes equal to a slot's old field
  // skip the checks: anything else must still be checked, and stored as given.
  Headers h;
  h.set("Content-Type", "text/plain");
  h.append("X-A", "1");
  h.clear();
  EXPECT_EQ(codeOf([&] { h.set("Content-Type", "text/plain\r\nX: y"); }), "ERR_INVALID_CHAR");
  EXPECT_EQ(codeOf([&] { h.append("Content-Type\n", "text/plain"); }), "ERR_INVALID_HTTP_TOKEN");
  EXPECT_TRUE(h.empty());
  h.set("content-type", "text/plain");
  h.append("X-A", "2");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.begin()[0].name, "content-type");
  EXPECT_EQ(h.begin()[0].value, "text/plain");
  EXPECT_EQ(h.begin()[1].name, "X-A");
  EXPECT_EQ(h.begin()[1].value, "2");
  h.clear();
  EXPECT_EQ(codeOf([&] { h.set("X-A", std::string("2\0", 2)); }), "ERR_INVALID_CHAR");
  h.set("content-type", "text/plain");
  EXPECT_EQ(h.get("Content-Type"), "text/plain");
}

TEST(HeadersTest, TokenAndValueRulesMatchNode) {
  EXPECT_TRUE(isValidHeaderName("!#$%&'*+-.^_`|~09azAZ"));
  EXPECT_FALSE(isValidHeaderName("a b"));
  EXPECT_FALSE(isValidHeaderName("a\"b"));
  EXPECT_FALSE(isValidHeaderName("a(b)"));
  EXPECT_TRUE(isValidHeaderValue(""));
  EXPECT_FALSE(isValidHeaderValue("\n"));
}

TEST(HeadersTest, ValueRuleHoldsForEveryByteAtEveryPositionOfEveryLength) {
  // The check reads words (overlapping at the end, and two overlapping halves for 4 to 7
  // bytes): put each byte value at each offset of values of 1 to 24 bytes, over a background
  // of allowed bytes either side of 0x80.
  for (char background : {'a', '\xe9', '\x20', '\x7e'}) {
    for (int b = 0; b < 256; ++b) {
      auto c = static_cast<unsigned char>(b);
      bool allowed = c == '\t' || (c >= 0x20 && c != 0x7f);
      for (std::size_t size = 1; size <= 24; ++size) {
        for (std::size_t at = 0; at < size; ++at) {
          std::string v(size, background);
          v[at] = static_cast<char>(c);
          ASSERT_EQ(isValidHeaderValue(v), allowed)
              << "byte " << b << " at " << at << " of " << size;
        }
      }
    }
  }
}

TEST(HeadersTest, NameRuleHoldsForEveryByteAtEveryPosition) {
  const std::string_view tchar =
      "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool allowed = tchar.find(c) != std::string_view::npos;
    for (std::size_t size = 1; size <= 12; ++size) {
      for (std::size_t at = 0; at < size; ++at) {
        std::string name(size, 'x');
        name[at] = c;
        ASSERT_EQ(isValidHeaderName(name), allowed) << "byte " << b << " at " << at;
      }
    }
  }
}

TEST(HeadersTest, RandomOperationsMatchAPlainListModel) {
  // Cleared and removed entries are kept as spare slots for their capacity; whatever the
  // order of operations, what is visible must be exactly what a plain list would hold.
  std::vector<std::pair<std::string, std::string>> model;
  Headers h;
  std::mt19937 rng(7);
  const std::vector<std::string> names = {"A", "a", "Set-Cookie", "content-type", "X-Long"};
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (int step = 0; step < 20000; ++step) {
    const std::string& n = names[rng() % names.size()];
    std::string v = std::to_string(rng() % 100) + std::string(rng() % 40, 'v');
    switch (rng() % 6) {
      case 0:
      case 1:
        h.append(n, v);
        model.emplace_back(n, v);
        break;
      case 2: {
        h.set(n, v);
        auto it = std::find_if(model.begin(), model.end(),
                               [&](auto& e) { return lower(e.first) == lower(n); });
        if (it == model.end()) {
          model.emplace_back(n, v);
        } else {
          *it = {n, v};
          model.erase(std::remove_if(it + 1, model.end(),
                                     [&](auto& e) { return lower(e.first) == lower(n); }),
                      model.end());
        }
        break;
      }
      case 3: {
        bool had = std::any_of(model.begin(), model.end(),
                               [&](auto& e) { return lower(e.first) == lower(n); });
        ASSERT_EQ(h.remove(n), had);
        model.erase(std::remove_if(model.begin(), model.end(),
                                   [&](auto& e) { return lower(e.first) == lower(n); }),
                    model.end());
        break;
      }
      case 4:
        if (rng() % 8 == 0) {
          h.clear();
          model.clear();
        }
        break;
      default: {
        Headers copy = h;
        Headers moved = std::move(copy);
        ASSERT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
        ASSERT_EQ(moved, h);
      }
    }
    ASSERT_EQ(h.size(), model.size());
    std::size_t i = 0;
    for (const auto& [name, value] : h) {
      ASSERT_EQ(name, model[i].first) << "step " << step;
      ASSERT_EQ(value, model[i].second) << "step " << step;
      ++i;
    }
  }
}

TEST(HeadersTest, EqualsIgnoreCaseFoldsAsciiLettersOnly) {
  auto fold = [](int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string x(1, static_cast<char>(a)), y(1, static_cast<char>(b));
      ASSERT_EQ(equalsIgnoreCase(x, y), fold(a) == fold(b)) << a << " " << b;
    }
  }
  EXPECT_FALSE(equalsIgnoreCase("ab", "a"));
}

TEST(HeadersTest, EqualsIgnoreCaseAgreesWithAByteLoopAtEveryLengthAndPosition) {
  // The comparison goes a word at a time, with overlapping tail words: change one byte at each
  // position of strings of every length around the word sizes, in the ways that matter.
  auto reference = [](std::string_view a, std::string_view b) {
    auto fold = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (fold(static_cast<unsigned char>(a[i])) != fold(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  };
  const unsigned char flips[] = {0x20, 0x01, 0x40, 0x80, 0x21};
  // Letters, the bytes next to the letter ranges ('@', '[', '`', '{'), and bytes above 0x7f,
  // whose 0x20 bit is not a case.
  for (const std::string base :
       {"Access-Control-Allow-Origin-X-Forwarded-For",
        "@[`{zZaA\xc1\xe1\xdf\xff-9^~@[`{zZaA\xc1\xe1\xdf\xff-9^~@[`{zZaA\xc1"}) {
    ASSERT_GE(base.size(), 40u);
    for (std::size_t n = 0; n <= 40; ++n) {
      const std::string a = base.substr(0, n);
      ASSERT_TRUE(equalsIgnoreCase(a, a));
      for (std::size_t i = 0; i < n; ++i) {
        for (unsigned char f : flips) {
          std::string b = a;
          b[i] = static_cast<char>(static_cast<unsigned char>(b[i]) ^ f);
          ASSERT_EQ(equalsIgnoreCase(a, b), reference(a, b)) << n << " " << i << " " << int(f);
          // A case difference elsewhere as well must not hide this one.
          std::string c = b;
          std::size_t j = (i + n / 2) % n;
          if (j != i) c[j] = static_cast<char>(static_cast<unsigned char>(c[j]) ^ 0x20);
          ASSERT_EQ(equalsIgnoreCase(a, c), reference(a, c)) << n << " " << i << " " << j;
        }
      }
    }
  }
}

TEST(HeadersTest, AClearedListReusesItsStringsWithoutAllocating) {
  ASSERT_TRUE(nx::testing::allocationsAreCounted());
  Headers h;
  auto fill = [&h] {
    h.set("Content-Type", "text/html; charset=utf-8");  // longer than the inline capacity
    h.set("X-Request-Id", "0123456789abcdef0123456789abcdef");
    h.append("Set-Cookie", "session=abcdefghijklmnopqrstuvwxyz; Path=/; HttpOnly");
  };
  fill();
  h.clear();
  EXPECT_EQ(nx::testing::countAllocations([&] {
              fill();
              h.clear();
              fill();
            }),
            0u);
  EXPECT_EQ(h.size(), 3u);
}

TEST(HeadersTest, EqualityIgnoresNameCaseButNotValues) {
  EXPECT_EQ((Headers{{"A", "1"}}), (Headers{{"a", "1"}}));
  EXPECT_NE((Headers{{"A", "1"}}), (Headers{{"a", "2"}}));
}

}  // namespace
}  // namespace nx::http
