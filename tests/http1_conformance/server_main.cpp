// SPDX-License-Identifier: MIT
// The HTTP/1.1 test server that curl, node and wrk talk to in the conformance and load checks.
//
//   http1_test_server [--port N] [--headers-timeout MS] [--request-timeout MS]
//                     [--keep-alive-timeout MS] [--max-body BYTES] [--exit-on-eof]
//
// Prints "listening <port>" on stdout once it listens, then serves until SIGTERM/SIGINT (a
// graceful close) or, with --exit-on-eof, until stdin closes. Routes:
//   GET  /            "Hello, World!" (text/plain) — the plaintext benchmark answer
//   POST /echo        the request body back (Content-Length)
//   POST /echo-chunked the request body back, streamed (chunked)
//   GET  /chunked     three chunks
//   GET  /headers     the request's fields, one "name: value" per line
//   any other         404
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/http/server.hpp"

using namespace nx;

namespace {

Promise<> handleOther(http::IncomingMessage& req, http::ServerResponse& res) {
  std::string_view path = req.path();
  if (path == "/echo") {
    Buffer body = co_await req.body();
    res.setHeader("Content-Type", "application/octet-stream");
    res.end(body);
    co_return;
  }
  if (path == "/echo-chunked") {
    while (auto chunk = co_await req.read()) co_await res.write(*chunk);
    res.end();
    co_return;
  }
  if (path == "/chunked") {
    (void)res.write("one,");
    (void)res.write("two,");
    res.end("three");
    co_return;
  }
  if (path == "/headers") {
    std::string out;
    for (std::size_t i = 0; i < req.headerCount(); ++i) {
      auto f = req.headerAt(i);
      out += std::string(f.name) + ": " + std::string(f.value) + "\n";
    }
    res.end(out);
    co_return;
  }
  res.statusCode = 404;
  res.end("not found");
}

// The plaintext route answers synchronously and returns an empty Promise (no coroutine frame,
// no allocation); the others are coroutines.
Promise<> handle(http::IncomingMessage& req, http::ServerResponse& res) {
  if (req.path() == "/") {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
    return {};
  }
  return handleOther(req, res);
}

std::uint64_t argValue(int argc, char** argv, const char* name, std::uint64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::strtoull(argv[i + 1], nullptr, 10);
  }
  return fallback;
}

http::Server* gServer = nullptr;
uv_signal_t gSigterm, gSigint;
uv_pipe_t gStdin;

void stopServer() {
  if (gServer == nullptr) return;
  http::Server* s = gServer;
  gServer = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&gSigterm), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&gSigint), nullptr);
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&gStdin)) ||
      !uv_is_closing(reinterpret_cast<uv_handle_t*>(&gStdin))) {
    uv_close(reinterpret_cast<uv_handle_t*>(&gStdin), nullptr);
  }
  (void)s->close(std::chrono::milliseconds(2000));
}

}  // namespace

int main(int argc, char** argv) {
  http::ServerOptions o;
  o.headersTimeout = std::chrono::milliseconds(argValue(argc, argv, "--headers-timeout", 60000));
  o.requestTimeout = std::chrono::milliseconds(argValue(argc, argv, "--request-timeout", 300000));
  o.keepAliveTimeout =
      std::chrono::milliseconds(argValue(argc, argv, "--keep-alive-timeout", 5000));
  o.maxBodyBytes = argValue(argc, argv, "--max-body", 1024 * 1024);
  if (o.headersTimeout < std::chrono::milliseconds(1000)) {
    o.connectionsCheckingInterval = std::chrono::milliseconds(50);
  }
  auto port = static_cast<std::uint16_t>(argValue(argc, argv, "--port", 0));

  http::Server server(http::RequestHandler(handle), o);
  gServer = &server;
  auto start = [](http::Server& s, std::uint16_t p) -> Promise<> {
    co_await s.listen(p, "127.0.0.1");
    std::printf("listening %d\n", s.address().port);
    std::fflush(stdout);
  };
  Promise<> started = start(server, port);

  uv_loop_t* l = loop().uv();
  uv_signal_init(l, &gSigterm);
  uv_signal_init(l, &gSigint);
  uv_signal_start(
      &gSigterm, [](uv_signal_t*, int) { stopServer(); }, SIGTERM);
  uv_signal_start(
      &gSigint, [](uv_signal_t*, int) { stopServer(); }, SIGINT);
  uv_pipe_init(l, &gStdin, 0);
  bool watchStdin = false;
  for (int i = 1; i < argc; ++i)
    watchStdin = watchStdin || std::strcmp(argv[i], "--exit-on-eof") == 0;
  if (watchStdin && uv_pipe_open(&gStdin, 0) == 0) {
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&gStdin),
        [](uv_handle_t*, std::size_t, uv_buf_t* b) {
          static char buf[256];
          *b = uv_buf_init(buf, sizeof buf);
        },
        [](uv_stream_t*, ssize_t n, const uv_buf_t*) {
          if (n < 0) stopServer();
        });
  } else {
    uv_close(reinterpret_cast<uv_handle_t*>(&gStdin), nullptr);
  }
  int rc = run();
  if (started.isRejected()) return 1;
  return rc;
}
