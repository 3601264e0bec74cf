// SPDX-License-Identifier: MIT
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

#include "nodexx/json/errors.hpp"
#include "nodexx/json/internal/parser.hpp"

namespace nx::json::detail {
namespace {

std::string position(std::size_t offset) {
  return " in JSON at position " + std::to_string(offset);
}

class Reader {
 public:
  Reader(std::string_view text, const ParseOptions& options)
      : p_(text.data()),
        begin_(text.data()),
        end_(text.data() + text.size()),
        options_(options),
        maxDepth_(std::min(options.maxDepth, kMaxDepthCap)) {}

  Value document() {
    skipSpace();
    Value v = value(0);
    skipSpace();
    if (p_ != end_)
      syntax("Unexpected non-whitespace character after JSON at position " +
             std::to_string(offset()));
    return v;
  }

 private:
  std::size_t offset() const noexcept { return static_cast<std::size_t>(p_ - begin_); }

  [[noreturn]] void syntax(const std::string& message) const {
    throw ParseError(std::string(errc::kParse), message, offset());
  }
  [[noreturn]] void limit(const std::string& message) const {
    throw ParseError(std::string(errc::kLimit),
                     message + " at position " + std::to_string(offset()), offset());
  }
  [[noreturn]] void unexpectedEnd() const {
    throw ParseError(std::string(errc::kParse), "Unexpected end of JSON input", offset());
  }
  [[noreturn]] void unexpectedToken() const {
    if (p_ == end_) unexpectedEnd();
    const auto c = static_cast<unsigned char>(*p_);
    if (c >= 0x20 && c < 0x7F) {
      syntax(std::string("Unexpected token '") + static_cast<char>(c) + "'" + position(offset()));
    }
    char hex[3];
    std::to_chars(hex, hex + 2, c, 16);
    hex[c < 16 ? 1 : 2] = 0;
    syntax("Unexpected byte 0x" + std::string(c < 16 ? "0" : "") + hex + position(offset()));
  }

  void skipSpace() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  Value value(std::size_t depth) {
    if (p_ == end_) unexpectedEnd();
    switch (*p_) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"': {
        std::string s;
        string(s);
        return Value(s);
      }
      case 't':
        literal("true");
        return Value(true);
      case 'f':
        literal("false");
        return Value(false);
      case 'n':
        literal("null");
        return Value();
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return number();
        unexpectedToken();
    }
  }

  void literal(std::string_view word) {
    for (char c : word) {
      if (p_ == end_) unexpectedEnd();
      if (*p_ != c) unexpectedToken();
      ++p_;
    }
  }

  void enter(std::size_t depth) const {
    if (depth > maxDepth_) {
      limit("Maximum nesting depth " + std::to_string(maxDepth_) + " exceeded");
    }
  }

  Value array(std::size_t depth) {
    enter(depth);
    ++p_;
    Array out;
    skipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return Value(std::move(out));
    }
    for (;;) {
      skipSpace();
      if (out.size() == options_.maxArrayLength) {
        limit("Array exceeds maxArrayLength " + std::to_string(options_.maxArrayLength));
      }
      out.push_back(value(depth));
      skipSpace();
      // V8 names what was expected even at the end of the input here.
      if (p_ != end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ != end_ && *p_ == ']') {
        ++p_;
        return Value(std::move(out));
      }
      syntax("Expected ',' or ']' after array element" + position(offset()));
    }
  }

  Value object(std::size_t depth) {
    enter(depth);
    ++p_;
    Object out;
    skipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return Value(std::move(out));
    }
    bool first = true;
    for (;;) {
      skipSpace();
      if (p_ == end_ || *p_ != '"') {
        syntax(std::string(first ? "Expected property name or '}'"
                                 : "Expected double-quoted property name") +
               position(offset()));
      }
      first = false;
      if (out.size() == options_.maxObjectMembers) {
        limit("Object exceeds maxObjectMembers " + std::to_string(options_.maxObjectMembers));
      }
      std::string key;
      string(key);
      skipSpace();
      if (p_ == end_ || *p_ != ':') syntax("Expected ':' after property name" + position(offset()));
      ++p_;
      skipSpace();
      out.append(std::move(key), value(depth));
      skipSpace();
      if (p_ != end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (p_ != end_ && *p_ == '}') {
        ++p_;
        ObjectAccess::dedupe(out);
        return Value(std::move(out));
      }
      syntax("Expected ',' or '}' after property value" + position(offset()));
    }
  }

  static int hexDigit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u"; p_ is at the first.
  unsigned hex4() {
    unsigned u = 0;
    for (int i = 0; i < 4; ++i) {
      if (p_ == end_) syntax("Bad Unicode escape" + position(offset()));
      const int d = hexDigit(*p_);
      if (d < 0) syntax("Bad Unicode escape" + position(offset()));
      u = u * 16 + static_cast<unsigned>(d);
      ++p_;
    }
    return u;
  }

  static void appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // The length of the well-formed UTF-8 sequence at p_, or 0.
  std::size_t utf8Length() const noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(p_);
    const auto* end = reinterpret_cast<const unsigned char*>(end_);
    const unsigned char c = *p;
    std::size_t need = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    for (std::size_t i = 1; i <= need; ++i) {
      if (p + i >= end || p[i] < lo || p[i] > hi) return 0;
      lo = 0x80;
      hi = 0xBF;
    }
    return need + 1;
  }

  // A string token into `out`; p_ is at the opening quote.
  void string(std::string& out) {
    ++p_;
    for (;;) {
      if (out.size() > options_.maxStringBytes) {
        limit("String exceeds maxStringBytes " + std::to_string(options_.maxStringBytes));
      }
      const char* run = p_;
      while (p_ != end_ && static_cast<unsigned char>(*p_) >= 0x20 && *p_ != '"' && *p_ != '\\' &&
             static_cast<unsigned char>(*p_) < 0x80) {
        ++p_;
      }
      out.append(run, p_);
      if (p_ == end_) syntax("Unterminated string" + position(offset()));
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        if (out.size() > options_.maxStringBytes) {
          limit("String exceeds maxStringBytes " + std::to_string(options_.maxStringBytes));
        }
        return;
      }
      if (c < 0x20) syntax("Bad control character in string literal" + position(offset()));
      if (c >= 0x80) {
        const std::size_t n = utf8Length();
        if (n == 0) syntax("Invalid UTF-8 in string literal" + position(offset()));
        out.append(p_, n);
        p_ += n;
        continue;
      }
      // A backslash.
      ++p_;
      if (p_ == end_) unexpectedEnd();
      switch (*p_) {
        case '"':
        case '\\':
        case '/':
          out.push_back(*p_);
          ++p_;
          break;
        case 'b':
          out.push_back('\b');
          ++p_;
          break;
        case 'f':
          out.push_back('\f');
          ++p_;
          break;
        case 'n':
          out.push_back('\n');
          ++p_;
          break;
        case 'r':
          out.push_back('\r');
          ++p_;
          break;
        case 't':
          out.push_back('\t');
          ++p_;
          break;
        case 'u': {
          ++p_;
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A high surrogate pairs with an immediately following \uDC00-\uDFFF escape.
            if (end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
              const char* save = p_;
              p_ += 2;
              const unsigned lo = hex4();
              if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              } else {
                p_ = save;  // reread that escape on its own
                cp = 0xFFFD;
              }
            } else {
              cp = 0xFFFD;
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // a lone low surrogate has no UTF-8 form
          }
          appendUtf8(out, cp);
          break;
        }
        default:
          syntax("Bad escaped character" + position(offset()));
      }
    }
  }

  static bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

  Value number() {
    const char* start = p_;
    if (*p_ == '-') {
      ++p_;
      if (p_ == end_ || !isDigit(*p_)) syntax("No number after minus sign" + position(offset()));
    }
    if (*p_ == '0') {
      ++p_;
      if (p_ != end_ && isDigit(*p_)) syntax("Unexpected number" + position(offset()));
    } else {
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    bool integer = true;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !isDigit(*p_))
        syntax("Unterminated fractional number" + position(offset()));
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !isDigit(*p_)) {
        syntax("Exponent part is missing a number" + position(offset()));
      }
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    if (integer) {
      std::int64_t i = 0;
      if (std::from_chars(start, p_, i).ec == std::errc()) return Value(i);
      std::uint64_t u = 0;
      if (*start != '-' && std::from_chars(start, p_, u).ec == std::errc()) return Value(u);
    }
    double d = 0;
    const auto r = std::from_chars(start, p_, d);
    if (r.ec == std::errc::result_out_of_range) d = outOfRange(start, p_);
    return Value(d);
  }

  // from_chars leaves out-of-range values unset: JavaScript gives ±Infinity for overflow and
  // ±0 for underflow. The decimal magnitude decides which: the position of the first nonzero
  // digit relative to the point, plus the exponent.
  static double outOfRange(const char* p, const char* end) {
    const bool negative = *p == '-';
    if (negative) ++p;
    long long magnitude = 0;
    bool seenNonZero = false;
    bool afterPoint = false;
    for (; p != end && *p != 'e' && *p != 'E'; ++p) {
      if (*p == '.') {
        afterPoint = true;
        continue;
      }
      if (!afterPoint) {
        if (seenNonZero || *p != '0') {
          seenNonZero = true;
          ++magnitude;
        }
      } else if (!seenNonZero) {
        if (*p == '0') {
          --magnitude;
        } else {
          seenNonZero = true;
        }
      }
    }
    long long exponent = 0;
    if (p != end) {
      ++p;
      const bool negExp = *p == '-';
      if (*p == '+' || *p == '-') ++p;
      for (; p != end; ++p)
        exponent = std::min<long long>(exponent * 10 + (*p - '0'), 1'000'000'000);
      if (negExp) exponent = -exponent;
    }
    const double v = magnitude + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -v : v;
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  const ParseOptions& options_;
  std::size_t maxDepth_;
};

}  // namespace

void ObjectAccess::dedupe(Object& o) {
  auto& m = o.members_;
  const std::size_t n = m.size();
  if (n < 2) return;
  bool duplicate = false;
  std::vector<std::uint32_t> order;
  if (n <= 16) {
    for (std::size_t i = 1; i < n && !duplicate; ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (m[i].first == m[j].first) {
          duplicate = true;
          break;
        }
      }
    }
    if (!duplicate) return;
  }
  // Sort positions by (key, position): equal keys become adjacent, first occurrence first.
  order.resize(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    const int c = m[a].first.compare(m[b].first);
    return c != 0 ? c < 0 : a < b;
  });
  std::vector<bool> drop(n, false);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && m[order[j]].first == m[order[i]].first) ++j;
    if (j - i > 1) {
      // The first position keeps the last value.
      m[order[i]].second = std::move(m[order[j - 1]].second);
      for (std::size_t k = i + 1; k < j; ++k) drop[order[k]] = true;
    }
    i = j;
  }
  std::size_t w = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (drop[r]) continue;
    if (w != r) m[w] = std::move(m[r]);
    ++w;
  }
  m.erase(m.begin() + static_cast<std::ptrdiff_t>(w), m.end());
}

Value readJson(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.maxBytes) throwTooLarge(text.size(), options);
  return Reader(text, options).document();
}

void throwTooLarge(std::size_t size, const ParseOptions& options) {
  throw ParseError(std::string(errc::kLimit),
                   "JSON text of " + std::to_string(size) + " bytes exceeds maxBytes " +
                       std::to_string(options.maxBytes),
                   options.maxBytes);
}

}  // namespace nx::json::detail
