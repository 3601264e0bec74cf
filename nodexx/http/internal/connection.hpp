// SPDX-License-Identifier: MIT
// One accepted HTTP/1.1 connection, in two parts. `Socket` is what every open connection holds,
// busy or idle: a libuv poll handle on the descriptor, the deadline, the server's list links
// (about 230 bytes with its allocation). `Connection` is the protocol state: parser, request,
// response, unread body, unwritten output (about 1.6 KB). A socket borrows a Connection from
// the server's pool when bytes arrive and gives it back as soon as the exchange is over and
// everything has been written, so idle keep-alive connections cost only their Socket. See
// http/README.md for the data flow. An HTTPS server's sockets are `TlsSocket`s
// (internal/https_socket.hpp): a Socket with the TLS engine after it, so that a plain socket
// carries nothing of TLS but one flag in its padding.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/internal/request_parser.hpp"
#include "nodexx/http/internal/server_streams.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/stream/duplex.hpp"

namespace nx::http {
class ServerImpl;
}
namespace nx::net {
class Socket;
}

namespace nx::http::detail {

enum class DeadlineKind : std::uint8_t { None, Headers, Request, KeepAlive };

class Connection;
struct TlsSocket;

/// One open socket of the server. Plain data plus the poll handle: the server creates it on
/// accept and deletes it in the handle's close callback (deleteSocket(), which knows the two
/// kinds). No virtual functions: the one difference on the data path is the `tls` flag.
struct Socket {
  explicit Socket(ServerImpl& s) noexcept : server(&s) {}

  /// Registers `fd` with the loop for reading. False (and the fd closed) on failure.
  bool open(uv_loop_t* loop, int fd) noexcept;
  int fd() const noexcept { return poll.io_watcher.fd; }
  /// Sets the poll events (UV_READABLE / UV_WRITABLE); touches epoll only on a change.
  void watch(int events) noexcept;
  /// Closes the descriptor now; the object is deleted from the close callback.
  void close() noexcept;
  /// An idle socket's graceful end: FIN (after a TLS close_notify), then close.
  void shutdownAndClose() noexcept;
  /// The Connection serving this socket, borrowed from the pool if none is attached.
  Connection& busy();

  uv_poll_t poll;
  ServerImpl* server;
  Connection* conn = nullptr;  // attached while busy
  Socket* prev = nullptr;
  Socket* next = nullptr;
  std::uint64_t deadline = 0;
  std::uint32_t served = 0;  // requests begun on this socket (maxRequestsPerSocket)
  DeadlineKind deadlineKind = DeadlineKind::None;
  std::uint8_t events = 0;  // what `poll` is started with
  bool closing = false;
  bool tls = false;  // this is a TlsSocket (set by its constructor; sits in the padding)
  // After an upgrade: the HandOverPart bits still to come (the object lives until all came).
  std::uint8_t handOverRefs = 0;

 private:
  static void onPoll(uv_poll_t* h, int status, int events);
  static void onClosed(uv_handle_t* h);
};

// A plain socket is what every idle connection costs: keep TLS and anything else out of it.
static_assert(sizeof(Socket) <= 216, "an idle connection's Socket must stay small");

/// A socket for an HTTPS server (https_server.cpp): the TlsSocket is only defined where
/// OpenSSL's headers may be included. Throws std::bad_alloc.
Socket* newTlsSocket(ServerImpl& server);
/// Frees a socket of either kind (the close callback's last step).
void deleteSocket(Socket* s) noexcept;
/// A TLS socket's graceful end begins with close_notify (Node's tlsSocket.end()): queued and
/// written best-effort, as the FIN follows at once. Only for `s.tls`, with nothing unwritten.
void sendCloseNotify(Socket& s) noexcept;

/// What a handed-over socket (Upgrade/CONNECT, server_upgrade.cpp) waits for before it is
/// deleted: its poll handle's close and the new socket's destruction (then the server stops
/// counting the connection), and on HTTPS the adopted TLSSocket's release of the engine, which
/// stays inside the TlsSocket.
enum HandOverPart : std::uint8_t { kHandOverPoll = 1, kHandOverStream = 2, kHandOverEngine = 4 };
/// One HandOverPart of `s` is done; counts the connection closed and deletes `s` as they end.
void handOverDone(Socket* s, std::uint8_t part) noexcept;
/// HTTPS hand-over (https_upgrade.cpp): a tls::TLSSocket over `tcp` (which adopted the
/// descriptor of `s`) that takes over the session of `s` and writes `ciphertext` first.
std::shared_ptr<stream::Duplex<Buffer, Buffer>> adoptTlsSession(Socket& s,
                                                                std::shared_ptr<net::Socket> tcp,
                                                                std::string ciphertext);

/// send(MSG_NOSIGNAL) of what the socket takes: the byte count, 0 when it is full, or a negative
/// errno (a peer's reset is EPIPE, never SIGPIPE).
ssize_t sendSome(int fd, const void* data, std::size_t size) noexcept;

/// Unread request body chunks. Not std::deque: libstdc++'s deque allocates a map and a 512-byte
/// node as soon as it is constructed, which every idle connection would carry.
class BodyQueue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  void push_back(Buffer b) { items_.push_back(std::move(b)); }
  Buffer& front() noexcept { return items_[head_]; }
  void pop_front() noexcept {
    items_[head_] = Buffer();
    if (++head_ == items_.size()) clear();
  }
  void clear() noexcept {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<Buffer> items_;
  std::size_t head_ = 0;
};

class Connection final : public RequestSink {
 public:
  explicit Connection(ServerImpl& server);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Starts serving `s` (fresh from the pool): every per-exchange field is reset.
  void attach(Socket& s) noexcept;
  /// Gives the object back to the pool if the connection is idle: no exchange, no partial
  /// request, nothing unwritten, nobody reading the body. Call it only where no member
  /// function of this object is on the stack.
  void detachIfIdle() noexcept;
  // Socket events. `nread` is a byte count, UV_EOF or a negative libuv error; the bytes are in
  // the thread's shared read buffer.
  void handleRead(ssize_t nread, const char* data);
  // handleRead() for an HTTPS socket: `data` (in the thread's read buffer, which this may
  // reuse for the plaintext) is ciphertext; it goes through the TLS engine (handshake,
  // verification, decryption) and the plaintext to handleRead().
  void receiveTls(ssize_t nread, const char* data);
  void onWritable();
  void onSocketError() noexcept;
  void onSocketClosed() noexcept;

  // RequestSink
  bool onHeadersComplete() override;
  void onBody(std::string_view chunk) override;
  bool onMessageComplete() override;

  // Output, used by ServerResponse.
  void append(std::string_view bytes);
  /// Room for up to `n` output bytes, written in place and ended with commitOutput(): the
  /// response head is formatted where it will be sent from. Null when output is dropped (the
  /// connection is closing).
  char* reserveOutput(std::size_t n);
  void commitOutput(const char* end);
  [[gnu::noinline, gnu::cold]] char* reserveQueued(std::size_t n);
  [[gnu::noinline, gnu::cold]] void commitQueued(const char* end);
  std::size_t bufferedBytes() const noexcept;
  bool overHighWater() const noexcept;
  void noteNeedDrain() noexcept { needDrain_ = true; }
  void responseEnded();
  bool keepAlive() const noexcept;
  void setKeepAlive(bool k) noexcept { keepAlive_ = k; }
  bool isHeadRequest() const noexcept { return headRequest_; }
  bool isHttp10() const noexcept { return http10_; }
  bool isClosed() const noexcept { return closing_; }
  /// The server speaks TLS (Node's req.socket.encrypted).
  bool isEncrypted() const noexcept;
  /// The TLS socket while it is open, else null (plain servers: always null).
  const TlsSocket* tlsSocket() const noexcept;
  std::string_view date();
  /// The whole `Date` field, DateCache::kLineSize bytes with its CRLF.
  const char* dateLine();
  /// The automatic keep-alive fields of a response head (Node's), CRLF included.
  std::string_view keepAliveFields() const noexcept;

  // Body, used by IncomingMessage.
  Promise<std::optional<Buffer>> readBody();
  std::shared_ptr<stream::Readable<Buffer>> bodyStream();
  void bodyWanted() noexcept;  // the body stream wants more: read from the socket again
  std::size_t highWaterMark() const noexcept;
  RequestParser& parser() noexcept { return parser_; }
  std::string peerAddress() const;

  // Lifecycle, used by the server.
  bool isIdle() const noexcept { return !exchangeActive_ && !parser_.inMessage(); }
  void deadlineExpired();
  void destroy() noexcept;        // close now
  void closeWhenIdle() noexcept;  // idle: close now; busy: close after this exchange
  void flushCorked() noexcept;    // write what the loop-shared output buffer holds for us

  bool isIdleForPool() const noexcept;

 private:
  void runParser(const char* data, std::size_t size);
  void parsePending();
  void dispatch();
  void handlerSettled(std::exception_ptr error);
  void exchangeDone();
  void finishExchange(bool& keepParsing);
  void failRequest(int status, std::string_view code, std::string_view reason);
  void sendProblem(int status, std::string_view detail);
  void afterFlush();
  void beginShutdown() noexcept;
  void updateReading() noexcept;
  void setDeadline(DeadlineKind kind, std::uint64_t at) noexcept;
  void releaseIfDone() noexcept;
  void dropBodyStream() noexcept;
  // TLS (https_connection.cpp): only called when tls_ is set.
  TlsSocket& tls() noexcept;
  void flushTls(std::string_view plaintext);
  void drainTlsPlain();
  void encryptAndSend(std::string_view plaintext);
  bool sendCiphertext();
  bool handshakeCompleted();
  bool handshakeExpired();
  void tlsClientError(std::string_view code, std::string message);
  bool claimUpgrade();                                // server_upgrade.cpp
  void handOver(const char* rest, std::size_t size);  // server_upgrade.cpp
  // HTTPS hand-over (https_upgrade.cpp): `corked` and what waits in tlsPlain_, encrypted.
  std::string encryptOwed(std::string_view corked);

  ServerImpl& server_;
  Socket* sock_ = nullptr;  // null once the socket closed (the handler may still run)
  RequestParser parser_;

 public:
  IncomingMessage req;
  ServerResponse res;

 private:
  // Output the socket did not take at once, from `outOff_` on; written when it is writable.
  // On a TLS socket it is ciphertext, and what the response adds meanwhile waits in
  // `tlsPlain_` (only while out_ is non-empty), so that it is encrypted in one batch of
  // records when out_ drains instead of one record per append.
  std::string out_;
  std::size_t outOff_ = 0;
  std::string tlsPlain_;
  // Unparsed input kept while a pipelined request waits for the previous exchange.
  std::string pendingIn_;
  // Request body not yet read by the handler.
  BodyQueue body_;
  std::size_t bodyBuffered_ = 0;
  std::optional<Promise<std::optional<Buffer>>::Resolvers> bodyWaiter_;
  std::exception_ptr bodyError_;
  std::shared_ptr<BodyReadable> bodyStream_;

  std::uint64_t requestStart_ = 0;
  bool inExecute_ = false;
  bool parserPaused_ = false;  // a pipelined message waits in pendingIn_
  bool bodyBackpressure_ = false;
  bool exchangeActive_ = false;  // head complete .. exchange done
  bool handlerPending_ = false;
  bool messageDone_ = false;
  bool keepAlive_ = true;
  bool headRequest_ = false;
  bool http10_ = false;
  bool noMoreRequests_ = false;  // close after the current exchange
  bool needDrain_ = false;
  bool shutdownStarted_ = false;
  bool closeAfterWrite_ = false;
  bool closing_ = false;  // the socket is closing or closed
  bool closed_ = false;   // the socket is gone; released once the handler settled
  bool eof_ = false;
  bool tls_ = false;        // the socket is a TlsSocket (copied at attach)
  bool upgrading_ = false;  // an Upgrade or CONNECT the listeners take: parsing ends at the head
};

}  // namespace nx::http::detail
