// SPDX-License-Identifier: MIT
#include "nodexx/net/server.hpp"

#include <uv.h>

#include "nodexx/core/loop.hpp"
#include "nodexx/net/dns.hpp"
#include "nodexx/net/errors.hpp"
#include "nodexx/net/internal/socket_access.hpp"
#include "nodexx/net/internal/uv_stream.hpp"

namespace nx::net {

Server::Server(ServerOptions options) : options_(options) {}

Server::~Server() {
  if (handle_ != nullptr) handle_->close();
}

Server& Server::unref() {
  unref_ = true;
  if (handle_ != nullptr) handle_->unref();
  return *this;
}

Server& Server::ref() {
  unref_ = false;
  if (handle_ != nullptr) handle_->ref();
  return *this;
}

Promise<> Server::listen(int port, std::string host, int backlog) {
  ListenOptions o(port, std::move(host));
  o.backlog = backlog;
  return listen(std::move(o));
}

Promise<> Server::listen(std::string path, int backlog) {
  return listen(ListenOptions(std::move(path), backlog));
}

namespace {

// Binds `h` to the TCP address, returning 0 or a libuv error.
int bindTcp(detail::UvStream* h, const std::string& ip, int family, int port, bool ipv6Only) {
  sockaddr_storage addr{};
  const int r = family == 6 ? uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
                            : uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (r != 0) return r;
  return uv_tcp_bind(h->tcp(), reinterpret_cast<const sockaddr*>(&addr),
                     family == 6 && ipv6Only ? UV_TCP_IPV6ONLY : 0);
}

}  // namespace

Promise<> Server::listen(ListenOptions options) {
  if (options.path.empty() && (options.port < 0 || options.port > 65535)) {
    throw badPortError(options.port);
  }
  if (handle_ != nullptr) throw serverAlreadyListenError();
  auto keep = shared_from_this();

  std::string ip;
  int family = 0;
  if (options.path.empty() && !options.host.empty()) {
    family = dns::isIP(options.host);
    ip = options.host;
    if (family == 0) {
      auto found = co_await dns::lookup(options.host);
      ip = found.address;
      family = found.family;
    }
    if (handle_ != nullptr) throw serverAlreadyListenError();
  }

  const bool pipe = !options.path.empty();
  auto* h = detail::UvStream::create(
      loop().uv(), pipe ? detail::UvStream::Kind::Pipe : detail::UvStream::Kind::Tcp);
  int r = 0;
  std::string shownAddress = options.path;
  if (pipe) {
    r = uv_pipe_bind(h->pipe(), options.path.c_str());
  } else if (family == 0) {
    // No host: every address, IPv6 with IPv4 mapped where the system has IPv6 (Node's "::").
    ip = "::";
    family = 6;
    r = bindTcp(h, ip, 6, options.port, false);
    if (r == UV_EAFNOSUPPORT || r == UV_EADDRNOTAVAIL) {
      h->close();
      h = detail::UvStream::create(loop().uv(), detail::UvStream::Kind::Tcp);
      ip = "0.0.0.0";
      family = 4;
      r = bindTcp(h, ip, 4, options.port, false);
    }
  } else {
    r = bindTcp(h, ip, family, options.port, options.ipv6Only);
  }
  if (!pipe) shownAddress = ip;
  if (r == 0) {
    r = h->listen(options.backlog, [this](int status) { onConnection(status); });
  }
  if (r != 0) {
    h->close();
    auto e = std::make_exception_ptr(
        NetError(r, "listen", shownAddress, pipe ? -1 : options.port, true));
    // Node emits "error" for a failed listen; with the promise form, only when someone listens.
    if (error_.listenerCount() > 0) {
      nextTick([keep, e] { keep->error_.emit(e); });
    }
    std::rethrow_exception(e);
  }

  handle_ = h;
  if (unref_) handle_->unref();
  closing_ = false;
  self_ = keep;
  if (pipe) {
    address_ = AddressInfo{options.path, "", -1};
  } else {
    sockaddr_storage ss{};
    int len = sizeof ss;
    uv_tcp_getsockname(h->tcp(), reinterpret_cast<sockaddr*>(&ss), &len);
    int fam = 0;
    address_.port = detail::formatAddress(reinterpret_cast<sockaddr*>(&ss), address_.address, fam);
    address_.family = fam == 6 ? "IPv6" : "IPv4";
  }
  // "listening" comes in a later tick, as Node emits it, and the promise settles after it.
  auto listening = Promise<>::withResolvers();
  nextTick([keep, listening] {
    if (keep->handle_ != nullptr) keep->listening_.emit();
    listening.resolve();
  });
  co_await listening.promise;
}

void Server::onConnection(int status) {
  if (status != 0) {
    if (error_.listenerCount() > 0)
      error_.emit(std::make_exception_ptr(NetError(status, "accept")));
    return;
  }
  auto* client = detail::UvStream::create(loop().uv(), handle_->kind());
  if (handle_->accept(*client) != 0) {
    client->close();
    return;
  }
  if (maxConnections >= 0 && connections_ >= static_cast<std::size_t>(maxConnections)) {
    client->close();
    drop_.emit();
    return;
  }
  SocketOptions so;
  so.allowHalfOpen = options_.allowHalfOpen;
  so.highWaterMark = options_.highWaterMark;
  auto socket = std::make_shared<Socket>(so);
  if (options_.pauseOnConnect) socket->pause();
  ++connections_;
  detail::SocketAccess::adopt(*socket, client, [server = shared_from_this()] {
    --server->connections_;
    server->emitCloseIfDrained();
  });
  connection_.emit(socket);
}

Promise<> Server::close() {
  auto done = Promise<>::withResolvers();
  if (handle_ == nullptr) {
    done.reject(serverNotRunningError());
  } else {
    handle_->close();
    handle_ = nullptr;
    closing_ = true;
    closeWaiters_.push_back(done);
  }
  emitCloseIfDrained();
  return done.promise;
}

void Server::emitCloseIfDrained() {
  if (handle_ != nullptr || connections_ > 0) return;
  nextTick([keep = shared_from_this()] {
    if (keep->handle_ != nullptr || keep->connections_ > 0) return;  // listening again
    keep->closing_ = false;
    std::vector<Promise<>::Resolvers> waiters = std::move(keep->closeWaiters_);
    keep->closeWaiters_.clear();
    keep->close_.emit();
    for (auto& w : waiters) w.resolve();
    keep->self_.reset();
  });
}

std::shared_ptr<Server> createServer(MoveFunction<void(std::shared_ptr<Socket>)> connectionListener,
                                     ServerOptions options) {
  auto server = std::make_shared<Server>(options);
  if (connectionListener) {
    server->events().connection.on(
        [fn = std::move(connectionListener)](std::shared_ptr<Socket>& s) mutable { fn(s); });
  }
  return server;
}

}  // namespace nx::net
