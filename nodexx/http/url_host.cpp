// SPDX-License-Identifier: MIT
// Host parsing of the WHATWG URL Standard: IPv6 and IPv4 (with Node's numeric forms such as
// 0x7f.1 and 2130706433), domains and opaque hosts, plus the percent-encode sets.
#include "nodexx/http/internal/url_host.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nx::http::detail {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool isForbiddenHost(unsigned char c) noexcept {
  switch (c) {
    case 0x00:
    case 0x09:
    case 0x0A:
    case 0x0D:
    case ' ':
    case '#':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
      return true;
    default:
      return false;
  }
}

bool isForbiddenDomain(unsigned char c) noexcept {
  return isForbiddenHost(c) || c <= 0x1F || c == '%' || c == 0x7F;
}

// IPv4 number parser. Returns nullopt on failure; values saturate above 2^32 (still "too
// big" for every check that follows).
std::optional<std::uint64_t> parseIpv4Number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int radix = 10;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    radix = 16;
    s.remove_prefix(2);
  } else if (s.size() >= 2 && s[0] == '0') {
    radix = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return 0;
  std::uint64_t value = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    int d;
    if (radix == 16) {
      d = hexValue(c);
    } else if (c >= '0' && c <= '9') {
      d = c - '0';
    } else {
      d = -1;
    }
    if (d < 0 || d >= radix) return std::nullopt;
    value = value * static_cast<unsigned>(radix) + static_cast<unsigned>(d);
    if (value > (std::uint64_t{1} << 40)) value = std::uint64_t{1} << 40;  // saturate
  }
  return value;
}

std::vector<std::string_view> splitDots(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, dot - start));
    start = dot + 1;
  }
}

bool endsInNumber(std::string_view s) {
  auto parts = splitDots(s);
  if (parts.back().empty()) {
    if (parts.size() == 1) return false;
    parts.pop_back();
  }
  std::string_view last = parts.back();
  if (!last.empty()) {
    bool digits = true;
    for (char c : last) digits = digits && c >= '0' && c <= '9';
    if (digits) return true;
  }
  return parseIpv4Number(last).has_value();
}

std::optional<std::string> parseIpv4(std::string_view s) {
  auto parts = splitDots(s);
  if (parts.back().empty() && parts.size() > 1) parts.pop_back();
  if (parts.size() > 4) return std::nullopt;
  std::vector<std::uint64_t> numbers;
  for (auto p : parts) {
    auto n = parseIpv4Number(p);
    if (!n) return std::nullopt;
    numbers.push_back(*n);
  }
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    if (numbers[i] > 255) return std::nullopt;
  }
  std::uint64_t limit = std::uint64_t{1} << (8 * (5 - numbers.size()));
  if (numbers.back() >= limit) return std::nullopt;
  std::uint64_t ipv4 = numbers.back();
  for (std::size_t i = 0; i + 1 < numbers.size(); ++i) {
    ipv4 += numbers[i] << (8 * (3 - i));
  }
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((ipv4 >> shift) & 0xFF);
    if (shift) out += '.';
  }
  return out;
}

std::optional<std::string> parseIpv6(std::string_view in) {
  std::array<std::uint16_t, 8> address{};
  int pieceIndex = 0;
  int compress = -1;
  std::size_t p = 0;
  auto at = [&](std::size_t i) -> int {
    return i < in.size() ? static_cast<unsigned char>(in[i]) : -1;
  };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return std::nullopt;
    p += 2;
    compress = ++pieceIndex;
  }
  while (at(p) != -1) {
    if (pieceIndex == 8) return std::nullopt;
    if (at(p) == ':') {
      if (compress != -1) return std::nullopt;
      ++p;
      compress = ++pieceIndex;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && at(p) != -1 && hexValue(static_cast<unsigned char>(at(p))) >= 0) {
      value = value * 16 + static_cast<unsigned>(hexValue(static_cast<unsigned char>(at(p))));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return std::nullopt;
      p -= static_cast<std::size_t>(length);
      if (pieceIndex > 6) return std::nullopt;
      int numbersSeen = 0;
      while (at(p) != -1) {
        int ipv4Piece = -1;
        if (numbersSeen > 0) {
          if (at(p) == '.' && numbersSeen < 4) {
            ++p;
          } else {
            return std::nullopt;
          }
        }
        if (at(p) < '0' || at(p) > '9') return std::nullopt;
        while (at(p) >= '0' && at(p) <= '9') {
          int number = at(p) - '0';
          if (ipv4Piece == -1) {
            ipv4Piece = number;
          } else if (ipv4Piece == 0) {
            return std::nullopt;
          } else {
            ipv4Piece = ipv4Piece * 10 + number;
          }
          if (ipv4Piece > 255) return std::nullopt;
          ++p;
        }
        address[static_cast<std::size_t>(pieceIndex)] = static_cast<std::uint16_t>(
            address[static_cast<std::size_t>(pieceIndex)] * 0x100 + ipv4Piece);
        ++numbersSeen;
        if (numbersSeen == 2 || numbersSeen == 4) ++pieceIndex;
      }
      if (numbersSeen != 4) return std::nullopt;
      break;
    }
    if (at(p) == ':') {
      ++p;
      if (at(p) == -1) return std::nullopt;
    } else if (at(p) != -1) {
      return std::nullopt;
    }
    address[static_cast<std::size_t>(pieceIndex)] = static_cast<std::uint16_t>(value);
    ++pieceIndex;
  }
  if (compress != -1) {
    int swaps = pieceIndex - compress;
    pieceIndex = 7;
    while (pieceIndex != 0 && swaps > 0) {
      std::swap(address[static_cast<std::size_t>(pieceIndex)],
                address[static_cast<std::size_t>(compress + swaps - 1)]);
      --pieceIndex;
      --swaps;
    }
  } else if (pieceIndex != 8) {
    return std::nullopt;
  }

  // Serialise: the first longest run of two or more zero pieces becomes "::".
  int bestStart = -1, bestLen = 1;
  for (int i = 0; i < 8;) {
    if (address[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && address[static_cast<std::size_t>(j)] == 0) ++j;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  std::string out = "[";
  bool ignore0 = false;
  for (int i = 0; i < 8; ++i) {
    if (ignore0 && address[static_cast<std::size_t>(i)] == 0) continue;
    ignore0 = false;
    if (i == bestStart) {
      out += i == 0 ? "::" : ":";
      ignore0 = true;
      continue;
    }
    char buf[8];
    int n = 0;
    unsigned v = address[static_cast<std::size_t>(i)];
    char tmp[4];
    int t = 0;
    do {
      tmp[t++] = "0123456789abcdef"[v & 0xF];
      v >>= 4;
    } while (v);
    while (t) buf[n++] = tmp[--t];
    out.append(buf, static_cast<std::size_t>(n));
    if (i != 7) out += ':';
  }
  out += ']';
  return out;
}

}  // namespace

int hexValue(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool inEncodeSet(unsigned char c, EncodeSet set) noexcept {
  if (c < 0x20 || c > 0x7E) return true;
  switch (set) {
    case EncodeSet::C0Control:
      return false;
    case EncodeSet::Fragment:
      return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    case EncodeSet::FormUrlencoded:
      if (c == '!' || c == '\'' || c == '(' || c == ')' || c == '~') return true;
      [[fallthrough]];
    case EncodeSet::Component:
      if (c == '$' || c == '%' || c == '&' || c == '+' || c == ',') return true;
      [[fallthrough]];
    case EncodeSet::Userinfo:
      if (c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || c == '[' || c == '\\' ||
          c == ']' || c == '^' || c == '|')
        return true;
      [[fallthrough]];
    case EncodeSet::Path:
      if (c == '?' || c == '`' || c == '{' || c == '}') return true;
      [[fallthrough]];
    case EncodeSet::Query:
      return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    case EncodeSet::SpecialQuery:
      return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>' || c == '\'';
  }
  return false;
}

void appendEncoded(std::string& out, unsigned char c, EncodeSet set) {
  if (inEncodeSet(c, set)) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  } else {
    out += static_cast<char>(c);
  }
}

void appendEncoded(std::string& out, std::string_view s, EncodeSet set) {
  for (char c : s) appendEncoded(out, static_cast<unsigned char>(c), set);
}

std::u16string toUtf16(std::string_view s) {
  // Invalid sequences become one U+FFFD per maximal subpart, as V8 decodes UTF-8.
  std::u16string units;
  units.reserve(s.size());
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = byte(i);
    char32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else {
      std::size_t need = 0;
      unsigned char lo = 0x80, hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1Fu;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0Fu;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07u;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
      }
      if (need == 0) {
        cp = 0xFFFD;
      } else {
        std::size_t k = 0;
        for (; k < need && i + 1 + k < s.size(); ++k) {
          unsigned char d = byte(i + 1 + k);
          if (d < lo || d > hi) break;
          lo = 0x80;
          hi = 0xBF;
          cp = (cp << 6) | (d & 0x3Fu);
        }
        len = 1 + k;
        if (k < need) cp = 0xFFFD;
      }
    }
    i += len;
    if (cp >= 0x10000) {
      units += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      units += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      units += static_cast<char16_t>(cp);
    }
  }
  return units;
}

std::optional<std::string> parseHost(std::string_view input, bool isOpaque) {
  if (!input.empty() && input[0] == '[') {
    if (input.back() != ']') return std::nullopt;
    return parseIpv6(input.substr(1, input.size() - 2));
  }
  if (isOpaque) {
    for (char c : input) {
      if (isForbiddenHost(static_cast<unsigned char>(c))) return std::nullopt;
    }
    std::string out;
    appendEncoded(out, input, EncodeSet::C0Control);
    return out;
  }
  // Domain: percent-decode, then "domain to ASCII". Without IDNA tables only ASCII names are
  // accepted; for them UTS #46 mapping is lower-casing.
  std::string domain;
  domain.reserve(input.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    auto c = static_cast<unsigned char>(input[i]);
    if (c == '%' && i + 2 < input.size() &&
        hexValue(static_cast<unsigned char>(input[i + 1])) >= 0 &&
        hexValue(static_cast<unsigned char>(input[i + 2])) >= 0) {
      c = static_cast<unsigned char>(hexValue(static_cast<unsigned char>(input[i + 1])) * 16 +
                                     hexValue(static_cast<unsigned char>(input[i + 2])));
      i += 2;
    }
    if (c >= 0x80) return std::nullopt;
    if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + 32);
    domain += static_cast<char>(c);
  }
  if (domain.empty()) return std::nullopt;
  for (char c : domain) {
    if (isForbiddenDomain(static_cast<unsigned char>(c))) return std::nullopt;
  }
  if (endsInNumber(domain)) return parseIpv4(domain);
  return domain;
}

}  // namespace nx::http::detail
