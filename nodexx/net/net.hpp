// SPDX-License-Identifier: MIT
// Node's net module: TCP and Unix-socket clients (Socket, connect) and servers (Server,
// createServer), with dns.lookup and the module's errors.
#pragma once

#include "nodexx/net/dns.hpp"     // IWYU pragma: export
#include "nodexx/net/errors.hpp"  // IWYU pragma: export
#include "nodexx/net/server.hpp"  // IWYU pragma: export
#include "nodexx/net/socket.hpp"  // IWYU pragma: export

namespace nx::net {

/// 4 for an IPv4 literal, 6 for an IPv6 literal, 0 otherwise (net.isIP).
inline int isIP(std::string_view input) noexcept { return dns::isIP(input); }
/// net.isIPv4.
inline bool isIPv4(std::string_view input) noexcept { return dns::isIP(input) == 4; }
/// net.isIPv6.
inline bool isIPv6(std::string_view input) noexcept { return dns::isIP(input) == 6; }

}  // namespace nx::net
