// SPDX-License-Identifier: MIT
// A TCP echo server and a few clients in one process, as Node's net docs show them:
// createServer + pipe(socket, socket) on one side, connect + write + end + read on the other.
// The server closes once every client is done, so the program exits by itself.
//
//   ./example_echo_server [clients=3]
//
// Typical output:
//
//   echo server listening on 127.0.0.1:41234
//   client 0 got "hello from client 0" back (19 bytes written, 19 read)
//   client 1 got "hello from client 1" back (19 bytes written, 19 read)
//   client 2 got "hello from client 2" back (19 bytes written, 19 read)
//   server closed after 3 connections
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/combinators.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/net/net.hpp"

namespace net = nx::net;

namespace {

nx::Promise<> client(int port, int id) {
  auto socket = co_await net::connect(port, "127.0.0.1");
  const std::string text = "hello from client " + std::to_string(id);
  co_await socket->write(nx::Buffer::from(text));  // waits only if the buffer is full
  (void)socket->end();                             // half-close: "I am done sending"
  std::string reply;
  while (auto chunk = co_await socket->read()) reply += chunk->toString();
  std::printf("client %d got \"%s\" back (%llu bytes written, %llu read)\n", id, reply.c_str(),
              static_cast<unsigned long long>(socket->bytesWritten()),
              static_cast<unsigned long long>(socket->bytesRead()));
}

nx::Promise<> run(int clients) {
  int accepted = 0;
  // Each connection echoes what it reads; the pipe ends the socket when the client ends.
  auto server = net::createServer([&accepted](std::shared_ptr<net::Socket> socket) {
    ++accepted;
    socket->pipe(socket);
  });
  co_await server->listen(0, "127.0.0.1");
  std::printf("echo server listening on %s:%d\n", server->address().address.c_str(),
              server->address().port);
  for (int i = 0; i < clients; ++i) co_await client(server->address().port, i);
  co_await server->close();  // resolves once every connection has ended
  std::printf("server closed after %d connections\n", accepted);
}

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 3;
  (void)run(clients > 0 ? clients : 1);
  return nx::run();
}
