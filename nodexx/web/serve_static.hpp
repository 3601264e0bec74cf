// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/web/middleware.hpp"
#include "nodexx/web/send_file.hpp"

namespace nx::fs {
struct Stats;
}

namespace nx::web {
class Response;
}

namespace nx::mw {

/// Options of serveStatic(), with serve-static 2's names and defaults (Express's
/// `express.static(root, options)`). A middleware factory's options may own memory: they are
/// copied into the middleware once.
struct ServeStaticOptions {
  /// Files tried, in order, for a path ending in `/` (serve-static's `index`). Empty = `false`
  /// (a directory is then never served). Default `{"index.html"}`.
  std::vector<std::string> index = {"index.html"};
  /// Extensions tried, in order, for a missing path without an extension (send's
  /// `extensions`, without the dot: `{"html", "htm"}`). Default none.
  std::vector<std::string> extensions = {};
  /// Redirect a directory path without its trailing slash to `path/` with 301 (a Location that
  /// keeps the query). false: 404. Default true.
  bool redirect = true;
  /// On a 4xx outcome before a file was found (missing, ignored dotfile, bad path, ...) call
  /// next() so later routes can answer; also next() for methods other than GET/HEAD. false:
  /// pass the error to the error middleware (HttpError 404, 403, 400, ...) and answer other
  /// methods 405 with `Allow: GET, HEAD`. 5xx outcomes and errors after a file was found
  /// always go to the error middleware. Default true.
  bool fallthrough = true;
  /// `Cache-Control: public, max-age=<seconds>`, clamped to 0..1 year. Default 0.
  std::chrono::milliseconds maxAge{0};
  /// Add `, immutable` to Cache-Control. Default false.
  bool immutable = false;
  /// Set Cache-Control. Default true.
  bool cacheControl = true;
  /// Set Last-Modified. Default true.
  bool lastModified = true;
  /// Set a weak ETag. Default true.
  bool etag = true;
  /// Accept single byte ranges (206/416) and send `Accept-Ranges: bytes`. Default true.
  bool acceptRanges = true;
  /// Dotfile policy for the path below the root. Default Ignore (404 / fall through).
  web::Dotfiles dotfiles = web::Dotfiles::Ignore;
  /// Called once a file is chosen, before the validators are set, with the response, the
  /// file's absolute path and its stats (serve-static's `setHeaders(res, path, stat)`); fields
  /// it sets win over the automatic ones. Must not send the response. Default none.
  std::function<void(web::Response&, std::string_view path, const fs::Stats&)> setHeaders = {};
};

/// A middleware serving the files below `root` for GET and HEAD requests, as serve-static 2
/// (Express's `express.static`): the request path (`req.path()`, below the mount point) is
/// percent-decoded and resolved inside `root` (a relative root is resolved against the working
/// directory once, now); `..` segments that would leave it give 403; files are sent with
/// sendFile's behaviour (ETag, Last-Modified, 304, 412, Range → 206/416, HEAD,
/// Cache-Control, Content-Type from the extension); a directory requested without its
/// trailing slash is redirected (301, as serve-static); a directory with a trailing slash
/// serves the first existing `index` file. Outcomes that are not a response go to next() or
/// to the error middleware according to `fallthrough`.
/// Throws nx::SystemError `ERR_INVALID_ARG_VALUE` (serve-static's TypeError "root path
/// required") when `root` is empty.
web::Middleware serveStatic(std::string root, ServeStaticOptions options = {});

}  // namespace nx::mw
