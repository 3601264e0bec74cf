// SPDX-License-Identifier: MIT
// Connection: handing a connection over to Server::onUpgrade / onConnect listeners (HTTP Upgrade
// and CONNECT), as Node's http.Server does. See http/README.md, "Upgrade and CONNECT".
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/server_impl.hpp"
#include "nodexx/http/internal/write_batch.hpp"
#include "nodexx/net/internal/socket_access.hpp"
#include "nodexx/net/internal/uv_stream.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::http::detail {

namespace {

template <class F>
void callback(uv_loop_t* l, F&& f) noexcept {
  nx::detail::invokeCallback(nx::detail::stateOf(l), std::forward<F>(f));
}

void onPollClosed(uv_handle_t* h) {
  auto* s = static_cast<Socket*>(h->data);
  callback(s->server->loop, [&] { handOverDone(s, kHandOverPoll); });
}

bool isUnixSocket(int fd) noexcept {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
         addr.ss_family == AF_UNIX;
}

}  // namespace

// A handed-over Socket stays in the server's list until both its poll handle has closed and the
// new socket has been destroyed: Node's server.close() waits for upgraded sockets too (they are
// counted by the net server), while closeIdleConnections() and closeAllConnections() leave them
// alone (they are no longer HTTP connections). `closing` keeps those and the deadline check off.
// An HTTPS socket's object also holds the TLS engine the adopted TLSSocket drives, so it is
// deleted only once that is released too (the TLSSocket may outlive its descriptor).
void handOverDone(Socket* s, std::uint8_t part) noexcept {
  constexpr std::uint8_t kConnection = kHandOverPoll | kHandOverStream;
  const bool wasOpen = (s->handOverRefs & kConnection) != 0;
  s->handOverRefs = static_cast<std::uint8_t>(s->handOverRefs & ~part);
  if (wasOpen && (s->handOverRefs & kConnection) == 0) s->server->connectionClosed(s);
  if (s->handOverRefs == 0) deleteSocket(s);
}

bool Connection::claimUpgrade() {
  // As Node's parserOnIncoming: CONNECT always leaves HTTP; an Upgrade does only when someone
  // listens for it. The method is compared only here, never for ordinary requests.
  const bool connect = parser_.method() == "CONNECT";
  Server* owner = server_.owner;
  const std::size_t listeners =
      owner == nullptr ? 0 : (connect ? owner->onConnect : owner->onUpgrade).listenerCount();
  if (listeners != 0) {
    upgrading_ = true;
    parser_.takeOver();
    req.resetForNext();  // the previous request's listeners are not this one's
    res.resetForNext();
    return true;
  }
  if (connect) {
    // Node 20 destroys the socket of a CONNECT nobody listens for, without an answer; answers
    // to earlier pipelined requests have been written by then, so send what is corked first.
    exchangeActive_ = false;
    if (WriteBatch::current().owner() == this) flushCorked();
    destroy();
  }
  return false;
}

void Connection::handOver(const char* rest, std::size_t size) {
  Socket* s = sock_;
  ServerImpl& server = server_;
  const bool connect = parser_.method() == "CONNECT";

  // Answers to earlier pipelined requests that have not left yet go first, on the new socket.
  // On HTTPS, out_ is ciphertext and the rest plaintext, which the session encrypts now.
  std::string unwritten;
  if (!out_.empty()) unwritten.assign(out_, outOff_);
  WriteBatch& batch = WriteBatch::current();
  const bool ownsBatch = batch.owner() == this;
  const std::string_view corked = batch.take(this);
  if (tls_) {
    unwritten.append(encryptOwed(corked));
  } else {
    unwritten.append(corked);
  }
  if (ownsBatch) batch.clear();
  // `rest` lies in the thread's shared read buffer (or in pendingIn_): copy it.
  Buffer head = Buffer::from(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(rest), size));

  // uv_close takes the descriptor out of the loop at once (as Socket::close relies on), so a
  // TCP handle can adopt the same descriptor right away; the descriptor itself stays open.
  const int fd = s->fd();
  const bool unixSocket = isUnixSocket(fd);
  s->conn = nullptr;
  s->closing = true;
  s->deadlineKind = DeadlineKind::None;
  s->handOverRefs = kHandOverPoll | kHandOverStream;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), onPollClosed);
  // This object neither reads nor writes any more (closing_ stops every path that would); sock_
  // stays set during the listener call for req.remoteAddress() (the descriptor is still open,
  // and `s` lives until its poll handle's close callback).
  closing_ = true;
  exchangeActive_ = false;
  // The views of `req` stay valid during the listener call. This function may run deep inside
  // member functions of this object (a pipelined head parsed when an earlier response ended),
  // so the object goes back to the pool from the tick queue, not here.
  nx::nextTick([this] {
    sock_ = nullptr;
    parser_.releaseStorage();
    std::string().swap(pendingIn_);
    std::string().swap(out_);
    outOff_ = 0;
    server_.release(this);
  });

  auto* handle =
      net::detail::UvStream::create(server.loop, unixSocket ? net::detail::UvStream::Kind::Pipe
                                                            : net::detail::UvStream::Kind::Tcp);
  const int err = unixSocket ? uv_pipe_open(handle->pipe(), fd) : uv_tcp_open(handle->tcp(), fd);
  if (err != 0) {
    handle->close();
    ::close(fd);
    handOverDone(s, kHandOverStream);
    return;
  }
  // Node's http.Server sockets allow half-open connections (its net.Server is created with
  // allowHalfOpen: true), so the peer's FIN does not end our side: a tunnel can still answer.
  // Under TLS this is the TCP socket, whose end the TLS layer decides.
  net::SocketOptions options;
  options.allowHalfOpen = true;
  auto socket = std::make_shared<net::Socket>(options);
  net::detail::SocketAccess::adopt(*socket, handle, [s] { handOverDone(s, kHandOverStream); });
  req.complete_ = true;
  Server* owner = server.owner;
  if (owner == nullptr) {
    socket->destroy();
    return;
  }
  UpgradeSocket duplex;
  if (tls_) {
    // Node's https.Server gives the listeners the connection's TLSSocket: the session (and
    // with it authorized(), getPeerCertificate(), ...) moves to one over the new socket.
    duplex = adoptTlsSession(*s, std::move(socket), std::move(unwritten));
  } else {
    if (!unwritten.empty()) {
      (void)socket->write(Buffer::from(std::span<const std::uint8_t>(
          reinterpret_cast<const std::uint8_t*>(unwritten.data()), unwritten.size())));
    }
    duplex = std::move(socket);
  }
  (connect ? owner->onConnect : owner->onUpgrade).emit(std::ref(req), duplex, head);
  sock_ = nullptr;
}

}  // namespace nx::http::detail
