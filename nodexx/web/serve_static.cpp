// SPDX-License-Identifier: MIT
#include "nodexx/web/serve_static.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"

namespace nx::mw {

namespace {

constexpr std::int64_t kMaxMaxAgeMs = 365LL * 24 * 60 * 60 * 1000;

// What one serveStatic() middleware keeps for all its requests (shared by the requests in
// flight, so that they never outlive it).
struct StaticState {
  web::detail::SendSettings settings;
  bool redirect = true;
  bool fallthrough = true;
  web::detail::SetHeadersHook setHeaders;
};

// serve-static's collapseLeadingSlashes: "//a" → "/a".
std::string_view collapseLeadingSlashes(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == '/') ++i;
  return i > 1 ? s.substr(i - 1) : s;
}

std::string htmlDocument(std::string_view title, std::string_view body) {
  std::string doc =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  doc += title;
  doc += "</title>\n</head>\n<body>\n<pre>";
  doc += body;
  doc += "</pre>\n</body>\n</html>\n";
  return doc;
}

// serve-static's directory redirect: 301 to the original path plus "/", query kept.
void redirectToDirectory(web::Request& req, web::Response& res) {
  const std::string_view original = req.originalUrl();
  const std::size_t q = original.find('?');
  const std::string_view pathname = original.substr(0, q);
  const std::string_view search =
      q == std::string_view::npos ? std::string_view{} : original.substr(q);
  std::string target(pathname);
  target += '/';
  std::string location =
      web::encodeUrl(std::string(collapseLeadingSlashes(target)) + std::string(search));
  const std::string doc =
      htmlDocument("Redirecting", "Redirecting to " + web::escapeHtml(location));
  res.status(301);
  res.set("Content-Type", "text/html; charset=UTF-8");
  res.set("Content-Length", std::to_string(doc.size()));
  res.set("Content-Security-Policy", "default-src 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Location", location);
  res.end(doc);
}

web::HttpError toHttpError(const web::detail::SendOutcome& o) {
  web::HttpError error(o.status, o.code, o.message);
  if (!o.contentRange.empty()) error.setHeader("Content-Range", o.contentRange);
  return error;
}

Promise<> serve(std::shared_ptr<const StaticState> state, web::Request& req, web::Response& res,
                web::Next next) {
  // serve-static: a request for the mount point itself ("/dir" mounted at "/dir") has the path
  // "/"; it is served as "" so that the directory redirect adds the slash.
  std::string path(req.path());
  const std::string_view original = req.originalUrl().substr(0, req.originalUrl().find('?'));
  if (path == "/" && !original.ends_with('/')) path.clear();
  const bool trailingSlash = !path.empty() && path.back() == '/';

  const web::detail::SendOutcome outcome =
      co_await web::detail::sendWebPath(req, res, path, true, state->settings, &state->setHeaders);
  switch (outcome.kind) {
    case web::detail::SendOutcome::Kind::Sent:
      co_return;
    case web::detail::SendOutcome::Kind::Directory:
      if (state->redirect && !trailingSlash) {
        redirectToDirectory(req, res);
        co_return;
      }
      // serve-static answers 404 for a directory it does not redirect (a 4xx: falls through).
      if (state->fallthrough) {
        co_await next();
      } else {
        co_await next(web::HttpError(404, "not_found", "The requested file does not exist"));
      }
      co_return;
    case web::detail::SendOutcome::Kind::Error:
      break;
  }
  // serve-static: errors go on once a file was found (or always without fallthrough); before
  // that, client errors fall through to later middleware.
  const bool forward = !state->fallthrough || outcome.foundFile || outcome.status >= 500;
  if (forward) {
    co_await next(toHttpError(outcome));
  } else {
    co_await next();
  }
}

}  // namespace

web::Middleware serveStatic(std::string root, ServeStaticOptions options) {
  if (root.empty()) throw SystemError("ERR_INVALID_ARG_VALUE", "root path required");
  auto state = std::make_shared<StaticState>();
  web::detail::SendSettings& s = state->settings;
  s.root = web::detail::resolvePath(root);
  s.maxAgeMs = std::clamp<std::int64_t>(options.maxAge.count(), 0, kMaxMaxAgeMs);
  s.immutable = options.immutable;
  s.cacheControl = options.cacheControl;
  s.lastModified = options.lastModified;
  s.etag = options.etag;
  s.acceptRanges = options.acceptRanges;
  s.dotfiles = options.dotfiles;
  s.index = std::move(options.index);
  s.extensions = std::move(options.extensions);
  state->redirect = options.redirect;
  state->fallthrough = options.fallthrough;
  state->setHeaders = std::move(options.setHeaders);

  std::shared_ptr<const StaticState> shared = std::move(state);
  return [shared](web::Request& req, web::Response& res, web::Next next) -> Promise<> {
    const std::string_view method = req.method();
    if (method != "GET" && method != "HEAD") {
      if (shared->fallthrough) {
        next();
        return {};
      }
      res.status(405);
      res.set("Allow", "GET, HEAD");
      res.set("Content-Length", "0");
      res.end();
      return {};
    }
    return serve(shared, req, res, next);
  };
}

}  // namespace nx::mw
