// SPDX-License-Identifier: MIT
// The state behind http::Server: the listening handle, the connection list, the deadline timer.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "nodexx/core/promise.hpp"
#include "nodexx/http/internal/date_cache.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/net/secure_context.hpp"

namespace nx::http {

namespace detail {
class Connection;
struct Socket;

/// What an HTTPS server adds (https::createServer): the context every connection's TLS engine
/// is made from, and the client verification policy. Absent on a plain server.
struct TlsServerState {
  tls::SecureContext context;
  bool requestCert = false;
  bool rejectUnauthorized = true;
  /// The handshake must complete this long after the accept (and within headersTimeout).
  std::chrono::milliseconds handshakeTimeout{120'000};
};
}  // namespace detail

/// Lives until the Server is gone and every handle and connection object is released (it
/// frees itself then), so libuv callbacks never see a dangling server.
class ServerImpl {
 public:
  ServerImpl(Server& owner, RequestHandler handler, ServerOptions options);
  ~ServerImpl();

  Server* owner;  // null once the Server object is destroyed
  RequestHandler handler;
  ServerOptions options;
  uv_loop_t* loop;
  detail::DateCache dates;
  /// "Connection: keep-alive\r\nKeep-Alive: timeout=<s>\r\n", fixed by the options.
  std::string keepAliveFields;
  std::unique_ptr<detail::TlsServerState> tls;  // HTTPS servers only

  // Connection bookkeeping, used by Socket and Connection.
  detail::Connection& acquire();                      // a Connection for a busy socket
  void release(detail::Connection* c) noexcept;       // the object is no longer used
  void connectionClosed(detail::Socket* s) noexcept;  // its handle closed
  bool isClosing() const noexcept { return closing_; }
  std::uint64_t now() const noexcept { return uv_now(loop); }

  Promise<> listenTcp(std::uint16_t port, std::string_view host);
  Promise<> listenPipe(std::string_view path);
  AddressInfo address() const;
  bool listening() const noexcept { return listening_; }
  Promise<> close(std::optional<std::chrono::milliseconds> deadline);
  void closeIdle() noexcept;
  void closeAll() noexcept;
  std::size_t connectionCount() const noexcept { return count_; }
  /// Connection objects out of the pool: busy sockets, and closed ones whose handler runs.
  std::size_t busyConnections() const noexcept { return objects_; }
  void detach() noexcept;  // the Server object is going away

 private:
  Promise<> listenOn(int fd, const sockaddr* addr, socklen_t len);
  static void onConnection(uv_poll_t* h, int status, int events);
  void acceptAll();
  void acceptFailed() noexcept;
  static void onTick(uv_timer_t* t);
  static void onDeadline(uv_timer_t* t);
  static void onHandleClosed(uv_handle_t* h);
  void stopListening() noexcept;
  void maybeFinishClose() noexcept;
  void maybeFree() noexcept;

  // The listening socket is ours (socket/bind/listen/accept4) and polled by libuv, so that an
  // accepted descriptor goes straight into a Socket without a libuv stream around it.
  uv_poll_t listener_{};
  int listenFd_ = -1;
  int reserveFd_ = -1;  // closed to make room for accept() when the process runs out of fds
  uv_timer_t tick_{};
  uv_timer_t deadlineTimer_{};
  int openHandles_ = 0;
  bool listening_ = false;
  bool listenerOpen_ = false;
  bool pipe_ = false;
  bool tickStarted_ = false;
  bool deadlineOpen_ = false;
  bool closing_ = false;
  std::string pipePath_;
  detail::Socket* head_ = nullptr;  // open sockets (intrusive list)
  std::size_t count_ = 0;
  std::size_t objects_ = 0;  // Connection objects out of the pool (busy, or closed but in use)
  std::vector<detail::Connection*> pool_;
  std::optional<Promise<>::Resolvers> closeWaiter_;
};

namespace detail {

/// The state behind a Server, for the server's own tests (loop thread only).
struct ServerInternals {
  static ServerImpl& of(Server& s) noexcept { return *s.impl_; }
};

}  // namespace detail

}  // namespace nx::http
