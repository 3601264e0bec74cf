// SPDX-License-Identifier: MIT
// Switching protocols: an HTTP server hands a connection over to another protocol, as Node's
//
//   server.on('upgrade', (req, socket, head) => {
//     socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection:
//     Upgrade\r\n\r\n'); if (head.length) socket.write(head); socket.pipe(socket);
//   });
//
// The "echo" protocol here sends back every byte; a WebSocket server starts the same way. Plain
// requests still go to the handler. A client in the same process asks for the upgrade with
// bytes of the new protocol right behind its request head (they arrive as `head`), talks echo
// over the same connection, and ends it; the server then closes and the program exits.
//
// Typical output:
//
//   listening on 127.0.0.1:40123
//   GET /plain -> "HTTP/1.1 200 OK" "plain request"
//   upgrade to echo for /chat, head "early "
//   echo client read "HTTP/1.1 101 Switching Protocols" then "early bytes, then more"
//   server closed
#include <cstdio>
#include <memory>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/net/net.hpp"

using namespace nx;

namespace {

// Reads from `socket` until `text` holds `marker`; false at the end of the stream.
Promise<bool> readUntil(net::Socket& socket, std::string& text, std::string_view marker) {
  while (text.find(marker) == std::string::npos) {
    auto chunk = co_await socket.read();
    if (!chunk) co_return false;
    text += chunk->toString();
  }
  co_return true;
}

Promise<> plainRequest(int port) {
  auto socket = co_await net::connect(port, "127.0.0.1");
  co_await socket->write(
      Buffer::from("GET /plain HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
  std::string response;
  while (auto chunk = co_await socket->read()) response += chunk->toString();
  std::printf("GET /plain -> \"%s\" \"%s\"\n", response.substr(0, response.find("\r\n")).c_str(),
              response.substr(response.find("\r\n\r\n") + 4).c_str());
}

Promise<> echoClient(int port) {
  auto socket = co_await net::connect(port, "127.0.0.1");
  // The first bytes of the new protocol travel in the same write as the request head.
  co_await socket->write(Buffer::from(
      "GET /chat HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"
      "early "));
  std::string text;
  if (!co_await readUntil(*socket, text, "\r\n\r\n")) co_return;
  const std::string status = text.substr(0, text.find("\r\n"));
  text.erase(0, text.find("\r\n\r\n") + 4);
  co_await socket->write(Buffer::from("bytes, then more"));
  (void)socket->end();  // half-close: the echo ends when the server has sent everything back
  while (auto chunk = co_await socket->read()) text += chunk->toString();
  std::printf("echo client read \"%s\" then \"%s\"\n", status.c_str(), text.c_str());
}

Promise<> run(http::Server& server) {
  co_await server.listen(0, "127.0.0.1");
  const int port = server.address().port;
  std::printf("listening on 127.0.0.1:%d\n", port);
  co_await plainRequest(port);
  co_await echoClient(port);
  co_await server.close();  // waits for upgraded sockets too, as Node's does
  std::printf("server closed\n");
}

}  // namespace

int main() {
  auto server = http::createServer(
      [](http::IncomingMessage&, http::ServerResponse& res) { res.end("plain request"); });
  server.onUpgrade.on([](http::IncomingMessage& req, http::UpgradeSocket socket, Buffer head) {
    // `req` is valid during this call only: read what you need now.
    if (req.header("upgrade").value_or("") != "echo") {
      (void)socket->end(Buffer::from("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
      return;
    }
    std::printf("upgrade to echo for %s, head \"%s\"\n", std::string(req.url()).c_str(),
                head.toString().c_str());
    (void)socket->write(Buffer::from(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"));
    if (!head.empty()) (void)socket->write(std::move(head));
    socket->pipe(socket);  // echo; ends our side when the client ends its own
  });
  (void)run(server);
  return nx::run();
}
