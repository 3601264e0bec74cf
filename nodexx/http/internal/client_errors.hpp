// SPDX-License-Identifier: MIT
// Errors of the HTTP client that http/errors.hpp does not list, with Node's codes and
// messages, and the TLS connect hook of the agent.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/agent.hpp"

namespace nx::net {
class Socket;
}

namespace nx::http::detail {

/// Codes of the client.
namespace client_errc {
/// The connection closed before (or while) the response arrived; Node's ConnResetException.
inline constexpr std::string_view kConnReset = "ECONNRESET";
/// The socket was idle longer than the request's `timeout`.
inline constexpr std::string_view kTimedOut = "ETIMEDOUT";
/// The response body exceeded maxResponseBytes.
inline constexpr std::string_view kResponseTooLarge = "ERR_HTTP_RESPONSE_TOO_LARGE";
/// A protocol other than http: and https:.
inline constexpr std::string_view kInvalidProtocol = "ERR_INVALID_PROTOCOL";
/// A request path with characters outside 0x21..0xFF (Node's ERR_UNESCAPED_CHARACTERS).
inline constexpr std::string_view kUnescapedCharacters = "ERR_UNESCAPED_CHARACTERS";
/// fetch(): too many redirects, or a redirect with redirect: "error".
inline constexpr std::string_view kRedirect = "ERR_FETCH_REDIRECT";
}  // namespace client_errc

/// ECONNRESET with `message` ("socket hang up" before a response, "aborted" during one).
std::exception_ptr connReset(std::string_view message);
/// ETIMEDOUT "Socket timeout".
std::exception_ptr socketTimeout();
/// ERR_HTTP_RESPONSE_TOO_LARGE "Response body larger than <n> bytes".
std::exception_ptr responseTooLarge(std::uint64_t limit);

/// Opens a TLS connection for `origin` (verifying the peer unless told otherwise).
Promise<AgentLease> connectTls(Agent::Origin origin, std::chrono::milliseconds connectTimeout);

}  // namespace nx::http::detail
