// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/client_errors.hpp"

#include <string>

#include "nodexx/net/socket.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::http::detail {

std::exception_ptr connReset(std::string_view message) {
  return std::make_exception_ptr(
      SystemError(std::string(client_errc::kConnReset), std::string(message)));
}

std::exception_ptr socketTimeout() {
  return std::make_exception_ptr(
      SystemError(std::string(client_errc::kTimedOut), "Socket timeout"));
}

std::exception_ptr responseTooLarge(std::uint64_t limit) {
  return std::make_exception_ptr(
      SystemError(std::string(client_errc::kResponseTooLarge),
                  "Response body larger than " + std::to_string(limit) + " bytes"));
}

Promise<AgentLease> connectTls(Agent::Origin origin, std::chrono::milliseconds connectTimeout) {
  tls::ConnectOptions options(origin.port, origin.host);
  options.servername = origin.servername;
  options.rejectUnauthorized = origin.rejectUnauthorized;
  if (!origin.ca.empty()) options.ca.emplace_back(origin.ca);
  options.timeout = connectTimeout;
  options.family = origin.family;
  options.ALPNProtocols = {"http/1.1"};
  auto socket = co_await tls::connect(options);
  socket->socket().setNoDelay(true);
  net::Socket* tcp = &socket->socket();
  co_return AgentLease{std::move(socket), tcp, false};
}

}  // namespace nx::http::detail
