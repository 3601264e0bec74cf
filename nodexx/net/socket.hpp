// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/duplex.hpp"

namespace nx::net {

namespace detail {
class UvStream;
struct SocketAccess;
}  // namespace detail

/// An endpoint, as Node's address(): `address` "127.0.0.1", `family` "IPv4" or "IPv6",
/// `port`. For a Unix socket `address` is the path, `family` is empty and `port` -1.
struct AddressInfo {
  std::string address;
  std::string family;
  int port = -1;
  friend bool operator==(const AddressInfo&, const AddressInfo&) = default;
};

/// Options of a Socket (Node's `new net.Socket(options)`). Trivially destructible.
struct SocketOptions {
  /// false (Node's default): when the peer ends its side, ours is ended too.
  bool allowHalfOpen = false;
  /// Both sides' high water mark, bytes (16 KiB by default, as Node's streams).
  std::size_t highWaterMark = stream::kDefaultHighWaterMark;
};

/// Where and how to connect (Node's socket.connect(options)). A non-aggregate, so a
/// temporary in a co_await expression is safe with g++ 12 (see nodexx/core/README.md): build it
/// with a constructor, then set fields: `net::ConnectOptions o(8080, "example.com");`.
class ConnectOptions {
 public:
  /// TCP: `port` on `host` (a name is resolved with dns::lookup; "" means "localhost").
  ConnectOptions(int port, std::string host = "localhost") : port(port), host(std::move(host)) {}
  /// A Unix domain socket at `path`.
  explicit ConnectOptions(std::string path) : path(std::move(path)) {}

  int port = -1;
  std::string host;
  std::string path;
  /// dns::lookup family: 0 (any), 4 or 6.
  int family = 0;
  /// Give up connecting after this long and fail with ETIMEDOUT ("connect ETIMEDOUT
  /// 10.0.0.1:80"); zero: no limit other than the kernel's.
  std::chrono::milliseconds timeout{0};
  /// Applied once connected (setNoDelay / setKeepAlive).
  bool noDelay = false;
  bool keepAlive = false;
  std::chrono::milliseconds keepAliveInitialDelay{0};
};

/// The events of a Socket: the Duplex's (data, end, finish, drain, error, close, ...) and
/// Node's socket-specific ones.
struct SocketEvents : stream::DuplexEvents<Buffer> {
  Event<>& connect;  ///< "connect": the connection is established
  Event<>& ready;    ///< "ready": right after "connect"
  Event<>& timeout;  ///< "timeout": idle for setTimeout()'s duration (the socket stays open)
};

/// Node's net.Socket: a Duplex<Buffer, Buffer> over a TCP connection or a Unix socket.
///
/// Reading: data arrives as "data" events (or `co_await s->read()`); pause() stops reading
/// from the kernel, so a slow consumer pushes back on the peer through TCP flow control.
/// Writing: write() returns false at the high water mark and "drain" follows; cork()/uncork()
/// batch writes into one system call with several buffers. end() sends a FIN after the queued
/// writes; with allowHalfOpen false (the default), the peer's FIN ends our side too. Events
/// arrive in Node's order: connect, ready, data..., end, finish, close.
///
/// Errors: I/O failures destroy the socket with a NetError ("read ECONNRESET", "write
/// EPIPE"), emitted as "error" before "close". Create sockets with std::make_shared (or get
/// them from net::connect or a Server); a connected socket keeps itself alive until "close".
/// Loop-affine.
class Socket : public stream::Duplex<Buffer, Buffer> {
 public:
  explicit Socket(SocketOptions options = {});
  ~Socket() override;

  /// Connects this socket (Node's socket.connect). Resolves after "connect" (and "ready");
  /// on failure the socket is destroyed with the error (emitted as "error") and the promise
  /// rejects with it: NetError "connect ECONNREFUSED 127.0.0.1:1", "connect ENOENT /path",
  /// ETIMEDOUT for options.timeout, LookupError "getaddrinfo ENOTFOUND x". Throws
  /// ERR_SOCKET_BAD_PORT for a port outside [0, 65535]; rejects with ERR_SOCKET_CLOSED on a
  /// destroyed socket.
  [[nodiscard]] Promise<> connect(ConnectOptions options);

  /// The peer's address, port and family ("IPv4"/"IPv6"); empty / -1 until connected and for
  /// Unix sockets.
  const std::string& remoteAddress() const noexcept { return remote_.address; }
  int remotePort() const noexcept { return remote_.port; }
  const std::string& remoteFamily() const noexcept { return remote_.family; }
  /// Our side's address and port.
  const std::string& localAddress() const noexcept { return local_.address; }
  int localPort() const noexcept { return local_.port; }
  /// Our side as {address, family, port} (Node's socket.address()).
  const AddressInfo& address() const noexcept { return local_; }

  /// Bytes received so far.
  std::uint64_t bytesRead() const noexcept { return bytesRead_; }
  /// Bytes handed to write() so far (including those still queued), as Node counts them.
  std::uint64_t bytesWritten() const noexcept { return bytesWritten_; }
  /// True while a connect is in progress.
  bool connecting() const noexcept { return connecting_; }
  /// True until connected (Node's socket.pending).
  bool pending() const noexcept { return handle_ == nullptr || connecting_; }
  /// "opening", "open", "readOnly", "writeOnly" or "closed", as Node.
  std::string readyState() const;

  /// Emits "timeout" after `ms` of inactivity (no read, no write); 0 disables. The socket is
  /// not closed: the listener decides (usually destroy() or end()), as in Node. `listener`, if
  /// given, is added once to "timeout". The timer does not keep the loop alive.
  Socket& setTimeout(std::chrono::milliseconds ms, MoveFunction<void()> listener = nullptr);
  /// Disables (true, the default) or enables Nagle's algorithm (TCP_NODELAY).
  Socket& setNoDelay(bool noDelay = true);
  /// Enables TCP keep-alive probes after `initialDelay` of idleness (rounded to seconds).
  Socket& setKeepAlive(bool enable = false,
                       std::chrono::milliseconds initialDelay = std::chrono::milliseconds(0));
  /// The socket no longer keeps the loop alive (unref) / does again (ref, the default).
  Socket& unref();
  Socket& ref();

  /// Ends our side once the queued writes are out, then destroys the socket (destroySoon).
  void destroySoon();
  /// Closes with a TCP RST instead of a FIN, then destroys the socket.
  void resetAndDestroy();

  /// Every event; see SocketEvents.
  SocketEvents events() noexcept;

 protected:
  void _read(std::size_t size) override;
  void _write(Buffer chunk, stream::Callback callback) override;
  void _writev(std::span<Buffer> chunks, stream::Callback callback) override;
  void _final(stream::Callback callback) override;
  void _destroy(std::exception_ptr error, stream::Callback callback) override;

 private:
  friend struct detail::SocketAccess;

  Promise<> connectImpl(ConnectOptions options, bool emitError);
  void attach(detail::UvStream* handle);
  void onConnected(bool emitConnect);
  void touch() noexcept;
  void writeBuffers(std::span<Buffer> chunks, stream::Callback callback);

  detail::UvStream* handle_ = nullptr;
  AddressInfo remote_;
  AddressInfo local_;
  std::uint64_t bytesRead_ = 0;
  std::uint64_t bytesWritten_ = 0;
  bool connecting_ = false;
  bool readWanted_ = false;  // _read was called while connecting
  bool unref_ = false;
  bool noDelay_ = false;
  bool keepAlive_ = false;
  std::chrono::milliseconds keepAliveDelay_{0};
  std::chrono::milliseconds timeoutMs_{0};
  Timeout idleTimer_;
  // Work that waits for the connection: a write (or writev) and end()'s _final.
  std::vector<Buffer> pendingWrite_;
  stream::Callback pendingWriteCallback_;
  stream::Callback pendingFinal_;
  // While connected, the socket owns a reference to itself, dropped at destroy: like Node's
  // handle, an open connection lives on when user code forgets it.
  std::shared_ptr<Socket> self_;
  // Called once when the socket is destroyed (a Server's connection count).
  MoveFunction<void()> onDestroyed_;
  // Settles a connect in progress; called with UV_ECANCELED when the socket is destroyed
  // first, so the awaiting connect() always completes.
  MoveFunction<void(int)> connectDone_;
  Event<> connect_{"connect", "Socket"};
  Event<> ready_{"ready", "Socket"};
  Event<> timeout_{"timeout", "Socket"};
};

/// Connects to `port` on `host` (net.connect / net.createConnection) and resolves with the
/// connected socket; see Socket::connect for the errors (here the failed socket is destroyed
/// without an "error" event, since nobody can have listened to it: the rejection carries it).
[[nodiscard]] Promise<std::shared_ptr<Socket>> connect(int port, std::string host = "localhost");
/// Connects to the Unix domain socket at `path`.
[[nodiscard]] Promise<std::shared_ptr<Socket>> connect(std::string path);
/// Connects with full options (connect timeout, family, noDelay, keepAlive).
[[nodiscard]] Promise<std::shared_ptr<Socket>> connect(ConnectOptions options,
                                                       SocketOptions socketOptions = {});

}  // namespace nx::net
