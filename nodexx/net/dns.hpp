// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include "nodexx/core/promise.hpp"
#include "nodexx/net/errors.hpp"

/// Node's dns.lookup: name resolution through the operating system (getaddrinfo, so
/// /etc/hosts and nsswitch apply), run on libuv's thread pool like Node's. Defined in the net
/// module's folder because net.connect depends on it; the namespace is Node's module name.
namespace nx::dns {

/// One resolved address: `address` is the numeric text ("127.0.0.1", "::1"), `family` 4 or 6.
struct LookupAddress {
  std::string address;
  int family = 0;
  friend bool operator==(const LookupAddress&, const LookupAddress&) = default;
};

/// Options of lookup(), as Node's. Trivially destructible, so a braced temporary in a
/// co_await expression is safe (see nodexx/core/README.md).
struct LookupOptions {
  /// 0 (any), 4 (IPv4 only) or 6 (IPv6 only); anything else throws ERR_INVALID_ARG_VALUE.
  int family = 0;
  /// true: every address, in the resolver's order (Node's `all: true`); false: the first.
  bool all = false;
  /// getaddrinfo flags (AI_ADDRCONFIG, AI_V4MAPPED), as Node's `hints`; default none.
  int hints = 0;
};

/// The outcome of lookup(): `address` and `family` are the first address (what Node's
/// non-`all` form returns), `addresses` every address when options.all was true, else just the
/// first one (Node's `all: true` array shape).
struct LookupResult {
  std::string address;
  int family = 0;
  std::vector<LookupAddress> addresses;
};

/// Resolves `hostname` like dns.lookup(hostname, options). An IP literal resolves without a
/// lookup (in the next microtask). Otherwise the resolution runs on the thread pool and the
/// promise settles on the calling loop's thread. Rejects with net::LookupError: code
/// "ENOTFOUND" and message "getaddrinfo ENOTFOUND <hostname>" for an unknown name, "EAI_AGAIN"
/// for a temporary failure. Throws (synchronously) SystemError ERR_INVALID_ARG_VALUE for a bad
/// family. Must be called on a loop thread.
[[nodiscard]] Promise<LookupResult> lookup(std::string hostname, LookupOptions options = {});

/// 4 for an IPv4 literal, 6 for an IPv6 literal, 0 otherwise (net.isIP).
int isIP(std::string_view input) noexcept;

}  // namespace nx::dns
