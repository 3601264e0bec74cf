// SPDX-License-Identifier: MIT
#include "nodexx/http/server.hpp"

#include <uv.h>

#include <cstring>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/server_impl.hpp"

namespace nx::http {

using detail::Connection;

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
    : owner(&o), handler(std::move(h)), options(opts), loop(nx::loop().uv()) {
  std::memset(&listener_, 0, sizeof listener_);
}

ServerImpl::~ServerImpl() {
  for (Connection* c : pool_) delete c;
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

}  // namespace

Promise<> ServerImpl::listenTcp(std::uint16_t port, std::string_view host) {
  if (listening_ || listenerOpen_) {
    return Promise<>::reject(SystemError(std::string(errc::kServerAlreadyListen),
                                         "Listen method has been called more than once"));
  }
  std::string h(host);
  sockaddr_storage addr{};
  int err = uv_ip4_addr(h.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (err != 0) err = uv_ip6_addr(h.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  if (err != 0) return rejected(UV_EINVAL, "listen");
  uv_tcp_init(loop, &listener_.tcp);
  listener_.tcp.data = this;
  listenerOpen_ = true;
  ++openHandles_;
  pipe_ = false;
  err = uv_tcp_bind(&listener_.tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (err == 0) err = uv_listen(listenStream(), options.backlog, onConnection);
  if (err != 0) {
    stopListening();
    return rejected(err, "listen");
  }
  listening_ = true;
  closing_ = false;
  return Promise<>::resolve();
}

Promise<> ServerImpl::listenPipe(std::string_view path) {
  if (listening_ || listenerOpen_) {
    return Promise<>::reject(SystemError(std::string(errc::kServerAlreadyListen),
                                         "Listen method has been called more than once"));
  }
  pipePath_ = std::string(path);
  uv_pipe_init(loop, &listener_.pipe, 0);
  listener_.pipe.data = this;
  listenerOpen_ = true;
  ++openHandles_;
  pipe_ = true;
  int err = uv_pipe_bind(&listener_.pipe, pipePath_.c_str());
  if (err == 0) err = uv_listen(listenStream(), options.backlog, onConnection);
  if (err != 0) {
    stopListening();
    return rejected(err, "listen");
  }
  listening_ = true;
  closing_ = false;
  return Promise<>::resolve();
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
  int len = sizeof addr;
  uv_tcp_getsockname(&listener_.tcp, reinterpret_cast<sockaddr*>(&addr), &len);
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

void ServerImpl::onConnection(uv_stream_t* s, int status) {
  auto* self = static_cast<ServerImpl*>(s->data);
  callback(self->loop, [&] {
    if (status < 0 || !self->listening_) return;
    Connection* c;
    if (!self->pool_.empty()) {
      c = self->pool_.back();
      self->pool_.pop_back();
    } else {
      c = new Connection(*self);
    }
    ++self->objects_;
    if (!c->start(s, self->pipe_)) return;  // released from its close callback
    c->next = self->head_;
    if (self->head_ != nullptr) self->head_->prev = c;
    c->prev = nullptr;
    c->listed = true;
    self->head_ = c;
    ++self->count_;
    if (!self->tickStarted_) {
      if (self->tick_.loop == nullptr) {
        uv_timer_init(self->loop, &self->tick_);
        self->tick_.data = self;
        ++self->openHandles_;
      }
      auto every = static_cast<std::uint64_t>(self->options.connectionsCheckingInterval.count());
      if (every == 0) every = 1000;
      uv_timer_start(&self->tick_, onTick, every, every);
      uv_unref(reinterpret_cast<uv_handle_t*>(&self->tick_));
      self->tickStarted_ = true;
    }
    if (self->owner != nullptr) self->owner->onConnection.emit();
  });
}

void ServerImpl::onTick(uv_timer_t* t) {
  auto* self = static_cast<ServerImpl*>(t->data);
  callback(self->loop, [&] {
    std::uint64_t now = uv_now(self->loop);
    for (Connection* c = self->head_; c != nullptr;) {
      Connection* next = c->next;  // checkDeadline may unlink c (never frees it here)
      c->checkDeadline(now);
      c = next;
    }
  });
}

void ServerImpl::connectionClosed(Connection* c) noexcept {
  if (c->prev != nullptr) c->prev->next = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  if (head_ == c) head_ = c->next;
  c->prev = c->next = nullptr;
  --count_;
  if (count_ == 0 && tickStarted_) {
    uv_timer_stop(&tick_);
    tickStarted_ = false;
  }
  maybeFinishClose();
}

void ServerImpl::release(Connection* c) noexcept {
  --objects_;
  if (pool_.size() < 64 && owner != nullptr) {
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
  for (Connection* c = head_; c != nullptr;) {
    Connection* next = c->next;
    c->closeWhenIdle();
    c = next;
  }
}

void ServerImpl::closeAll() noexcept {
  for (Connection* c = head_; c != nullptr;) {
    Connection* next = c->next;
    c->destroy();
    c = next;
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
  if (owner != nullptr || listenerOpen_ || objects_ != 0 || deadlineOpen_) return;
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
