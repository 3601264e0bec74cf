// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/json/value.hpp"

namespace nx::web {

class App;

/// The request testing::inject() plays. Views and numbers only (the g++ 12 rule for option
/// structs of Promise APIs, core/README.md): everything is read and copied before inject()
/// first suspends, so a braced temporary is safe:
/// `co_await testing::inject(app, {.method = "POST", .url = "/x", .body = "{}"})`. With
/// `headers`, name the options first (`InjectOptions o{...}; co_await inject(app, o);`): g++ 12
/// rejects a braced list inside a co_await expression ("array used as initializer").
struct InjectOptions {
  /// Request method (upper case). Default "GET".
  std::string_view method = "GET";
  /// Request target with query ("/users/7?x=1"). Default "/".
  std::string_view url = "/";
  /// Request header fields in order. `Host: localhost` is added when absent, and
  /// `Content-Length` when a body is given and neither Content-Length nor
  /// Transfer-Encoding is set.
  std::initializer_list<std::pair<std::string_view, std::string_view>> headers = {};
  /// Request body (empty = none).
  std::string_view body = {};
  /// The peer address req.ip() sees. Default "127.0.0.1".
  std::string_view remoteAddress = "127.0.0.1";
  /// Pretend the exchange came over TLS (req.protocol() "https").
  bool encrypted = false;
  /// Body limit of the request in bytes (as http::ServerOptions::maxBodyBytes; 0 =
  /// unlimited). Default 1 MiB.
  std::uint64_t maxBodyBytes = 1024 * 1024;
};

/// What the app answered.
struct InjectResponse {
  int status = 0;
  /// Response header fields as set (no Date, Connection or automatic Content-Length).
  http::Headers headers;
  /// The body as sent (empty for HEAD).
  std::string body;
  /// The first value of header `name`, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return headers.get(name);
  }
  /// The body parsed as JSON. Throws json::ParseError when it is not JSON.
  json::Value json() const;
};

/// Runs one request through `app` in memory, with no socket (Fastify's light-my-request):
/// the same Request/Response code paths as a real server, over testing's in-memory exchange.
/// Resolves when the response has ended and every handler has settled; rejects only for
/// invalid options (SystemError ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR for bad header
/// fields). A handler that never ends the response leaves the promise pending. `app` must
/// outlive the promise. Loop thread only.
Promise<InjectResponse> inject(web::App& app, InjectOptions options = {});

}  // namespace nx::web
