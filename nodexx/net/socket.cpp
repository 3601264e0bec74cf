// SPDX-License-Identifier: MIT
#include "nodexx/net/socket.hpp"

#include <uv.h>

#include "nodexx/core/loop.hpp"
#include "nodexx/net/dns.hpp"
#include "nodexx/net/errors.hpp"
#include "nodexx/net/internal/socket_access.hpp"
#include "nodexx/net/internal/uv_stream.hpp"

namespace nx::net {

namespace {

stream::DuplexOptions duplexOptions(const SocketOptions& o) {
  stream::DuplexOptions d;
  d.highWaterMark = o.highWaterMark;
  d.allowHalfOpen = o.allowHalfOpen;
  d.writev = true;  // cork()ed writes leave in one uv_write with several buffers
  return d;
}

// The one sink every socket shares; the owner pointer is the Socket.
class SocketSink final : public detail::StreamSink {
 public:
  void onData(void* owner, Buffer chunk) const override {
    detail::SocketAccess::onData(*static_cast<Socket*>(owner), std::move(chunk));
  }
  void onEof(void* owner) const override {
    detail::SocketAccess::onEof(*static_cast<Socket*>(owner));
  }
  void onReadError(void* owner, int err) const override {
    static_cast<Socket*>(owner)->destroy(NetError(err, "read"));
  }
};
const SocketSink kSink;

AddressInfo describe(const sockaddr_storage& ss) {
  AddressInfo a;
  int family = 0;
  a.port = detail::formatAddress(reinterpret_cast<const sockaddr*>(&ss), a.address, family);
  a.family = family == 4 ? "IPv4" : family == 6 ? "IPv6" : "";
  return a;
}

}  // namespace

namespace detail {

void SocketAccess::onData(Socket& s, Buffer chunk) {
  s.bytesRead_ += chunk.size();
  s.touch();
  if (!s.push(std::move(chunk)) && s.handle_ != nullptr) s.handle_->readStop();
}

void SocketAccess::onEof(Socket& s) {
  s.touch();
  if (s.handle_ != nullptr) s.handle_->readStop();
  s.push(nullptr);
  // Node's read(0) after push(null): "end" is emitted even when nobody consumes the socket
  // (provided nothing is buffered), so an idle peer's FIN still ends and closes it.
  stream::StreamAccess::readZero(s);
}

void SocketAccess::adopt(Socket& s, UvStream* handle, MoveFunction<void()> onDestroyed) {
  s.onDestroyed_ = std::move(onDestroyed);
  s.attach(handle);
  s.onConnected(false);  // Node emits no "connect" for accepted sockets
}

UvStream* SocketAccess::handle(Socket& s) noexcept { return s.handle_; }

}  // namespace detail

Socket::Socket(SocketOptions options) : stream::Duplex<Buffer, Buffer>(duplexOptions(options)) {}

Socket::~Socket() {
  clearTimeout(idleTimer_);
  if (handle_ != nullptr) handle_->close();
}

SocketEvents Socket::events() noexcept {
  return SocketEvents{Duplex::events(), connect_, ready_, timeout_};
}

std::string Socket::readyState() const {
  if (connecting_) return "opening";
  const bool r = readable();
  const bool w = writable();
  if (r && w) return "open";
  if (r) return "readOnly";
  if (w) return "writeOnly";
  return "closed";
}

void Socket::attach(detail::UvStream* handle) {
  handle_ = handle;
  handle_->setSink(&kSink, this);
  if (unref_) handle_->unref();
  self_ = std::dynamic_pointer_cast<Socket>(self());
}

void Socket::onConnected(bool emitConnect) {
  connecting_ = false;
  if (handle_->kind() == detail::UvStream::Kind::Tcp) {
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(handle_->tcp(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      remote_ = describe(ss);
    }
    len = sizeof ss;
    if (uv_tcp_getsockname(handle_->tcp(), reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      local_ = describe(ss);
    }
    if (noDelay_) uv_tcp_nodelay(handle_->tcp(), 1);
    if (keepAlive_) {
      uv_tcp_keepalive(
          handle_->tcp(), 1,
          static_cast<unsigned>(std::max<long long>(1, keepAliveDelay_.count() / 1000)));
    }
  }
  touch();
  if (emitConnect) {
    connect_.emit();
    ready_.emit();
    if (handle_ == nullptr) return;  // a listener destroyed the socket
  }                                  // a listener destroyed the socket
  if (pendingWriteCallback_) {
    std::vector<Buffer> chunks = std::move(pendingWrite_);
    pendingWrite_.clear();
    writeBuffers(chunks, std::exchange(pendingWriteCallback_, stream::Callback()));
  }
  if (pendingFinal_) _final(std::exchange(pendingFinal_, stream::Callback()));
  // As Node's socket does on connect: read unless the user paused the stream.
  if (handle_ != nullptr && (!isPaused() || readWanted_)) handle_->readStart();
}

Promise<> Socket::connect(ConnectOptions options) {
  if (options.path.empty() && (options.port < 0 || options.port > 65535)) {
    throw badPortError(options.port);
  }
  return connectImpl(std::move(options), true);
}

Promise<> Socket::connectImpl(ConnectOptions options, bool emitError) {
  if (destroyed()) throw socketClosedError();
  if (handle_ != nullptr || connecting_) {
    throw SystemError("ERR_SOCKET_CONNECTING",
                      connecting_ ? "Socket is already connecting" : "Socket is already connected");
  }
  connecting_ = true;
  noDelay_ = noDelay_ || options.noDelay;
  if (options.keepAlive) {
    keepAlive_ = true;
    keepAliveDelay_ = options.keepAliveInitialDelay;
  }
  // Holds the socket while the coroutine runs, whoever else drops it.
  auto keep = std::dynamic_pointer_cast<Socket>(self());
  std::string address = options.path;
  auto fail = [&](const std::exception_ptr& e) {
    connecting_ = false;
    if (emitError) {
      destroy(e);
    } else {
      destroy();
    }
  };

  sockaddr_storage addr{};
  if (options.path.empty()) {
    std::string host = options.host.empty() ? std::string("localhost") : options.host;
    dns::LookupResult found;
    try {
      found = co_await dns::lookup(host, {.family = options.family});
    } catch (...) {
      fail(std::current_exception());
      throw;
    }
    if (destroyed()) throw socketClosedError();
    address = found.address;
    const int r =
        found.family == 6
            ? uv_ip6_addr(address.c_str(), options.port, reinterpret_cast<sockaddr_in6*>(&addr))
            : uv_ip4_addr(address.c_str(), options.port, reinterpret_cast<sockaddr_in*>(&addr));
    if (r != 0) {
      auto e = std::make_exception_ptr(NetError(r, "connect", address, options.port));
      fail(e);
      std::rethrow_exception(e);
    }
  }

  auto done = Promise<int>::withResolvers();
  connectDone_ = [done](int status) { done.resolve(status); };
  const bool tcp = options.path.empty();
  attach(detail::UvStream::create(
      loop().uv(), tcp ? detail::UvStream::Kind::Tcp : detail::UvStream::Kind::Pipe));
  auto onConnect = [this](int status) {
    auto settle = std::exchange(connectDone_, nullptr);
    if (status == 0) onConnected(true);
    if (settle) settle(status);
  };
  int status = 0;
  if (tcp) {
    status = handle_->connect(reinterpret_cast<const sockaddr*>(&addr), onConnect);
  } else {
    handle_->connect(options.path.c_str(), onConnect);
  }
  Timeout timer;
  if (status == 0 && options.timeout.count() > 0) {
    timer = nx::setTimeout(
        [this] {
          if (auto settle = std::exchange(connectDone_, nullptr)) settle(UV_ETIMEDOUT);
        },
        options.timeout);
  }
  if (status == 0) status = co_await done.promise;
  clearTimeout(timer);
  connectDone_ = nullptr;
  if (status != 0) {
    if (status == UV_ECANCELED && destroyed()) throw socketClosedError();
    auto e = std::make_exception_ptr(NetError(status, "connect", address, tcp ? options.port : -1));
    fail(e);
    std::rethrow_exception(e);
  }
}

void Socket::touch() noexcept {
  if (idleTimer_) idleTimer_.refresh();
}

Socket& Socket::setTimeout(std::chrono::milliseconds ms, MoveFunction<void()> listener) {
  clearTimeout(idleTimer_);
  idleTimer_ = Timeout();
  timeoutMs_ = ms;
  if (listener) timeout_.once(std::move(listener));
  if (ms.count() > 0) {
    // The timer is the socket's own member and cleared when it is destroyed, so `this` is
    // valid whenever it fires.
    idleTimer_ = nx::setTimeout([this] { timeout_.emit(); }, ms);
    idleTimer_.unref();
  }
  return *this;
}

Socket& Socket::setNoDelay(bool noDelay) {
  noDelay_ = noDelay;
  if (handle_ != nullptr && !connecting_ && handle_->kind() == detail::UvStream::Kind::Tcp) {
    uv_tcp_nodelay(handle_->tcp(), noDelay ? 1 : 0);
  }
  return *this;
}

Socket& Socket::setKeepAlive(bool enable, std::chrono::milliseconds initialDelay) {
  keepAlive_ = enable;
  keepAliveDelay_ = initialDelay;
  if (handle_ != nullptr && !connecting_ && handle_->kind() == detail::UvStream::Kind::Tcp) {
    uv_tcp_keepalive(handle_->tcp(), enable ? 1 : 0,
                     static_cast<unsigned>(std::max<long long>(1, initialDelay.count() / 1000)));
  }
  return *this;
}

Socket& Socket::unref() {
  unref_ = true;
  if (handle_ != nullptr) handle_->unref();
  return *this;
}

Socket& Socket::ref() {
  unref_ = false;
  if (handle_ != nullptr) handle_->ref();
  return *this;
}

void Socket::destroySoon() {
  if (writable()) (void)end();
  if (writableFinished()) {
    destroy();
  } else {
    Writable::events().finish.once([this] { destroy(); });
  }
}

void Socket::resetAndDestroy() {
  if (handle_ != nullptr) {
    handle_->close(true);
    handle_ = nullptr;
  }
  destroy();
}

void Socket::_read(std::size_t) {
  if (handle_ == nullptr || connecting_) {
    readWanted_ = true;
    return;
  }
  handle_->readStart();
}

void Socket::writeBuffers(std::span<Buffer> chunks, stream::Callback callback) {
  if (handle_ == nullptr) {
    callback(socketClosedError());
    return;
  }
  for (const Buffer& b : chunks) bytesWritten_ += b.size();
  touch();
  const int r = handle_->write(chunks, [this, callback](int status) {
    // After destroy() a cancelled write completes quietly, as in Node (onWriteComplete); the
    // stream then fails the writes still buffered with ERR_STREAM_DESTROYED.
    if (destroyed()) {
      callback();
      return;
    }
    if (status != 0) {
      callback(NetError(status, "write"));
      return;
    }
    touch();
    callback();
  });
  if (r != 0) callback(NetError(r, "write"));
}

void Socket::_write(Buffer chunk, stream::Callback callback) {
  if (connecting_) {
    pendingWrite_.clear();
    pendingWrite_.push_back(std::move(chunk));
    pendingWriteCallback_ = std::move(callback);
    return;
  }
  writeBuffers(std::span<Buffer>(&chunk, 1), std::move(callback));
}

void Socket::_writev(std::span<Buffer> chunks, stream::Callback callback) {
  if (connecting_) {
    pendingWrite_.assign(chunks.begin(), chunks.end());
    pendingWriteCallback_ = std::move(callback);
    return;
  }
  writeBuffers(chunks, std::move(callback));
}

void Socket::_final(stream::Callback callback) {
  if (connecting_) {
    pendingFinal_ = std::move(callback);
    return;
  }
  if (handle_ == nullptr) {
    callback();
    return;
  }
  const int r = handle_->shutdown([callback](int) { callback(); });
  if (r != 0) callback();  // ENOTCONN: nothing to shut down, as Node treats it
}

void Socket::_destroy(std::exception_ptr error, stream::Callback callback) {
  clearTimeout(idleTimer_);
  idleTimer_ = Timeout();
  connecting_ = false;
  detail::UvStream* handle = std::exchange(handle_, nullptr);
  if (auto settle = std::exchange(connectDone_, nullptr)) settle(UV_ECANCELED);
  pendingWrite_.clear();
  if (auto cb = std::exchange(pendingWriteCallback_, stream::Callback())) cb(socketClosedError());
  if (auto cb = std::exchange(pendingFinal_, stream::Callback())) cb();
  if (auto notify = std::exchange(onDestroyed_, nullptr)) notify();
  // `callback` holds a reference, so dropping the self-reference cannot free us here.
  std::shared_ptr<Socket> keep = std::move(self_);
  if (handle == nullptr) {
    callback(std::move(error));
    return;
  }
  // As Node, "close" follows the handle's close callback: the cancelled writes complete
  // first (failing what is still buffered), then the stream finishes destroying.
  handle->close(false, [callback, error]() mutable { callback(std::move(error)); });
}

namespace {
Promise<std::shared_ptr<Socket>> connectAndReturn(std::shared_ptr<Socket> s,
                                                  ConnectOptions options) {
  co_await detail::SocketAccess::connect(*s, std::move(options), false);
  co_return s;
}
}  // namespace

Promise<> detail::SocketAccess::connect(Socket& s, ConnectOptions options, bool emitError) {
  return s.connectImpl(std::move(options), emitError);
}

Promise<std::shared_ptr<Socket>> connect(ConnectOptions options, SocketOptions socketOptions) {
  if (options.path.empty() && (options.port < 0 || options.port > 65535)) {
    throw badPortError(options.port);
  }
  return connectAndReturn(std::make_shared<Socket>(socketOptions), std::move(options));
}

Promise<std::shared_ptr<Socket>> connect(int port, std::string host) {
  return connect(ConnectOptions(port, std::move(host)));
}

Promise<std::shared_ptr<Socket>> connect(std::string path) {
  return connect(ConnectOptions(std::move(path)));
}

}  // namespace nx::net
