// SPDX-License-Identifier: MIT
// The nodexx twin of node_server.js: the same handler, route by route, on nx::http::Server with
// the default ServerOptions (Node's limits), or with `--short-timeouts` the short deadlines
// node_server.js uses with that flag. Listens on 127.0.0.1 port 0 and prints the port; SIGTERM
// closes the server and main returns 0, so that a sanitizer build reports at exit.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/server.hpp"

namespace {

using nx::Promise;
using nx::http::IncomingMessage;
using nx::http::ServerResponse;

void reply(ServerResponse& res, int status, std::string_view body) {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain");
  res.end(body);
}

// node_server.js's '/echo': the request line as Node reports it, then the body's bytes.
// A malformed or cut body rejects body(); the server answers (or closes) by itself then, as
// Node does before its 'end' event, so there is nothing left to do here.
Promise<> echo(IncomingMessage& req, ServerResponse& res) {
  nx::Buffer body;
  try {
    body = co_await req.body();
  } catch (const nx::SystemError&) {
    co_return;
  }
  std::string out = std::string(req.method()) + " " + std::string(req.url()) + " HTTP/" +
                    std::string(req.httpVersion()) + " body=" + std::to_string(body.size()) + ":";
  out.append(reinterpret_cast<const char*>(body.data()), body.size());
  reply(res, 200, out);
}

// Every route but '/echo' answers synchronously, as its JavaScript twin does.
Promise<> handle(IncomingMessage& req, ServerResponse& res) {
  const std::string_view path = req.path();
  if (path == "/echo") return echo(req, res);
  if (path == "/") {
    reply(res, 200, "hello\n");
  } else if (path == "/headers") {
    std::string out;
    for (std::size_t i = 0; i < req.headerCount(); ++i) {
      auto f = req.headerAt(i);
      out += std::string(f.name) + ": " + std::string(f.value) + "\n";
    }
    reply(res, 200, out);
  } else if (path == "/count") {
    reply(res, 200, std::to_string(req.headerCount()));
  } else if (path == "/write") {
    (void)res.write("a");
    (void)res.write("b");
    res.end("c");
  } else if (path == "/write-end-empty") {
    (void)res.write("abc");
    res.end();
  } else if (path == "/writehead") {
    res.writeHead(201, {{"X-A", "1"}, {"Content-Type", "text/plain"}});
    res.end("created");
  } else if (path == "/writehead-reason") {
    res.writeHead(299, "Custom Reason");
    res.end("r");
  } else if (path == "/writehead-cl") {
    res.writeHead(200, {{"Content-Length", "5"}});
    res.end("hello");
  } else if (path == "/writehead-write") {
    res.writeHead(202);
    (void)res.write("one ");
    res.end("two");
  } else if (path == "/setheader-cl-write") {
    res.setHeader("Content-Length", "6");
    (void)res.write("abc");
    res.end("def");
  } else if (path == "/te-chunked") {
    res.setHeader("Transfer-Encoding", "chunked");
    (void)res.write("x");
    res.end("y");
  } else if (path == "/te-chunked-end") {
    res.setHeader("Transfer-Encoding", "chunked");
    res.end("body");
  } else if (path == "/flush") {
    res.flushHeaders();
    res.end("late");
  } else if (path == "/empty") {
    res.end();
  } else if (path == "/204") {
    res.statusCode = 204;
    res.end();
  } else if (path == "/204-body") {
    res.statusCode = 204;
    res.end("dropped");
  } else if (path == "/304") {
    res.statusCode = 304;
    res.end("dropped");
  } else if (path == "/304-write") {
    res.statusCode = 304;
    (void)res.write("dropped");
    res.end();
  } else if (path == "/404") {
    reply(res, 404, "nope");
  } else if (path == "/multi") {
    res.appendHeader("Set-Cookie", "a=1");
    res.appendHeader("Set-Cookie", "b=2");
    res.end("m");
  } else if (path == "/case") {
    res.setHeader("x-lower", "v1");
    res.setHeader("X-MiXeD", "v2");
    res.end("c");
  } else if (path == "/conn-close") {
    res.setHeader("Connection", "close");
    res.end("bye");
  } else if (path == "/conn-keep-alive") {
    res.setHeader("Connection", "keep-alive");
    res.end("ka");
  } else if (path == "/date-off") {
    res.sendDate = false;
    res.end("nd");
  } else if (path == "/big") {
    res.end(std::string(100000, 'x'));
  } else if (path == "/big-write") {
    for (char c = '0'; c < '4'; ++c) (void)res.write(std::string(32768, c));
    res.end();
  } else {
    reply(res, 404, "not found: " + std::string(req.method()) + " " + std::string(req.url()));
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  // `--short-timeouts`: node_server.js's deadlines for the timeout cases.
  nx::http::ServerOptions options;
  if (argc > 1 && std::string_view(argv[1]) == "--short-timeouts") {
    options.headersTimeout = std::chrono::milliseconds(1000);
    options.requestTimeout = std::chrono::milliseconds(2000);
    options.keepAliveTimeout = std::chrono::milliseconds(1000);
    options.connectionsCheckingInterval = std::chrono::milliseconds(100);
  }
  nx::http::Server server(nx::http::RequestHandler(handle), options);
  auto start = [](nx::http::Server& s) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    std::printf("%d\n", s.address().port);
    std::fflush(stdout);
  };
  Promise<> started = start(server);

  bool closing = false;
  nx::process::on(nx::Signal::Term, [&](nx::Signal) {
    if (closing) return;
    closing = true;
    (void)server.close(std::chrono::seconds(2));
  });
  int rc = nx::run();
  return started.isRejected() ? 1 : rc;
}
