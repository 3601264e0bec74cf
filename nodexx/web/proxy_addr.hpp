// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

/// Express's `trust proxy` setting and the `proxy-addr` package: which hops of
/// X-Forwarded-For to believe, giving req.ip and req.ips. Addresses are parsed as `ipaddr.js`
/// parses them (IPv4 incl. its short/octal/hex forms, IPv6 incl. embedded IPv4 and zone ids),
/// and an IPv4-mapped IPv6 address (::ffff:10.0.0.1) matches IPv4 subnets. Pure functions.
namespace nx::web {

/// A parsed IP address: 4 bytes (IPv4) or 16 bytes (IPv6) in network order.
struct IpAddress {
  /// The address bytes; an IPv4 address uses the first four.
  std::array<std::uint8_t, 16> bytes{};
  /// True for IPv6.
  bool v6 = false;

  /// ipaddr.js's parse(): nullopt for anything it would reject (zone ids are accepted and
  /// dropped).
  static std::optional<IpAddress> parse(std::string_view text);
  /// True if an IPv6 address is ::ffff:a.b.c.d.
  bool isIPv4Mapped() const noexcept;
  /// True if the first `prefixBits` bits equal those of `subnet` (same family required).
  bool match(const IpAddress& subnet, unsigned prefixBits) const noexcept;
};

/// A compiled `trust proxy` value, Express's `trust proxy fn`: decides whether the hop at
/// distance `i` (0 = the socket peer) with address `addr` is a trusted proxy. Copyable;
/// default-constructed it trusts nothing (Express's default `false`).
class TrustProxy {
 public:
  /// Trusts nothing: req.ip is the socket address.
  TrustProxy() = default;

  /// `trust proxy: true`: every hop is trusted; req.ip is the left-most X-Forwarded-For entry.
  static TrustProxy all();
  /// `trust proxy: false` (same as default construction).
  static TrustProxy none() { return {}; }
  /// `trust proxy: n`: trust the first `n` hops from the server (i < n).
  static TrustProxy hops(std::size_t n);
  /// `trust proxy: "loopback, 10.0.0.0/8"`: a comma-separated list (entries trimmed), as
  /// compile(list). Throws like compile(list).
  static TrustProxy compile(std::string_view commaList);
  /// proxyaddr.compile(list): each entry is an address, an address/prefix ("10.0.0.0/8",
  /// "fe80::/10"), an address/netmask ("10.0.0.0/255.0.0.0"), or one of the names
  /// "loopback" (127.0.0.1/8, ::1/128), "linklocal" (169.254.0.0/16, fe80::/10), "uniquelocal"
  /// (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7). An IPv4-mapped IPv6 entry is
  /// stored as IPv4. Throws nx::SystemError ERR_INVALID_ARG_VALUE with the package's message
  /// ("invalid IP address: x", "invalid range on address: x").
  static TrustProxy compile(std::span<const std::string_view> list);
  /// A custom predicate (Express accepts a function): `fn(addr, i)`.
  static TrustProxy custom(std::function<bool(std::string_view addr, std::size_t i)> fn);

  /// True if hop `i` with address `addr` is trusted. An unparsable address is never trusted
  /// by a compiled list.
  bool operator()(std::string_view addr, std::size_t i) const;

  /// True for the default/none value (lets callers skip reading X-Forwarded-For).
  bool trustsNothing() const noexcept { return kind_ == Kind::None; }

 private:
  enum class Kind { None, All, Hops, Subnets, Custom };
  struct Subnet {
    IpAddress address;
    unsigned prefixBits = 0;
  };
  Kind kind_ = Kind::None;
  std::size_t hops_ = 0;
  std::vector<Subnet> subnets_;
  std::function<bool(std::string_view, std::size_t)> custom_;
};

/// The `forwarded` package: the socket address followed by the X-Forwarded-For entries from
/// right (closest) to left, each trimmed of spaces; empty entries dropped. Views into the
/// arguments.
std::vector<std::string_view> forwardedAddrs(std::string_view socketAddr,
                                             std::optional<std::string_view> xForwardedFor);

/// proxyaddr.all(req, trust): forwardedAddrs() cut after the first untrusted hop (the socket
/// address is always first and always kept).
std::vector<std::string_view> proxyAddrAll(std::string_view socketAddr,
                                           std::optional<std::string_view> xForwardedFor,
                                           const TrustProxy& trust);

/// proxyaddr(req, trust), Express's req.ip: the last address of proxyAddrAll(). Allocation-free.
std::string_view proxyAddr(std::string_view socketAddr,
                           std::optional<std::string_view> xForwardedFor, const TrustProxy& trust);

/// Express's req.ips: proxyAddrAll() reversed (farthest first) without the socket address;
/// empty when nothing is trusted.
std::vector<std::string_view> proxyIps(std::string_view socketAddr,
                                       std::optional<std::string_view> xForwardedFor,
                                       const TrustProxy& trust);

}  // namespace nx::web
