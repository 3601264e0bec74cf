// SPDX-License-Identifier: MIT
// res.send / res.json / res.sendStatus: Express's body rules (Content-Type defaults,
// Content-Length, ETag, 304 when fresh, bodies stripped for HEAD/204/304).
#include <charconv>

#include "nodexx/http/headers.hpp"
#include "nodexx/http/status.hpp"
#include "nodexx/json/writer.hpp"
#include "nodexx/web/etag.hpp"
#include "nodexx/web/internal/context.hpp"
#include "nodexx/web/response.hpp"

namespace nx::web {

namespace {

// content-type's setCharset(type, "utf-8") for the common shapes: appends the parameter, or
// replaces an existing charset value. Returns false when `type` already says utf-8.
bool withUtf8Charset(std::string_view type, std::string& out) {
  std::size_t pos = std::string_view::npos;
  for (std::size_t i = 0; i + 8 <= type.size(); ++i) {
    // The first byte is tested inline: most positions are rejected without a call.
    if ((type[i] | 0x20) != 'c') continue;
    if (http::equalsIgnoreCase(type.substr(i, 8), "charset=")) {
      pos = i;
      break;
    }
  }
  if (pos == std::string_view::npos) {
    out.assign(type);
    out.append("; charset=utf-8");
    return true;
  }
  std::size_t valueStart = pos + 8;
  std::size_t valueEnd = type.find(';', valueStart);
  if (valueEnd == std::string_view::npos) valueEnd = type.size();
  if (http::equalsIgnoreCase(type.substr(valueStart, valueEnd - valueStart), "utf-8")) {
    return false;
  }
  out.assign(type.substr(0, valueStart));
  out.append("utf-8");
  out.append(type.substr(valueEnd));
  return true;
}

void setLength(detail::Exchange& ex, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  ex.setHeader("Content-Length", std::string_view(buf, end - buf));
}

}  // namespace

std::string& Response::scratch() noexcept { return c_.scratch; }

json::StringifyOptions Response::jsonOptions() const noexcept {
  json::StringifyOptions o;
  o.indent = c_.scope.jsonSpaces->options.jsonSpaces;
  // Express's "json escape" is off by default: U+2028/U+2029 are written raw, as
  // JSON.stringify writes them.
  o.escapeLineSeparators = false;
  return o;
}

namespace {

// The common tail of send(): Content-Length, ETag, freshness, stripping, end.
void finishSend(detail::Context& c, std::string_view body) {
  detail::Exchange& ex = *c.ex;
  bool generateETag = c.scope.app->options.etag != ETagMode::Off && !ex.getHeader("etag");
  if (!ex.getHeader("transfer-encoding")) setLength(ex, body.size());
  if (generateETag) {
    ETag tag = etag(body, ETagOptions{c.scope.app->options.etag == ETagMode::Weak});
    ex.setHeader("ETag", tag.view());
  }
  if (c.req.fresh()) ex.setStatusCode(304);
  int s = ex.statusCode();
  if (s == 204 || s == 304) {
    ex.removeHeader("Content-Type");
    ex.removeHeader("Content-Length");
    ex.removeHeader("Transfer-Encoding");
    body = {};
  } else if (s == 205) {
    ex.setHeader("Content-Length", "0");
    ex.removeHeader("Transfer-Encoding");
    body = {};
  }
  if (c.req.method() == "HEAD") body = {};
  ex.end(body);
}

}  // namespace

void Response::send(std::string_view body) {
  if (auto type = get("Content-Type")) {
    std::string& tmp = c_.typeScratch;
    if (withUtf8Charset(*type, tmp)) c_.ex->setHeader("Content-Type", tmp);
  } else {
    c_.ex->setHeader("Content-Type", "text/html; charset=utf-8");
  }
  finishSend(c_, body);
}

void Response::send(const Buffer& body) {
  if (!get("Content-Type")) c_.ex->setHeader("Content-Type", "application/octet-stream");
  finishSend(c_, std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
}

void Response::json(const json::Value& value) {
  std::string& out = c_.scratch;
  out.clear();
  json::Writer writer(out, jsonOptions());
  writer.value(value);
  sendJsonText(out);
}

void Response::sendJsonText(std::string& text) {
  if (!get("Content-Type")) c_.ex->setHeader("Content-Type", "application/json; charset=utf-8");
  send(std::string_view(text));
}

void Response::sendStatus(int code) {
  status(code);
  std::string_view text = http::statusText(code);
  std::string number;
  if (text.empty()) {
    number = std::to_string(code);
    text = number;
  }
  c_.ex->setHeader("Content-Type", "text/plain; charset=utf-8");
  send(text);
}

}  // namespace nx::web
