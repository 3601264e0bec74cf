// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nodexx/core/logger.hpp"
#include "nodexx/http/server.hpp"

namespace nx::web {

/// Express's "query parser" setting.
enum class QueryParser : std::uint8_t {
  /// Node's querystring (Express 5's default): flat keys, repeated keys become arrays.
  Simple,
  /// qs with Express's options: nested objects and arrays (`a[b]=1`, `a[]=1`).
  Extended,
  /// No parsing: req.query() is always an empty object.
  None,
};

/// Express's "env" setting: development shows exception text in 5xx problem responses;
/// production never does.
enum class Env : std::uint8_t { Development, Production };

/// Express's "etag" setting.
enum class ETagMode : std::uint8_t { Off, Weak, Strong };

/// The settings of an App, Express's `app.set()` keys as typed members (defaults as Express 5
/// unless noted). Read while requests are handled: change them before listen().
struct AppOptions {
  /// "case sensitive routing": "/Foo" and "/foo" differ. Default false.
  bool caseSensitiveRouting = false;
  /// "strict routing": "/foo" and "/foo/" differ. Default false.
  bool strictRouting = false;
  /// "trust proxy" (proxy-addr syntax): "" = false (default), "true" (trust every hop), a hop
  /// count ("1"), or a comma list of addresses, CIDR ranges and the names "loopback",
  /// "linklocal", "uniquelocal". Used by ip(), ips(), protocol(), hostname().
  std::string trustProxy{};
  /// "query parser". Default Simple (Express 5).
  QueryParser queryParser = QueryParser::Simple;
  /// "env". nullopt (default) reads NODE_ENV when the App is created: "production" gives
  /// Production, anything else Development (Express).
  std::optional<Env> env{};
  /// "x-powered-by": add `X-Powered-By: nodexx`. Default false (Express defaults to true; we
  /// do not advertise the server).
  bool xPoweredBy = false;
  /// "etag" for res.send()/json() bodies. Default Weak (Express).
  ETagMode etag = ETagMode::Weak;
  /// "json spaces": indentation of res.json() output. Default 0 (compact).
  int jsonSpaces = 0;
  /// Secrets for signed cookies (cookie-parser's secret list; the first signs, all verify).
  std::vector<std::string> cookieSecrets{};
  /// Options of the server App::listen() creates (timeouts, body and header limits).
  http::ServerOptions server{};
  /// Where the final handler logs server errors (5xx) and errors it cannot route. Default: a
  /// logger named "nodexx" writing JSON lines to stderr, created on first use.
  std::optional<Logger> logger{};
};

/// Options of a Router (Express's express.Router(options)).
struct RouterOptions {
  /// Case-sensitive matching. Default false.
  bool caseSensitive = false;
  /// Strict trailing slash. Default false.
  bool strict = false;
  /// Merge the parent's route parameters into req.params(). Default false.
  bool mergeParams = false;
};

}  // namespace nx::web
