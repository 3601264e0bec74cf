// SPDX-License-Identifier: MIT
// The nodexx peer of bench/web: 200 routes (100 static, 80 with two params, 20 wildcards)
// behind a chain of 10 cheap middleware, on one web::App with one loop on one thread; the
// same application as peers/express.js and peers/fastify.js (the table is peers/routes.js).
// `bench_web_nodexx <port>` (or PORT in the environment) listens on 127.0.0.1 until killed;
// run.py pins it to one core and loads it with wrk (wrk/routes.lua).
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/loop.hpp"
#include "nodexx/web/app.hpp"

namespace {

using namespace std::chrono_literals;
using nx::web::Next;
using nx::web::Request;
using nx::web::Response;

// Must match peers/routes.js and wrk/routes.lua.
constexpr int kStatic = 100;
constexpr int kParam = 80;
constexpr int kWildcard = 20;
constexpr int kMiddleware = 10;

// Header names of the even middleware steps (string literals: nothing to keep alive).
constexpr std::string_view kMwHeaders[] = {"X-Mw-0", "X-Mw-2", "X-Mw-4", "X-Mw-6", "X-Mw-8"};
// Locals keys of the odd steps.
constexpr std::string_view kMwKeys[] = {"mw1", "mw3", "mw5", "mw7", "mw9"};

void addMiddleware(nx::web::App& app) {
  for (int i = 0; i < kMiddleware; ++i) {
    if (i % 2 == 0) {
      app.use([name = kMwHeaders[i / 2]](Request&, Response& res, Next next) {
        res.set(name, "1");
        next();
      });
    } else {
      app.use([key = kMwKeys[i / 2], i](Request&, Response& res, Next next) {
        res.locals().set(key, i);
        next();
      });
    }
  }
}

void addRoutes(nx::web::App& app) {
  for (int k = 0; k < kStatic; ++k) {
    app.get("/api/v1/items/static" + std::to_string(k),
            [body = "static" + std::to_string(k)](Request&, Response& res) {
              res.type("text/plain");
              res.send(body);
            });
  }
  for (int k = 0; k < kParam; ++k) {
    app.get("/api/v1/users" + std::to_string(k) + "/:id/items/:item",
            [](Request& req, Response& res) {
              std::string body;
              const std::string_view id = req.param("id");
              const std::string_view item = req.param("item");
              body.reserve(id.size() + 1 + item.size());
              body.append(id).append(1, '/').append(item);
              res.type("text/plain");
              res.send(body);
            });
  }
  for (int k = 0; k < kWildcard; ++k) {
    app.get("/files" + std::to_string(k) + "/*path", [](Request& req, Response& res) {
      res.type("text/plain");
      res.send(req.param("path"));
    });
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
    std::fprintf(stderr, "usage: bench_web_nodexx <port> (or PORT=<port>)\n");
    return 2;
  }

  nx::web::AppOptions options;
  // The Express peer turns ETag off (Fastify has none by default): no peer hashes bodies.
  options.etag = nx::web::ETagMode::Off;
  // As the Node peers: long keep-alive, no request timeout.
  options.server.keepAliveTimeout = 120s;
  options.server.requestTimeout = 0ms;
  nx::web::App app(options);
  addMiddleware(app);
  addRoutes(app);

  // A listen failure (port taken, say) ends the process with a message at once, so that the
  // runner reports it instead of waiting for the port.
  std::optional<nx::http::Server> server;
  try {
    server.emplace(app.listen(port, "127.0.0.1"));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_web_nodexx: listen on 127.0.0.1:%u failed: %s\n",
                 static_cast<unsigned>(port), e.what());
    return 1;
  }
  return nx::run();
}
