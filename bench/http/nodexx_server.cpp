// SPDX-License-Identifier: MIT
// The nodexx peer of bench/http: TechEmpower's GET /plaintext and GET /json on nx::http::Server,
// one loop on one thread. `bench_http_nodexx <port>` (or PORT in the environment) listens on
// 127.0.0.1 until it is killed; run.py pins it to one core and loads it with wrk.
//
// Every response carries `Server: nodexx`; Date, Content-Length and the keep-alive fields are
// the server's automatic ones, as they are for the Node peers.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/server.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::string_view kPlaintext = "Hello, World!";
constexpr std::string_view kMessage = "Hello, World!";

// TechEmpower requires the JSON body to be serialised for each request. The core has no public
// JSON writer, so this is the one-field object JSON.stringify would give: a quoted string with
// the escapes JSON requires, built into a fresh std::string like the Node peers' new string.
std::string messageJson(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  out += R"({"message":")";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += R"("})";
  return out;
}

void handle(nx::http::IncomingMessage& req, nx::http::ServerResponse& res) {
  res.setHeader("Server", "nodexx");
  const std::string_view path = req.path();
  if (path == "/plaintext") {
    res.setHeader("Content-Type", "text/plain");
    res.end(kPlaintext);
  } else if (path == "/json") {
    res.setHeader("Content-Type", "application/json");
    res.end(messageJson(kMessage));
  } else {
    res.statusCode = 404;
    res.end();
  }
}

// A listen failure (port taken, say) must end the process with a message at once, so that the
// runner reports it instead of waiting for the port.
nx::Promise<> listenOrExit(nx::http::Server* server, std::uint16_t port) {
  try {
    co_await server->listen(port, "127.0.0.1");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_http_nodexx: listen on 127.0.0.1:%u failed: %s\n",
                 static_cast<unsigned>(port), e.what());
    nx::process::exit(1);
  }
}

bool parsePort(const char* text, std::uint16_t& port) {
  const std::string_view s = text;
  const auto* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, port);
  return ec == std::errc() && ptr == end && port != 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* portText = argc > 1 ? argv[1] : std::getenv("PORT");
  std::uint16_t port = 0;
  if (portText == nullptr || !parsePort(portText, port)) {
    std::fprintf(stderr, "usage: bench_http_nodexx <port> (or PORT=<port>)\n");
    return 2;
  }

  nx::http::ServerOptions options;
  // The idle-connection measurement holds 10,000 connections open for a few seconds; the
  // default 5 s keep-alive timeout could close them under it. The Node peers do the same.
  options.keepAliveTimeout = 120s;
  options.requestTimeout = 0ms;
  nx::http::Server server = nx::http::createServer(handle, options);
  (void)listenOrExit(&server, port);
  return nx::run();
}
