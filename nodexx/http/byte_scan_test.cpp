// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/byte_scan.hpp"

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace nx::http::detail::scan {
namespace {

// The byte-at-a-time answer that matches() must equal: 0x80 at every equal byte.
std::uint64_t slowMatches(const char* p, char c) {
  unsigned char marks[8];
  for (int i = 0; i < 8; ++i) marks[i] = p[i] == c ? 0x80 : 0;
  std::uint64_t m;
  std::memcpy(&m, marks, 8);
  return m;
}

TEST(ByteScanTest, MatchesMarksExactlyTheEqualBytesForEveryByteValueAndPosition) {
  // Every byte value at every position, next to the target and its neighbours (a borrow or
  // carry from an adjacent byte is where the shorter zero-byte test goes wrong).
  for (char target : {'\n', '?', '#', '\0', '\x7f', '\x80', '\xff'}) {
    for (int pos = 0; pos < 8; ++pos) {
      for (int v = 0; v < 256; ++v) {
        const int t = static_cast<unsigned char>(target);
        for (int fill : {0, t, t + 1, t - 1, 0x80 | t}) {
          char w[8];
          std::memset(w, fill, 8);
          w[pos] = static_cast<char>(v);
          ASSERT_EQ(matches(load(w), target), slowMatches(w, target))
              << "target " << int(target) << " pos " << pos << " value " << v << " fill " << fill;
        }
      }
    }
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    std::uint64_t x = rng();
    char w[8];
    std::memcpy(w, &x, 8);
    const char target = static_cast<char>(rng());
    ASSERT_EQ(matches(x, target), slowMatches(w, target));
  }
}

TEST(ByteScanTest, FirstAndDropVisitMarksInMemoryOrder) {
  const std::string text = "a\nbc\n\nd\n";
  std::string seen;
  for (std::uint64_t m = matches(load(text.data()), '\n'); m != 0; m = dropFirst(m)) {
    seen += std::to_string(first(m));
  }
  EXPECT_EQ(seen, "1457");
  for (unsigned n = 0; n < 8; ++n) {
    std::uint64_t m = dropBytes(matches(load(text.data()), '\n'), n);
    std::string rest;
    for (; m != 0; m = dropFirst(m)) rest += std::to_string(first(m));
    std::string expected;
    for (char c : std::string("1457")) {
      if (static_cast<unsigned>(c - '0') >= n) expected += c;
    }
    EXPECT_EQ(rest, expected) << "n " << n;
  }
}

}  // namespace
}  // namespace nx::http::detail::scan
