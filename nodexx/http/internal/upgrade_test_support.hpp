// SPDX-License-Identifier: MIT
// Test support for the Upgrade and CONNECT tests of the http and https servers: the RFC 6455
// handshake, an echo listener and a CONNECT tunnel. Used by *_upgrade_test.cpp; never by the
// library.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/crypto.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::http::testing {

inline Buffer bytes(std::string_view s) {
  return Buffer::from(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

/// A WebSocket opening handshake with RFC 6455 §1.3's example key.
inline const std::string kHandshake =
    "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
inline std::string webSocketAccept(std::string_view key) {
  return crypto::createHash("sha1")
      .update(std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
      .digest(Encoding::Base64);
}

/// Sends `head` back, then echoes every chunk, pausing while the socket's output is over its
/// high water mark (counted in `pauses` when given), and ends when the peer does.
inline void echo(const UpgradeSocket& socket, const Buffer& head, int* pauses = nullptr) {
  stream::Duplex<Buffer, Buffer>* s = socket.get();  // the socket keeps itself alive until close
  if (head.size() != 0) (void)s->write(head);
  s->events().data.on([s, pauses](Buffer& chunk) {
    if (!s->write(chunk)) {
      s->pause();
      if (pauses != nullptr) ++*pauses;
    }
  });
  s->events().drain.on([s] { s->resume(); });
  s->events().end.on([s] { (void)s->end(); });
}

/// A CONNECT proxy in a few lines: connect to 127.0.0.1:port, answer 200, pipe both ways
/// (`head` goes to the target first); an unreachable target destroys the client.
inline Promise<> tunnel(UpgradeSocket client, Buffer head, int port) {
  std::shared_ptr<net::Socket> upstream;
  try {
    upstream = co_await net::connect(port, "127.0.0.1");
  } catch (const SystemError&) {
    client->destroy();
    co_return;
  }
  (void)client->write(bytes("HTTP/1.1 200 Connection Established\r\n\r\n"));
  if (head.size() != 0) (void)upstream->write(head);
  client->pipe(upstream);
  upstream->pipe(client);
}

}  // namespace nx::http::testing
