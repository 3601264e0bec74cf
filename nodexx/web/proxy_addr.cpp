// SPDX-License-Identifier: MIT
#include "nodexx/web/proxy_addr.hpp"

#include <string>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web {
namespace {

// Values above this are out of every range ipaddr.js accepts; parsing saturates here so that
// absurdly long digit strings cannot overflow.
constexpr std::uint64_t kSaturate = std::uint64_t{1} << 40;

bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }
bool isHex(char c) noexcept { return detail::hexValue(c) >= 0; }

std::uint64_t parseRadix(std::string_view s, unsigned radix) noexcept {
  std::uint64_t v = 0;
  for (char c : s) {
    v = v * radix + static_cast<unsigned>(detail::hexValue(c));
    if (v > kSaturate) v = kSaturate;
  }
  return v;
}

bool isHexPrefixed(std::string_view p) noexcept {
  if (p.size() < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) return false;
  for (char c : p.substr(2)) {
    if (!isHex(c)) return false;
  }
  return true;
}

// ipaddr.js's ipv4Part: (0?\d+|0x[a-f0-9]+), case-insensitive.
bool isV4Part(std::string_view p) noexcept {
  if (p.empty()) return false;
  if (isHexPrefixed(p)) return true;
  for (char c : p) {
    if (!isDigit(c)) return false;
  }
  return true;
}

// parseIntAuto(): hex with 0x, octal with a leading 0 (error if not all octal), else decimal.
std::optional<std::uint64_t> parseIntAuto(std::string_view p) noexcept {
  if (isHexPrefixed(p)) return parseRadix(p.substr(2), 16);
  if (p.size() >= 2 && p[0] == '0' && isDigit(p[1])) {
    for (char c : p.substr(1)) {
      if (c < '0' || c > '7') return std::nullopt;
    }
    return parseRadix(p.substr(1), 8);
  }
  return parseRadix(p, 10);
}

std::optional<IpAddress> parseV4(std::string_view s) noexcept {
  std::string_view parts[4];
  std::size_t n = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (n == 4) return std::nullopt;
    parts[n++] = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  std::uint64_t v[4] = {};
  for (std::size_t k = 0; k < n; ++k) {
    if (!isV4Part(parts[k])) return std::nullopt;
    const auto x = parseIntAuto(parts[k]);
    if (!x) return std::nullopt;
    v[k] = *x;
  }
  std::uint64_t octets[4] = {};
  switch (n) {
    case 4:
      for (int k = 0; k < 4; ++k) octets[k] = v[k];
      break;
    case 1:
      if (v[0] > 0xffffffffu) return std::nullopt;
      for (int k = 0; k < 4; ++k) octets[k] = (v[0] >> (24 - 8 * k)) & 0xff;
      break;
    case 2:
      if (v[1] > 0xffffffu) return std::nullopt;
      octets[0] = v[0];
      octets[1] = (v[1] >> 16) & 0xff;
      octets[2] = (v[1] >> 8) & 0xff;
      octets[3] = v[1] & 0xff;
      break;
    default:  // 3
      if (v[2] > 0xffffu) return std::nullopt;
      octets[0] = v[0];
      octets[1] = v[1];
      octets[2] = (v[2] >> 8) & 0xff;
      octets[3] = v[2] & 0xff;
      break;
  }
  IpAddress ip;
  for (int k = 0; k < 4; ++k) {
    if (octets[k] > 255) return std::nullopt;
    ip.bytes[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(octets[k]);
  }
  return ip;
}

// The address part of ipaddr.js's `native` IPv6 pattern (zone removed): hex digits and
// colons, colon runs of at most two, not starting with a single colon.
bool isNativeShape(std::string_view s) noexcept {
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ':') {
      if (++run > 2) return false;
    } else if (isHex(s[i])) {
      if (run == 1 && i == 1) return false;  // a single leading colon
      run = 0;
    } else {
      return false;
    }
  }
  return !(s.size() == 1 && s[0] == ':');
}

// expandIPv6(string, parts): `s` has no zone. Returns the 16-bit groups or nullopt.
std::optional<std::vector<std::uint32_t>> expandIPv6(std::string s, std::size_t parts) {
  const std::size_t first = s.find("::");
  if (first != std::string::npos && first != s.rfind("::")) return std::nullopt;
  std::ptrdiff_t colons = 0;
  for (char c : s) colons += c == ':';
  if (s.compare(0, 2, "::") == 0) --colons;
  if (s.size() >= 2 && s.compare(s.size() - 2, 2, "::") == 0) --colons;
  if (colons >= static_cast<std::ptrdiff_t>(parts)) return std::nullopt;
  if (first != std::string::npos) {
    std::string replacement = ":";
    for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(parts) - colons; ++k) {
      replacement += "0:";
    }
    s.replace(first, 2, replacement);
  }
  if (!s.empty() && s.front() == ':') s.erase(0, 1);
  if (!s.empty() && s.back() == ':') s.pop_back();
  std::vector<std::uint32_t> groups;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = s.find(':', start);
    const std::string_view g =
        std::string_view(s).substr(start, colon == std::string::npos ? s.npos : colon - start);
    // parseInt(g, 16) of "" is NaN and a group over 4 digits is NaN: both invalid.
    if (g.empty() || g.size() > 4) return std::nullopt;
    groups.push_back(static_cast<std::uint32_t>(parseRadix(g, 16)));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return groups;
}

// JavaScript parseInt(p) without a radix, for a part matching ipv4Part.
std::uint64_t parseIntNoRadix(std::string_view p) noexcept {
  return isHexPrefixed(p) ? parseRadix(p.substr(2), 16) : parseRadix(p, 10);
}

std::optional<IpAddress> fromGroups(const std::vector<std::uint32_t>& groups) noexcept {
  if (groups.size() != 8) return std::nullopt;
  IpAddress ip;
  ip.v6 = true;
  for (std::size_t k = 0; k < 8; ++k) {
    if (groups[k] > 0xffff) return std::nullopt;
    ip.bytes[2 * k] = static_cast<std::uint8_t>(groups[k] >> 8);
    ip.bytes[2 * k + 1] = static_cast<std::uint8_t>(groups[k] & 0xff);
  }
  return ip;
}

std::optional<IpAddress> parseV6(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  std::string_view addr = text;
  const std::size_t pct = text.find('%');
  if (pct != std::string_view::npos) {
    const std::string_view zone = text.substr(pct + 1);
    if (zone.empty()) return std::nullopt;
    for (char c : zone) {
      const char l = detail::lowerAscii(c);
      if (!isDigit(c) && !(l >= 'a' && l <= 'z')) return std::nullopt;
    }
    addr = text.substr(0, pct);
  }
  // deprecatedTransitional: "::a.b.c.d" is read as "::ffff:a.b.c.d".
  if (addr.size() > 2 && addr.compare(0, 2, "::") == 0 &&
      addr.find(':', 2) == std::string_view::npos && addr.find('.') != std::string_view::npos) {
    std::string_view quad = addr.substr(2);
    std::size_t dots = 0;
    bool ok = true;
    std::size_t start = 0;
    while (ok) {
      const std::size_t dot = quad.find('.', start);
      ok = isV4Part(quad.substr(start, dot == std::string_view::npos ? quad.npos : dot - start));
      if (dot == std::string_view::npos) break;
      ++dots;
      start = dot + 1;
    }
    if (ok && dots == 3) return parseV6("::ffff:" + std::string(text.substr(2)));
  }
  if (isNativeShape(addr)) {
    const auto groups = expandIPv6(std::string(addr), 8);
    if (!groups) return std::nullopt;
    return fromGroups(*groups);
  }
  // transitional: an IPv6 prefix ending in ':' followed by a dotted quad.
  const std::size_t lastColon = addr.rfind(':');
  if (lastColon == std::string_view::npos) return std::nullopt;
  const std::string_view prefix = addr.substr(0, lastColon + 1);
  const std::string_view quad = addr.substr(lastColon + 1);
  if (!isNativeShape(prefix)) return std::nullopt;
  std::string_view q[4];
  std::size_t n = 0, start = 0;
  while (true) {
    const std::size_t dot = quad.find('.', start);
    if (n == 4) return std::nullopt;
    q[n++] = quad.substr(start, dot == std::string_view::npos ? quad.npos : dot - start);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (n != 4) return std::nullopt;
  std::uint64_t octets[4];
  for (std::size_t k = 0; k < 4; ++k) {
    if (!isV4Part(q[k])) return std::nullopt;
    octets[k] = parseIntNoRadix(q[k]);
  }
  std::string head(prefix);
  if (head.size() < 2 || head.compare(head.size() - 2, 2, "::") != 0) head.pop_back();
  auto groups = expandIPv6(std::move(head), 6);
  if (!groups) return std::nullopt;
  for (std::uint64_t o : octets) {
    if (o > 255) return std::nullopt;
  }
  groups->push_back(static_cast<std::uint32_t>(octets[0] << 8 | octets[1]));
  groups->push_back(static_cast<std::uint32_t>(octets[2] << 8 | octets[3]));
  return fromGroups(*groups);
}

IpAddress toV4(const IpAddress& mapped) noexcept {
  IpAddress ip;
  for (std::size_t k = 0; k < 4; ++k) ip.bytes[k] = mapped.bytes[12 + k];
  return ip;
}

IpAddress toMapped(const IpAddress& v4) noexcept {
  IpAddress ip;
  ip.v6 = true;
  ip.bytes[10] = 0xff;
  ip.bytes[11] = 0xff;
  for (std::size_t k = 0; k < 4; ++k) ip.bytes[12 + k] = v4.bytes[k];
  return ip;
}

// The number of leading one bits of a contiguous IPv4 netmask, or nullopt.
std::optional<unsigned> prefixFromNetmask(const IpAddress& mask) noexcept {
  const std::uint32_t m = static_cast<std::uint32_t>(mask.bytes[0]) << 24 |
                          static_cast<std::uint32_t>(mask.bytes[1]) << 16 |
                          static_cast<std::uint32_t>(mask.bytes[2]) << 8 | mask.bytes[3];
  const std::uint32_t inverted = ~m;
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // not ones followed by zeros
  unsigned bits = 0;
  for (std::uint32_t x = m; x != 0; x <<= 1) ++bits;
  return bits;
}

[[noreturn]] void invalidArg(const std::string& message) {
  throw SystemError("ERR_INVALID_ARG_VALUE", message);
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (auto v6 = parseV6(text)) return v6;
  return parseV4(text);
}

bool IpAddress::isIPv4Mapped() const noexcept {
  if (!v6) return false;
  for (std::size_t k = 0; k < 10; ++k) {
    if (bytes[k] != 0) return false;
  }
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

bool IpAddress::match(const IpAddress& subnet, unsigned prefixBits) const noexcept {
  if (v6 != subnet.v6) return false;
  const unsigned total = v6 ? 128 : 32;
  if (prefixBits > total) prefixBits = total;
  std::size_t k = 0;
  for (; prefixBits >= 8; prefixBits -= 8, ++k) {
    if (bytes[k] != subnet.bytes[k]) return false;
  }
  if (prefixBits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - prefixBits));
  return (bytes[k] & mask) == (subnet.bytes[k] & mask);
}

TrustProxy TrustProxy::all() {
  TrustProxy t;
  t.kind_ = Kind::All;
  return t;
}

TrustProxy TrustProxy::hops(std::size_t n) {
  TrustProxy t;
  t.kind_ = Kind::Hops;
  t.hops_ = n;
  return t;
}

TrustProxy TrustProxy::custom(std::function<bool(std::string_view, std::size_t)> fn) {
  TrustProxy t;
  t.kind_ = Kind::Custom;
  t.custom_ = std::move(fn);
  return t;
}

TrustProxy TrustProxy::compile(std::string_view commaList) {
  std::vector<std::string_view> entries;
  while (true) {
    const std::size_t comma = commaList.find(',');
    std::string_view e = commaList.substr(0, comma);
    // String.prototype.trim for the ASCII whitespace an option string can hold.
    while (!e.empty() && (e.front() == ' ' || e.front() == '\t' || e.front() == '\n' ||
                          e.front() == '\r' || e.front() == '\v' || e.front() == '\f')) {
      e.remove_prefix(1);
    }
    while (!e.empty() && (e.back() == ' ' || e.back() == '\t' || e.back() == '\n' ||
                          e.back() == '\r' || e.back() == '\v' || e.back() == '\f')) {
      e.remove_suffix(1);
    }
    entries.push_back(e);
    if (comma == std::string_view::npos) break;
    commaList.remove_prefix(comma + 1);
  }
  return compile(std::span<const std::string_view>(entries));
}

TrustProxy TrustProxy::compile(std::span<const std::string_view> list) {
  static constexpr std::string_view kLoopback[] = {"127.0.0.1/8", "::1/128"};
  static constexpr std::string_view kLinkLocal[] = {"169.254.0.0/16", "fe80::/10"};
  static constexpr std::string_view kUniqueLocal[] = {"10.0.0.0/8", "172.16.0.0/12",
                                                      "192.168.0.0/16", "fc00::/7"};
  std::vector<std::string_view> notes;
  for (std::string_view v : list) {
    std::span<const std::string_view> named;
    if (v == "loopback") named = kLoopback;
    if (v == "linklocal") named = kLinkLocal;
    if (v == "uniquelocal") named = kUniqueLocal;
    if (named.empty()) {
      notes.push_back(v);
    } else {
      notes.insert(notes.end(), named.begin(), named.end());
    }
  }
  TrustProxy t;
  t.kind_ = Kind::Subnets;
  for (std::string_view note : notes) {
    const std::size_t pos = note.rfind('/');
    const std::string_view str = pos == std::string_view::npos ? note : note.substr(0, pos);
    auto ip = IpAddress::parse(str);
    if (!ip) invalidArg("invalid IP address: " + std::string(str));
    if (pos == std::string_view::npos && ip->isIPv4Mapped()) ip = toV4(*ip);
    const unsigned max = ip->v6 ? 128 : 32;
    std::optional<unsigned> range;
    if (pos == std::string_view::npos) {
      range = max;
    } else {
      const std::string_view r = note.substr(pos + 1);
      bool digits = !r.empty();
      for (char c : r) digits = digits && isDigit(c);
      if (digits) {
        range = static_cast<unsigned>(std::min<std::uint64_t>(parseRadix(r, 10), 1000));
      } else if (!ip->v6) {
        if (const auto mask = IpAddress::parse(r); mask && !mask->v6) {
          range = prefixFromNetmask(*mask);
        }
      }
    }
    if (!range || *range == 0 || *range > max) {
      invalidArg("invalid range on address: " + std::string(note));
    }
    t.subnets_.push_back(Subnet{*ip, *range});
  }
  return t;
}

bool TrustProxy::operator()(std::string_view addr, std::size_t i) const {
  switch (kind_) {
    case Kind::None:
      return false;
    case Kind::All:
      return true;
    case Kind::Hops:
      return i < hops_;
    case Kind::Custom:
      return custom_ && custom_(addr, i);
    case Kind::Subnets:
      break;
  }
  auto parsed = IpAddress::parse(addr);
  if (!parsed) return false;
  IpAddress ip = parsed->isIPv4Mapped() ? toV4(*parsed) : *parsed;
  for (const Subnet& subnet : subnets_) {
    IpAddress trusted = ip;
    if (ip.v6 != subnet.address.v6) {
      // An IPv6 address only meets an IPv4 subnet when it is IPv4-mapped (it was converted
      // above), and an IPv4 address only meets an IPv4-mapped IPv6 subnet of /96 or longer.
      if (!subnet.address.v6) continue;
      if (!(subnet.prefixBits >= 96 && subnet.address.isIPv4Mapped())) continue;
      trusted = toMapped(ip);
    } else if (ip.v6 && subnet.address.isIPv4Mapped()) {
      continue;
    }
    if (trusted.match(subnet.address, subnet.prefixBits)) return true;
  }
  return false;
}

std::vector<std::string_view> forwardedAddrs(std::string_view socketAddr,
                                             std::optional<std::string_view> xForwardedFor) {
  std::vector<std::string_view> list{socketAddr};
  const std::string_view header = xForwardedFor.value_or("");
  std::size_t end = header.size(), start = header.size();
  for (std::size_t i = header.size(); i-- > 0;) {
    switch (header[i]) {
      case ' ':
        if (start == end) start = end = i;
        break;
      case ',':
        if (start != end) list.push_back(header.substr(start, end - start));
        start = end = i;
        break;
      default:
        start = i;
        break;
    }
  }
  if (start != end) list.push_back(header.substr(start, end - start));
  return list;
}

std::vector<std::string_view> proxyAddrAll(std::string_view socketAddr,
                                           std::optional<std::string_view> xForwardedFor,
                                           const TrustProxy& trust) {
  std::vector<std::string_view> addrs = forwardedAddrs(socketAddr, xForwardedFor);
  for (std::size_t i = 0; i + 1 < addrs.size(); ++i) {
    if (trust(addrs[i], i)) continue;
    addrs.resize(i + 1);
  }
  return addrs;
}

std::string_view proxyAddr(std::string_view socketAddr,
                           std::optional<std::string_view> xForwardedFor, const TrustProxy& trust) {
  if (trust.trustsNothing() || !xForwardedFor) return socketAddr;
  // Walk the same list as forwardedAddrs() without materialising it.
  std::string_view current = socketAddr;
  std::size_t index = 0;
  const std::string_view header = *xForwardedFor;
  std::size_t end = header.size(), start = header.size();
  auto step = [&](std::string_view next) {
    if (!trust(current, index)) return false;
    current = next;
    ++index;
    return true;
  };
  for (std::size_t i = header.size(); i-- > 0;) {
    switch (header[i]) {
      case ' ':
        if (start == end) start = end = i;
        break;
      case ',':
        if (start != end && !step(header.substr(start, end - start))) return current;
        start = end = i;
        break;
      default:
        start = i;
        break;
    }
  }
  if (start != end) step(header.substr(start, end - start));
  return current;
}

std::vector<std::string_view> proxyIps(std::string_view socketAddr,
                                       std::optional<std::string_view> xForwardedFor,
                                       const TrustProxy& trust) {
  std::vector<std::string_view> addrs = proxyAddrAll(socketAddr, xForwardedFor, trust);
  std::reverse(addrs.begin(), addrs.end());
  addrs.pop_back();
  return addrs;
}

}  // namespace nx::web
