// SPDX-License-Identifier: MIT
#include "nodexx/http/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/server_impl.hpp"

namespace nx::http {

using detail::Connection;
using detail::Socket;

// ---------------------------------------------------------------------------------------------
// Server: a thin owner of ServerImpl.

Server::Server(ServerOptions options) : Server(RequestHandler(), options) {}

Server::Server(RequestHandler handler, ServerOptions options)
    : impl_(new ServerImpl(*this, std::move(handler), options)) {}

Server::Server(Server&& other) noexcept
    : onRequest(std::move(other.onRequest)),
      onConnection(std::move(other.onConnection)),
      onClose(std::move(other.onClose)),
      onClientError(std::move(other.onClientError)),
      onCheckContinue(std::move(other.onCheckContinue)),
      onHandlerError(std::move(other.onHandlerError)),
      onTlsClientError(std::move(other.onTlsClientError)),
      onUpgrade(std::move(other.onUpgrade)),
      onConnect(std::move(other.onConnect)),
      impl_(std::exchange(other.impl_, nullptr)) {
  if (impl_ != nullptr) impl_->owner = this;
}

Server& Server::operator=(Server&& other) noexcept {
  if (this != &other) {
    if (impl_ != nullptr) impl_->detach();
    onRequest = std::move(other.onRequest);
    onConnection = std::move(other.onConnection);
    onClose = std::move(other.onClose);
    onClientError = std::move(other.onClientError);
    onCheckContinue = std::move(other.onCheckContinue);
    onHandlerError = std::move(other.onHandlerError);
    onTlsClientError = std::move(other.onTlsClientError);
    onUpgrade = std::move(other.onUpgrade);
    onConnect = std::move(other.onConnect);
    impl_ = std::exchange(other.impl_, nullptr);
    if (impl_ != nullptr) impl_->owner = this;
  }
  return *this;
}

Server::~Server() {
  if (impl_ != nullptr) impl_->detach();
}

Promise<> Server::listen(std::uint16_t port, std::string_view host) {
  return impl_->listenTcp(port, host);
}
Promise<> Server::listen(std::string_view path) { return impl_->listenPipe(path); }
AddressInfo Server::address() const { return impl_->address(); }
bool Server::listening() const noexcept { return impl_->listening(); }
Promise<> Server::close() { return impl_->close(std::nullopt); }
Promise<> Server::close(std::chrono::milliseconds deadline) { return impl_->close(deadline); }
void Server::closeIdleConnections() { impl_->closeIdle(); }
void Server::closeAllConnections() { impl_->closeAll(); }
std::size_t Server::connectionCount() const noexcept { return impl_->connectionCount(); }

// ---------------------------------------------------------------------------------------------
// ServerImpl

ServerImpl::ServerImpl(Server& o, RequestHandler h, ServerOptions opts)
    : owner(&o),
      handler(std::move(h)),
      options(opts),
      loop(nx::loop().uv()),
      keepAliveFields("Connection: keep-alive\r\nKeep-Alive: timeout=" +
                      std::to_string(opts.keepAliveTimeout.count() / 1000) + "\r\n") {}

ServerImpl::~ServerImpl() {
  for (Connection* c : pool_) delete c;
  if (reserveFd_ >= 0) ::close(reserveFd_);
}

namespace {

Promise<> rejected(int err, const char* syscall) {
  return Promise<>::reject(UvError(err, syscall));
}

// Every libuv callback into the server goes through the loop's trampoline: exceptions are
// reported as uncaught and the tick/microtask queues drain afterwards (ARCHITECTURE §2).
template <class F>
void callback(uv_loop_t* l, F&& f) noexcept {
  nx::detail::invokeCallback(nx::detail::stateOf(l), std::forward<F>(f));
}

Promise<> alreadyListening() {
  return Promise<>::reject(SystemError(std::string(errc::kServerAlreadyListen),
                                       "Listen method has been called more than once"));
}

}  // namespace

Promise<> ServerImpl::listenOn(int fd, const sockaddr* addr, socklen_t len) {
  if (fd < 0) return rejected(-errno, "listen");
  int err = 0;
  if (::bind(fd, addr, len) != 0 || ::listen(fd, options.backlog) != 0) err = -errno;
  if (err == 0) err = uv_poll_init(loop, &listener_, fd);
  if (err != 0) {
    ::close(fd);
    return rejected(err, "listen");
  }
  listener_.data = this;
  listenFd_ = fd;
  listenerOpen_ = true;
  ++openHandles_;
  uv_poll_start(&listener_, UV_READABLE, onConnection);
  if (reserveFd_ < 0) reserveFd_ = ::open("/", O_RDONLY | O_CLOEXEC);
  listening_ = true;
  closing_ = false;
  return Promise<>::resolve();
}

Promise<> ServerImpl::listenTcp(std::uint16_t port, std::string_view host) {
  if (listening_ || listenerOpen_) return alreadyListening();
  std::string h(host);
  sockaddr_storage addr{};
  int err = uv_ip4_addr(h.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (err != 0) err = uv_ip6_addr(h.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (err != 0) return rejected(UV_EINVAL, "listen");
  pipe_ = false;
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    int one = 1;  // as libuv and Node: a restarted server can bind while old sockets linger
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  socklen_t len = addr.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  return listenOn(fd, reinterpret_cast<const sockaddr*>(&addr), len);
}

Promise<> ServerImpl::listenPipe(std::string_view path) {
  if (listening_ || listenerOpen_) return alreadyListening();
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return rejected(UV_ENAMETOOLONG, "listen");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  pipePath_ = std::string(path);
  pipe_ = true;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return listenOn(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
}

AddressInfo ServerImpl::address() const {
  AddressInfo info;
  if (!listening_) return info;
  if (pipe_) {
    info.address = pipePath_;
    info.family = "unix";
    return info;
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  char ip[64] = {};
  if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    uv_ip6_name(a, ip, sizeof ip);
    info.family = "IPv6";
    info.port = ntohs(a->sin6_port);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(a, ip, sizeof ip);
    info.family = "IPv4";
    info.port = ntohs(a->sin_port);
  }
  info.address = ip;
  return info;
}

void ServerImpl::onConnection(uv_poll_t* h, int status, int) {
  auto* self = static_cast<ServerImpl*>(h->data);
  callback(self->loop, [&] {
    if (status < 0 || !self->listening_) return;
    self->acceptAll();
  });
}

void ServerImpl::acceptAll() {
  while (listening_) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) acceptFailed();
      return;  // EAGAIN, or a transient error: wait for the next readiness
    }
    if (!pipe_) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    Socket* s = nullptr;
    auto headers = static_cast<std::uint64_t>(options.headersTimeout.count());
    if (!tls) {
      s = new Socket(*this);
    } else {
      try {
        s = detail::newTlsSocket(*this);
      } catch (...) {
        ::close(fd);
        continue;
      }
      // The handshake counts against headersTimeout, and against handshakeTimeout if shorter
      // (Connection::handshakeCompleted() moves the deadline to the head's).
      if (tls->handshakeTimeout.count() > 0) {
        headers = std::min(headers, static_cast<std::uint64_t>(tls->handshakeTimeout.count()));
      }
    }
    if (!s->open(loop, fd)) {
      detail::deleteSocket(s);
      continue;
    }
    s->deadlineKind = detail::DeadlineKind::Headers;
    s->deadline = now() + headers;
    s->next = head_;
    if (head_ != nullptr) head_->prev = s;
    head_ = s;
    ++count_;
    if (!tickStarted_) {
      if (tick_.loop == nullptr) {
        uv_timer_init(loop, &tick_);
        tick_.data = this;
        ++openHandles_;
      }
      auto every = static_cast<std::uint64_t>(options.connectionsCheckingInterval.count());
      if (every == 0) every = 1000;
      uv_timer_start(&tick_, onTick, every, every);
      uv_unref(reinterpret_cast<uv_handle_t*>(&tick_));
      tickStarted_ = true;
    }
    if (owner != nullptr) owner->onConnection.emit();
  }
}

void ServerImpl::acceptFailed() noexcept {
  // Out of descriptors: the pending connection would keep the listener readable forever.
  // Accept it on the reserve descriptor and close it at once (libuv's answer too), so the
  // client sees a reset instead of a hang and the loop does not spin.
  if (reserveFd_ < 0) return;
  ::close(reserveFd_);
  int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  reserveFd_ = ::open("/", O_RDONLY | O_CLOEXEC);
}

void ServerImpl::onTick(uv_timer_t* t) {
  auto* self = static_cast<ServerImpl*>(t->data);
  callback(self->loop, [&] {
    std::uint64_t now = uv_now(self->loop);
    for (Socket* s = self->head_; s != nullptr;) {
      Socket* next = s->next;  // a socket leaves the list only in its close callback
      if (s->deadlineKind != detail::DeadlineKind::None && now >= s->deadline && !s->closing) {
        if (s->conn == nullptr && s->deadlineKind == detail::DeadlineKind::KeepAlive) {
          s->shutdownAndClose();
        } else {
          s->busy().deadlineExpired();
        }
      }
      s = next;
    }
  });
}

Connection& ServerImpl::acquire() {
  Connection* c;
  if (!pool_.empty()) {
    c = pool_.back();
    pool_.pop_back();
  } else {
    c = new Connection(*this);
  }
  ++objects_;
  return *c;
}

void ServerImpl::connectionClosed(Socket* s) noexcept {
  if (s->prev != nullptr) s->prev->next = s->next;
  if (s->next != nullptr) s->next->prev = s->prev;
  if (head_ == s) head_ = s->next;
  s->prev = s->next = nullptr;
  --count_;
  if (count_ == 0 && tickStarted_) {
    uv_timer_stop(&tick_);
    tickStarted_ = false;
  }
  maybeFinishClose();
  maybeFree();
}

void ServerImpl::release(Connection* c) noexcept {
  --objects_;
  // Enough for every exchange one loop iteration can have in flight; beyond that, free.
  if (pool_.size() < 256 && owner != nullptr) {
    pool_.push_back(c);
  } else {
    delete c;
  }
  maybeFree();
}

void ServerImpl::onHandleClosed(uv_handle_t* h) {
  auto* self = static_cast<ServerImpl*>(h->data);
  --self->openHandles_;
  self->maybeFinishClose();
  self->maybeFree();
}

void ServerImpl::stopListening() noexcept {
  listening_ = false;
  if (listenerOpen_) {
    listenerOpen_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), onHandleClosed);
    ::close(listenFd_);
    listenFd_ = -1;
    // As libuv does for a bound pipe: the socket file goes with the server.
    if (pipe_ && !pipePath_.empty()) ::unlink(pipePath_.c_str());
  }
}

Promise<> ServerImpl::close(std::optional<std::chrono::milliseconds> deadline) {
  if (!listening_ && !closing_) {
    return Promise<>::reject(
        SystemError(std::string(errc::kServerNotRunning), "Server is not running."));
  }
  if (!closeWaiter_) closeWaiter_.emplace(Promise<>::withResolvers());
  Promise<> result = closeWaiter_->promise;
  if (closing_) return result;
  closing_ = true;
  stopListening();
  closeIdle();
  if (deadline) {
    uv_timer_init(loop, &deadlineTimer_);
    deadlineTimer_.data = this;
    ++openHandles_;
    deadlineOpen_ = true;
    uv_timer_start(&deadlineTimer_, onDeadline, static_cast<std::uint64_t>(deadline->count()), 0);
  }
  maybeFinishClose();
  return result;
}

void ServerImpl::onDeadline(uv_timer_t* t) {
  auto* self = static_cast<ServerImpl*>(t->data);
  callback(self->loop, [&] { self->closeAll(); });
}

void ServerImpl::closeIdle() noexcept {
  for (Socket* s = head_; s != nullptr;) {
    Socket* next = s->next;
    if (s->conn != nullptr) {
      s->conn->closeWhenIdle();
    } else {
      s->shutdownAndClose();
    }
    s = next;
  }
}

void ServerImpl::closeAll() noexcept {
  for (Socket* s = head_; s != nullptr;) {
    Socket* next = s->next;
    if (s->conn != nullptr) {
      s->conn->destroy();
    } else {
      s->close();
    }
    s = next;
  }
}

void ServerImpl::maybeFinishClose() noexcept {
  if (!closing_ || count_ != 0 || listenerOpen_) return;
  if (!closeWaiter_) return;
  if (deadlineOpen_) {
    deadlineOpen_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&deadlineTimer_), onHandleClosed);
  }
  auto waiter = std::move(*closeWaiter_);
  closeWaiter_.reset();
  closing_ = false;
  if (owner != nullptr) owner->onClose.emit();
  waiter.resolve();
}

void ServerImpl::detach() noexcept {
  owner = nullptr;
  stopListening();
  closeAll();
  if (deadlineOpen_) {
    deadlineOpen_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&deadlineTimer_), onHandleClosed);
  }
  if (closeWaiter_) {
    closeWaiter_->resolve();
    closeWaiter_.reset();
  }
  maybeFree();
}

void ServerImpl::maybeFree() noexcept {
  if (owner != nullptr || listenerOpen_ || objects_ != 0 || count_ != 0 || deadlineOpen_) return;
  if (tick_.loop != nullptr) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&tick_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&tick_), onHandleClosed);
    }
    if (openHandles_ > 0) return;
  }
  if (openHandles_ > 0) return;
  delete this;
}

}  // namespace nx::http
