// SPDX-License-Identifier: MIT
#include "nodexx/web/range.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace nx::web {

namespace {

// JavaScript's String.prototype.trim, for the latin-1 bytes Node reads header values as.
bool isTrimmed(char c) noexcept {
  switch (static_cast<unsigned char>(c)) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0xA0:
      return true;
    default:
      return false;
  }
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && isTrimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && isTrimmed(s.back())) s.remove_suffix(1);
  return s;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// range-parser's parsePos: /^\d+$/ then Number(str) (a correctly rounded double, Infinity for
// absurdly long runs); NaN otherwise, including the empty string.
double parsePos(std::string_view s) noexcept {
  if (s.empty()) return kNaN;
  for (char c : s) {
    if (c < '0' || c > '9') return kNaN;
  }
  // Leading zeros do not count (parseInt("0001195") is 1195, however many zeros there are).
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  // Up to 15 digits are exact in a double; longer runs go through strtod for rounding.
  if (s.size() <= 15) {
    double v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
  }
  char buf[400];
  if (s.size() >= sizeof buf) return std::numeric_limits<double>::infinity();
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = '\0';
  return std::strtod(buf, nullptr);
}

struct Indexed {
  double start;
  double end;
  std::size_t index;
};

}  // namespace

RangeResult parseRange(std::uint64_t size, std::string_view header, RangeParserOptions options) {
  RangeResult result;
  const std::size_t eq = header.find('=');
  if (eq == std::string_view::npos) return result;

  const auto fsize = static_cast<double>(size);
  std::vector<Indexed> found;
  std::string_view rest = header.substr(eq + 1);
  std::size_t items = 0;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (++items > options.maxRanges) return result;

    const std::size_t dash = item.find('-');
    if (dash == std::string_view::npos) return result;
    const std::string_view startStr = trim(item.substr(0, dash));
    const std::string_view endStr = trim(item.substr(dash + 1));
    double start = parsePos(startStr);
    double end = parsePos(endStr);
    if (startStr.empty()) {
      start = fsize - end;
      end = fsize - 1;
    } else if (endStr.empty()) {
      end = fsize - 1;
    }
    if (end > fsize - 1) end = fsize - 1;
    if (std::isnan(start) || std::isnan(end)) return result;
    if (!(start > end || start < 0)) found.push_back({start, end, found.size()});

    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }

  if (found.empty()) {
    result.status = RangeResult::Status::Unsatisfiable;
    return result;
  }

  if (options.combine && found.size() > 1) {
    // Merge in start order (a stable sort, as V8's), then restore the order of first appearance.
    std::stable_sort(found.begin(), found.end(),
                     [](const Indexed& a, const Indexed& b) { return a.start < b.start; });
    std::size_t j = 0;
    for (std::size_t i = 1; i < found.size(); ++i) {
      Indexed& current = found[j];
      const Indexed& range = found[i];
      if (range.start > current.end + 1) {
        found[++j] = range;
      } else if (range.end > current.end) {
        current.end = range.end;
        current.index = std::min(current.index, range.index);
      }
    }
    found.resize(j + 1);
    std::stable_sort(found.begin(), found.end(),
                     [](const Indexed& a, const Indexed& b) { return a.index < b.index; });
  }

  result.status = RangeResult::Status::Ok;
  result.type = header.substr(0, eq);
  result.ranges.reserve(found.size());
  // 0 <= start <= end <= size - 1 here; only sizes beyond 2^53 round, so clamp for them.
  const auto toPos = [size](double v) noexcept {
    return v >= 18446744073709549568.0 ? size - 1
                                       : std::min(static_cast<std::uint64_t>(v), size - 1);
  };
  for (const Indexed& r : found) result.ranges.push_back({toPos(r.start), toPos(r.end)});
  return result;
}

std::string contentRange(std::uint64_t size, ByteRange range) {
  std::string out = "bytes ";
  out += std::to_string(range.start);
  out += '-';
  out += std::to_string(range.end);
  out += '/';
  out += std::to_string(size);
  return out;
}

std::string contentRangeUnsatisfied(std::uint64_t size) {
  return "bytes */" + std::to_string(size);
}

}  // namespace nx::web
