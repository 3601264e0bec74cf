// SPDX-License-Identifier: MIT
// Response: status, headers, cookies, redirects, negotiation and streaming. Sending bodies is
// in response_send.cpp.
#include "nodexx/web/response.hpp"

#include <charconv>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/status.hpp"
#include "nodexx/web/accepts.hpp"
#include "nodexx/web/content_disposition.hpp"
#include "nodexx/web/cookie.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/internal/context.hpp"
#include "nodexx/web/mime.hpp"
#include "nodexx/web/vary.hpp"

namespace nx::web {

NextResult::Awaiter WriteResult::operator co_await() const {
  if (ok_) return NextResult::Awaiter{Promise<>()};
  return NextResult::Awaiter{res_->drained()};
}

Response& Response::status(int code) {
  if (code < 100 || code > 999) {
    throw RangeError("ERR_HTTP_INVALID_STATUS_CODE",
                     "Invalid status code: " + std::to_string(code) +
                         ". Status code must be an integer between 100 and 999.");
  }
  c_.ex->setStatusCode(code);
  return *this;
}

int Response::statusCode() const noexcept { return c_.ex->statusCode(); }

Response& Response::set(std::string_view name, std::string_view value) {
  if (name.size() == 12 && http::equalsIgnoreCase(name, "content-type")) {
    // Express 5 passes Content-Type through mime.contentType(): a charset is added to text
    // types, and a bare extension is looked up.
    if (auto ct = c_.contentType(value)) {
      c_.ex->setHeader(name, *ct);
      return *this;
    }
  }
  c_.ex->setHeader(name, value);
  return *this;
}

Response& Response::set(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [n, v] : fields) set(n, v);
  return *this;
}

std::optional<std::string_view> Response::get(std::string_view name) const noexcept {
  return c_.ex->getHeader(name);
}

Response& Response::append(std::string_view name, std::string_view value) {
  c_.ex->appendHeader(name, value);
  return *this;
}

Response& Response::removeHeader(std::string_view name) {
  c_.ex->removeHeader(name);
  return *this;
}

Response& Response::type(std::string_view t) {
  // Express: set('Content-Type', t) when t has a '/', else set('Content-Type',
  // mime.contentType(t) || 'application/octet-stream'), and set() passes the value through
  // mime.contentType() once more. That second pass changes nothing here (its input already
  // carries the charset the table gives, or the table gives none), so each branch sets the
  // header once, with the lookup memoised by the context.
  if (t.find('/') != std::string_view::npos) {
    auto ct = c_.contentType(t);
    c_.ex->setHeader("Content-Type", ct ? *ct : t);
    return *this;
  }
  auto ct = c_.contentType(t);
  c_.ex->setHeader("Content-Type", ct ? *ct : std::string_view("application/octet-stream"));
  return *this;
}

Response& Response::vary(std::string_view field) {
  std::string v = varyAppend(get("Vary").value_or(std::string_view()), field);
  if (!v.empty()) c_.ex->setHeader("Vary", v);
  return *this;
}

namespace {
std::string_view baseName(std::string_view p) {
  while (!p.empty() && (p.back() == '/' || p.back() == '\\')) p.remove_suffix(1);
  auto slash = p.find_last_of("/\\");
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}
std::string_view extName(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot);
}
}  // namespace

Response& Response::attachment(std::string_view filename) {
  std::string_view name = baseName(filename);
  if (!name.empty()) {
    std::string_view ext = extName(name);
    if (!ext.empty()) type(ext);
  }
  std::optional<std::string_view> n;
  if (!name.empty()) n = name;
  c_.ex->setHeader("Content-Disposition", content_disposition::create(n));
  return *this;
}

Response& Response::links(
    std::initializer_list<std::pair<std::string_view, std::string_view>> links) {
  std::string link(get("Link").value_or(std::string_view()));
  for (const auto& [rel, url] : links) {
    if (!link.empty()) link += ", ";
    link += '<';
    link += url;
    link += ">; rel=\"";
    link += rel;
    link += '"';
  }
  c_.ex->setHeader("Link", link);
  return *this;
}

Response& Response::location(std::string_view url) {
  // encodeurl keeps valid escapes and reserved characters and escapes everything else,
  // including CR and LF, so a Location can never split the response.
  c_.ex->setHeader("Location", encodeUrl(url));
  return *this;
}

// ---- Cookies ----------------------------------------------------------------------------------

Response& Response::cookie(std::string_view name, std::string_view value,
                           const CookieOptions& options) {
  cookie::SerializeOptions so;
  so.domain = options.domain;
  so.path = options.path;
  so.httpOnly = options.httpOnly;
  so.secure = options.secure;
  so.partitioned = options.partitioned;
  so.priority = options.priority;
  so.sameSite = options.sameSite;
  so.encode = options.encode;
  if (options.maxAge) {
    auto ms = options.maxAge->count();
    so.expires = std::chrono::system_clock::now() + *options.maxAge;
    // Math.floor(maxAge / 1000), as Express.
    so.maxAge = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  } else if (options.expires) {
    so.expires = *options.expires;
  }
  if (options.sign) {
    const auto& secrets = c_.scope.secrets->options.cookieSecrets;
    if (secrets.empty()) {
      throw SystemError(std::string(kErrInvalidSetting),
                        "AppOptions::cookieSecrets is required for signed cookies");
    }
    std::string signedValue = "s:" + cookie::sign(value, secrets.front());
    c_.ex->appendHeader("Set-Cookie", cookie::serialize(name, signedValue, so));
    return *this;
  }
  c_.ex->appendHeader("Set-Cookie", cookie::serialize(name, value, so));
  return *this;
}

Response& Response::cookie(std::string_view name, std::string_view value) {
  return cookie(name, value, CookieOptions{});
}

Response& Response::clearCookie(std::string_view name, const CookieOptions& options) {
  CookieOptions o = options;
  o.maxAge.reset();
  o.expires = std::chrono::system_clock::time_point(std::chrono::milliseconds(1));
  o.sign = false;
  return cookie(name, "", o);
}

Response& Response::clearCookie(std::string_view name) {
  return clearCookie(name, CookieOptions{});
}

// ---- Redirect and format ----------------------------------------------------------------------

void Response::redirect(std::string_view url) { redirect(302, url); }

void Response::redirect(int code, std::string_view url) {
  location(url);
  std::string address(get("Location").value_or(std::string_view()));
  std::string_view message = http::statusText(code);
  std::string body;
  auto best = c_.req.accepts({"text", "html"});
  vary("Accept");
  if (best && *best == "text") {
    c_.ex->setHeader("Content-Type", "text/plain; charset=utf-8");
    body.append(message).append(". Redirecting to ").append(address);
  } else if (best && *best == "html") {
    c_.ex->setHeader("Content-Type", "text/html; charset=utf-8");
    body.append("<!DOCTYPE html><head><title>").append(message).append("</title></head>");
    body.append("<body><p>").append(message).append(". Redirecting to ");
    appendEscapedHtml(body, address);
    body.append("</p></body>");
  }
  status(code);
  char len[24];
  auto [end, ec] = std::to_chars(len, len + sizeof len, body.size());
  (void)ec;
  c_.ex->setHeader("Content-Length", std::string_view(len, end - len));
  if (c_.req.method() == "HEAD") {
    c_.ex->end(std::string_view());
  } else {
    c_.ex->end(body);
  }
}

void Response::format(
    std::initializer_list<std::pair<std::string_view, std::function<void()>>> map) {
  std::vector<std::string_view> keys;
  const std::function<void()>* fallback = nullptr;
  for (const auto& [k, fn] : map) {
    if (k == "default") {
      fallback = &fn;
    } else {
      keys.push_back(k);
    }
  }
  std::optional<std::string_view> key;
  if (!keys.empty()) {
    key = Accepts(c_.ex->header("accept"), std::nullopt, std::nullopt, std::nullopt)
              .type(std::span<const std::string_view>(keys));
  }
  vary("Accept");
  if (key) {
    if (key->find('/') != std::string_view::npos) {
      set("Content-Type", key->substr(0, key->find(';')));
    } else {
      auto t = mime::lookup(*key);
      set("Content-Type", t ? *t : std::string_view("application/octet-stream"));
    }
    for (const auto& [k, fn] : map) {
      if (k.data() == key->data() && k.size() == key->size()) {
        fn();
        return;
      }
    }
  } else if (fallback != nullptr) {
    (*fallback)();
    return;
  }
  throw HttpError(406, "not_acceptable", "Not Acceptable");
}

// ---- Streaming --------------------------------------------------------------------------------

WriteResult Response::write(std::string_view chunk) { return {*this, c_.ex->write(chunk)}; }
WriteResult Response::write(const Buffer& chunk) { return {*this, c_.ex->write(chunk)}; }
void Response::end() { c_.ex->end(std::string_view()); }
void Response::end(std::string_view chunk) { c_.ex->end(chunk); }
void Response::end(const Buffer& chunk) { c_.ex->end(chunk); }
void Response::flushHeaders() { c_.ex->flushHeaders(); }
Promise<> Response::drained() { return c_.ex->drained(); }
std::shared_ptr<stream::Writable<Buffer>> Response::stream() { return c_.ex->responseStream(); }
bool Response::headersSent() const noexcept { return c_.ex->headersSent(); }
bool Response::writableEnded() const noexcept { return c_.ex->writableEnded(); }
void Response::onFinish(MoveFunction<void()> fn) { c_.ex->onFinish(std::move(fn)); }
Locals& Response::locals() noexcept { return c_.locals; }
Request& Response::req() noexcept { return c_.req; }

}  // namespace nx::web
