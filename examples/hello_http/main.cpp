// SPDX-License-Identifier: MIT
// Hello, HTTP: the nodexx version of Node's
//
//   http.createServer((req, res) => res.end('hello world\n')).listen(0)
//
// The server answers a few requests from a small blocking client that runs on the thread pool
// (so the loop stays free to serve it), prints what came back, then closes and exits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/server.hpp"

using namespace nx;

namespace {

// One request over a fresh connection with plain sockets: the answer's status line.
std::string get(int port, std::string path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  (void)::write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  std::size_t body = response.find("\r\n\r\n");
  return response.substr(0, response.find("\r\n")) + " | " +
         (body == std::string::npos ? "" : response.substr(body + 4));
}

Promise<> serveAndExit(http::Server& server) {
  co_await server.listen(0, "127.0.0.1");
  int port = server.address().port;
  std::printf("listening on 127.0.0.1:%d\n", port);
  for (const char* path : {"/", "/hello?name=nodexx", "/missing"}) {
    std::string line = co_await threadpool::run([port, path] { return get(port, path); });
    std::printf("GET %s -> %s", path, line.c_str());
  }
  co_await server.close();
  std::printf("closed\n");
}

}  // namespace

int main() {
  auto server = http::createServer([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.path() == "/missing") {
      res.statusCode = 404;
      res.end("not found\n");
      return;
    }
    res.setHeader("Content-Type", "text/plain");
    res.end("hello world (" + std::string(req.url()) + ")\n");
  });
  (void)serveAndExit(server);
  return run();
}
