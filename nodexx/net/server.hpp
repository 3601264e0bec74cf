// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::net {

namespace detail {
class UvStream;
}  // namespace detail

/// Options of a Server (net.createServer(options)). Trivially destructible.
struct ServerOptions {
  /// Passed to each accepted socket: false (Node's default) ends our side when the peer ends.
  bool allowHalfOpen = false;
  /// Accepted sockets start paused: nothing is read until resume() (Node's pauseOnConnect).
  bool pauseOnConnect = false;
  /// Accepted sockets' high water mark, bytes.
  std::size_t highWaterMark = stream::kDefaultHighWaterMark;
};

/// Where to listen (server.listen(options)). A non-aggregate, so a temporary in a co_await
/// expression is safe with g++ 12.
class ListenOptions {
 public:
  /// TCP: `port` (0: an ephemeral port, see address()) on `host` ("": every address, "::"
  /// with IPv4 mapped when IPv6 is available, else "0.0.0.0", as Node).
  ListenOptions(int port = 0, std::string host = {}) : port(port), host(std::move(host)) {}
  /// A Unix domain socket at `path`.
  explicit ListenOptions(std::string path, int backlog) : path(std::move(path)), backlog(backlog) {}

  int port = 0;
  std::string host;
  std::string path;
  /// The accept queue length; Node's default 511.
  int backlog = 511;
  /// Listen on IPv6 only (no IPv4-mapped addresses) for an IPv6 host.
  bool ipv6Only = false;
};

/// The events of a Server.
struct ServerEvents {
  Event<std::shared_ptr<Socket>>& connection;  ///< "connection": an accepted socket
  Event<>& listening;                          ///< "listening": after listen() succeeds
  Event<>& close;                              ///< "close": closed and every connection ended
  Event<std::exception_ptr>& error;            ///< "error": listen failure (EADDRINUSE)
  Event<>& drop;  ///< "drop": a connection refused because maxConnections was reached
};

/// Node's net.Server: accepts TCP or Unix-socket connections and hands each one over as a
/// Socket in "connection". Create it with createServer(). Listening keeps the loop alive (until
/// unref()) and keeps the server alive, whoever holds it; close() releases it.
/// Loop-affine.
class Server : public std::enable_shared_from_this<Server> {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Starts listening; resolves after "listening" was emitted (in a later tick, as Node).
  /// Rejects with NetError "listen EADDRINUSE: address already in use :::8080" (or EACCES,
  /// ...), also emitted as "error" when it has listeners; with ERR_SERVER_ALREADY_LISTEN when
  /// already listening; with RangeError ERR_SOCKET_BAD_PORT for a port outside [0, 65535];
  /// with LookupError when `host` is a name that does not resolve.
  [[nodiscard]] Promise<> listen(ListenOptions options);
  /// listen(ListenOptions(port, host)) with a backlog.
  [[nodiscard]] Promise<> listen(int port = 0, std::string host = {}, int backlog = 511);
  /// listen on a Unix domain socket at `path`.
  [[nodiscard]] Promise<> listen(std::string path, int backlog = 511);

  /// Stops accepting; resolves when every connection has ended and "close" was emitted.
  /// Rejects with ERR_SERVER_NOT_RUNNING when not listening ("close" is still emitted, as
  /// Node does). Existing connections are not touched: end or destroy them to finish.
  [[nodiscard]] Promise<> close();

  /// The bound address: {"::", "IPv6", 41234} (port is the real one after port 0); for a Unix
  /// socket {path, "", -1}. Empty before listening.
  const AddressInfo& address() const noexcept { return address_; }
  /// True while listening.
  bool listening() const noexcept { return handle_ != nullptr; }
  /// The number of open connections (Node's getConnections, synchronous here).
  std::size_t getConnections() const noexcept { return connections_; }
  /// Connections beyond this number are closed at once ("drop"); negative: no limit (default).
  long maxConnections = -1;

  /// The listening handle no longer keeps the loop alive / does again.
  Server& unref();
  Server& ref();

  /// The events: connection, listening, close, error, drop.
  ServerEvents events() noexcept { return {connection_, listening_, close_, error_, drop_}; }

 private:
  void onConnection(int status);
  void emitCloseIfDrained();

  ServerOptions options_;
  detail::UvStream* handle_ = nullptr;
  AddressInfo address_;
  std::size_t connections_ = 0;
  bool unref_ = false;
  bool closing_ = false;
  std::shared_ptr<Server> self_;  // while listening (and closing): see the class comment
  std::vector<Promise<>::Resolvers> closeWaiters_;
  Event<std::shared_ptr<Socket>> connection_{"connection", "Server"};
  Event<> listening_{"listening", "Server"};
  Event<> close_{"close", "Server"};
  Event<std::exception_ptr> error_{"error", "Server"};
  Event<> drop_{"drop", "Server"};
};

/// Node's net.createServer(connectionListener): a new Server whose "connection" event calls
/// `connectionListener` (if given) with each accepted socket.
std::shared_ptr<Server> createServer(
    MoveFunction<void(std::shared_ptr<Socket>)> connectionListener = nullptr,
    ServerOptions options = {});

}  // namespace nx::net
