// SPDX-License-Identifier: MIT
// The final handler: what runs when the chain ends without a response (404, 405, automatic
// OPTIONS) or with an error (RFC 9457 problem details).
#include <algorithm>
#include <charconv>

#include "nodexx/http/errors.hpp"
#include "nodexx/http/status.hpp"
#include "nodexx/json/errors.hpp"
#include "nodexx/json/writer.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/internal/context.hpp"

namespace nx::web::detail {

namespace {

void setLength(Exchange& ex, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  ex.setHeader("Content-Length", std::string_view(buf, end - buf));
}

// The Allow list as router's sendOptionsResponse builds it: unique, sorted, ", "-joined.
std::string allowList(std::vector<std::string_view>& methods) {
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string allow;
  for (auto m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  return allow;
}

struct Problem {
  int status = 500;
  std::string code;
  std::string detail;
};

Problem classify(const std::exception_ptr& error, bool production) {
  Problem p;
  try {
    std::rethrow_exception(error);
  } catch (const HttpError& e) {
    p.status = e.status();
    p.code = std::string(e.code());
    p.detail = e.expose() || !production ? e.what() : std::string(http::statusText(p.status));
  } catch (const SystemError& e) {
    // Transport limits surface as SystemErrors from read(): give them their HTTP meaning.
    if (e.code() == "ERR_HTTP_BODY_TOO_LARGE") {
      p.status = 413;
      p.code = "payload_too_large";
      p.detail = e.what();
    } else if (e.code() == "ECONNRESET" || e.code() == "ERR_STREAM_PREMATURE_CLOSE") {
      p.status = 400;
      p.code = "request_aborted";
      p.detail = e.what();
    } else {
      p.status = 500;
      p.code = std::string(errc::kInternal);
      p.detail = production ? std::string(http::statusText(500)) : describe(error);
    }
  } catch (...) {
    p.status = 500;
    p.code = std::string(errc::kInternal);
    p.detail = production ? std::string(http::statusText(500)) : describe(error);
  }
  return p;
}

}  // namespace

void sendProblem(Context& c, int status, std::string_view code, std::string_view detail,
                 const std::vector<FieldError>* errors, const HttpError* source) {
  Exchange& ex = *c.ex;
  // finalhandler's order: drop what described the failed body, then the error's own fields.
  ex.removeHeader("Content-Encoding");
  ex.removeHeader("Content-Language");
  ex.removeHeader("Content-Range");
  ex.removeHeader("ETag");
  if (source != nullptr) {
    for (const auto& [n, v] : source->headers()) ex.setHeader(n, v);
  }
  std::string& body = c.scratch;
  body.clear();
  json::Writer w(body);
  w.beginObject();
  w.key("type");
  w.value("about:blank");
  w.key("title");
  w.value(http::statusText(status));
  w.key("status");
  w.value(static_cast<std::int64_t>(status));
  w.key("detail");
  w.value(detail);
  w.key("code");
  w.value(code);
  w.key("requestId");
  w.value(c.req.id());
  if (errors != nullptr && !errors->empty()) {
    w.key("errors");
    w.beginArray();
    for (const FieldError& e : *errors) {
      w.beginObject();
      w.key("path");
      w.value(e.path);
      w.key("message");
      w.value(e.message);
      w.endObject();
    }
    w.endArray();
  }
  w.endObject();
  ex.setStatusCode(status);
  ex.setHeader("Content-Type", "application/problem+json; charset=utf-8");
  ex.setHeader("X-Content-Type-Options", "nosniff");
  setLength(ex, body.size());
  ex.end(c.req.method() == "HEAD" ? std::string_view() : std::string_view(body));
}

void renderFinal(Context& c, std::exception_ptr error) {
  Exchange& ex = *c.ex;
  if (ex.headersSent()) {
    // Too late for a status: finish what was started (finalhandler destroys the socket; an
    // ended response is the closest that keeps the connection usable).
    if (error) {
      c.app->log().error({{"err", error}, {"reqId", c.req.id()}},
                         "error after the response head was sent");
    }
    if (!ex.writableEnded()) ex.end(std::string_view());
    return;
  }
  if (ex.writableEnded()) return;
  if (error) {
    Problem p = classify(error, c.app->production);
    try {
      std::rethrow_exception(error);
    } catch (const HttpError& e) {
      sendProblem(c, p.status, p.code, p.detail, &e.errors(), &e);
    } catch (...) {
      sendProblem(c, p.status, p.code, p.detail, nullptr);
    }
    if (p.status >= 500) {
      c.app->log().error({{"err", error},
                          {"reqId", c.req.id()},
                          {"method", c.req.method()},
                          {"url", c.req.originalUrl()},
                          {"status", p.status}},
                         "request failed");
    }
    return;
  }
  if (c.allowed.empty()) {
    std::string detail = "Cannot ";
    detail.append(c.req.method()).append(" ").append(c.req.originalUrl().substr(0, c.pathEnd));
    sendProblem(c, 404, errc::kNotFound, detail, nullptr);
    return;
  }
  std::string allow = allowList(c.allowed);
  if (c.req.method() == "OPTIONS") {
    ex.setStatusCode(200);
    ex.setHeader("Allow", allow);
    setLength(ex, allow.size());
    ex.setHeader("Content-Type", "text/plain");
    ex.setHeader("X-Content-Type-Options", "nosniff");
    ex.end(c.req.method() == "HEAD" ? std::string_view() : std::string_view(allow));
    return;
  }
  ex.setHeader("Allow", allow);
  std::string detail;
  detail.append(c.req.method()).append(" is not allowed here; allowed: ").append(allow);
  sendProblem(c, 405, errc::kMethodNotAllowed, detail, nullptr);
}

}  // namespace nx::web::detail
