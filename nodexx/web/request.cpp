// SPDX-License-Identifier: MIT
#include "nodexx/web/request.hpp"

#include <atomic>
#include <charconv>
#include <cstdio>

#include "nodexx/core/crypto.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/http/query.hpp"
#include "nodexx/web/accepts.hpp"
#include "nodexx/web/cookie.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/fresh.hpp"
#include "nodexx/web/internal/context.hpp"
#include "nodexx/web/proxy_addr.hpp"
#include "nodexx/web/qs.hpp"

namespace nx::web {

// ---- Params / Cookies -------------------------------------------------------------------------

std::optional<std::string_view> Params::get(std::string_view name) const noexcept {
  // The last binding of a name wins: a mounted router's own parameters come after its
  // parent's (mergeParams).
  for (std::uint32_t i = end_; i > begin_; --i) {
    const Entry& e = (*all_)[i - 1];
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

std::vector<std::string> Params::segments(std::string_view name) const {
  std::vector<std::string> out;
  auto v = get(name);
  if (!v) return out;
  std::string_view s = *v;
  for (;;) {
    auto slash = s.find('/');
    out.emplace_back(s.substr(0, slash));
    if (slash == std::string_view::npos) break;
    s.remove_prefix(slash + 1);
  }
  return out;
}

const Params::Entry* Params::begin() const noexcept {
  return all_ == nullptr ? nullptr : all_->data() + begin_;
}
const Params::Entry* Params::end() const noexcept {
  return all_ == nullptr ? nullptr : all_->data() + end_;
}

std::optional<std::string_view> Cookies::get(std::string_view name) const noexcept {
  for (const auto& [n, v] : entries_) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

void Cookies::add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

// ---- Request line -----------------------------------------------------------------------------

std::string_view Request::method() const noexcept { return c_.method; }
std::string_view Request::url() const { return c_.urlView(); }
std::string_view Request::path() const noexcept { return c_.pathView(); }
std::string_view Request::originalUrl() const noexcept { return c_.target; }
std::string_view Request::baseUrl() const noexcept { return c_.baseUrlView(); }
std::string_view Request::httpVersion() const noexcept { return c_.ex->httpVersion(); }

const Params& Request::params() const noexcept { return c_.params; }
std::string_view Request::param(std::string_view name) const noexcept { return c_.params[name]; }

const json::Value& Request::query() {
  if (c_.queryParsed) return c_.query;
  c_.queryParsed = true;
  std::string_view qs;
  if (c_.pathEnd < c_.target.size() && c_.target[c_.pathEnd] == '?') {
    qs = c_.target.substr(c_.pathEnd + 1);
    auto hash = qs.find('#');
    if (hash != std::string_view::npos) qs = qs.substr(0, hash);
  }
  switch (c_.scope.app->options.queryParser) {
    case QueryParser::None:
      c_.query = json::Object{};
      break;
    case QueryParser::Extended:
      c_.query = qs::parse(qs, qs::ExpressQueryOptions());
      break;
    case QueryParser::Simple: {
      auto parsed = http::querystring::parse(qs);
      json::Object obj;
      for (const auto& e : parsed.entries()) {
        if (e.isArray()) {
          json::Array arr;
          for (const auto& v : e.values) arr.emplace_back(v);
          obj.append(e.key, json::Value(std::move(arr)));
        } else {
          obj.append(e.key, json::Value(e.values.front()));
        }
      }
      c_.query = json::Value(std::move(obj));
      break;
    }
  }
  return c_.query;
}

std::optional<std::string_view> Request::query(std::string_view name) {
  const json::Value& q = query();
  const json::Value* v = q.find(name);
  if (v == nullptr) return std::nullopt;
  if (v->isString()) return v->asString();
  if (v->isArray() && v->size() > 0 && (*v)[std::size_t{0}].isString()) {
    return (*v)[std::size_t{0}].asString();
  }
  return std::nullopt;
}

// ---- Headers ----------------------------------------------------------------------------------

std::optional<std::string_view> Request::get(std::string_view name) const noexcept {
  if (http::equalsIgnoreCase(name, "referer") || http::equalsIgnoreCase(name, "referrer")) {
    if (auto v = c_.ex->header("referer")) return v;
    return c_.ex->header("referrer");
  }
  return c_.ex->header(name);
}

std::size_t Request::headerCount() const noexcept { return c_.ex->headerCount(); }
std::pair<std::string_view, std::string_view> Request::headerAt(std::size_t i) const noexcept {
  return c_.ex->headerAt(i);
}

std::string_view Request::contentType() const noexcept {
  return c_.ex->header("content-type").value_or(std::string_view());
}

bool Request::hasBody() const noexcept {
  return web::hasBody(c_.ex->header("transfer-encoding"), c_.ex->header("content-length"));
}

std::optional<std::string_view> Request::is(std::initializer_list<std::string_view> types) const {
  if (!hasBody()) return std::nullopt;
  std::span<const std::string_view> list(types.begin(), types.size());
  auto ct = contentType();
  for (std::string_view t : types) {
    std::span<const std::string_view> one(&t, 1);
    if (typeMatches(ct, one)) {
      // Return the caller's entry (a view that outlives this call).
      for (const std::string_view& orig : list) {
        if (orig.data() == t.data()) return orig;
      }
    }
  }
  return std::nullopt;
}

namespace {
Accepts acceptsOf(detail::Exchange& ex) {
  return Accepts(ex.header("accept"), ex.header("accept-encoding"), ex.header("accept-charset"),
                 ex.header("accept-language"));
}
}  // namespace

std::optional<std::string_view> Request::accepts(
    std::initializer_list<std::string_view> offers) const {
  return acceptsOf(*c_.ex).type(offers);
}
std::optional<std::string_view> Request::acceptsEncodings(
    std::initializer_list<std::string_view> offers) const {
  return acceptsOf(*c_.ex).encoding(offers);
}
std::optional<std::string_view> Request::acceptsCharsets(
    std::initializer_list<std::string_view> offers) const {
  return acceptsOf(*c_.ex).charset(offers);
}
std::optional<std::string_view> Request::acceptsLanguages(
    std::initializer_list<std::string_view> offers) const {
  return acceptsOf(*c_.ex).language(offers);
}

// ---- Cookies ----------------------------------------------------------------------------------

namespace {
void parseCookiesInto(detail::Context& c) {
  if (c.cookiesParsed) return;
  c.cookiesParsed = true;
  auto header = c.ex->header("cookie");
  if (!header) return;
  std::vector<std::string_view> secrets;
  for (const auto& s : c.scope.secrets->options.cookieSecrets) secrets.emplace_back(s);
  for (auto& ck : cookie::parse(*header)) {
    std::string_view v = ck.value;
    if (v.starts_with("s:")) {
      if (secrets.empty()) {
        c.cookies.add(std::move(ck.name), std::move(ck.value));
        continue;
      }
      auto u = cookie::signedCookie(v, secrets);
      if (u) c.signedCookies.add(ck.name, std::string(*u));
      continue;
    }
    c.cookies.add(std::move(ck.name), std::move(ck.value));
  }
}
}  // namespace

const Cookies& Request::cookies() {
  parseCookiesInto(c_);
  return c_.cookies;
}
const Cookies& Request::signedCookies() {
  parseCookiesInto(c_);
  return c_.signedCookies;
}

// ---- Connection -------------------------------------------------------------------------------

namespace {
void computeIp(detail::Context& c) {
  if (c.ipParsed) return;
  c.ipParsed = true;
  std::string_view peer = c.ex->remoteAddress();
  const TrustProxy& trust = c.scope.trust->trust();
  if (trust.trustsNothing()) {
    c.ip.assign(peer);
    return;
  }
  auto xff = c.ex->header("x-forwarded-for");
  c.ip.assign(proxyAddr(peer, xff, trust));
  for (auto v : proxyIps(peer, xff, trust)) c.ips.emplace_back(v);
}
}  // namespace

std::string_view Request::ip() {
  computeIp(c_);
  return c_.ip;
}
std::span<const std::string> Request::ips() {
  computeIp(c_);
  return c_.ips;
}

namespace {
bool peerTrusted(detail::Context& c) {
  const TrustProxy& trust = c.scope.trust->trust();
  if (trust.trustsNothing()) return false;
  return trust(c.ex->remoteAddress(), 0);
}
std::string_view firstListValue(std::string_view v) {
  auto comma = v.find(',');
  if (comma != std::string_view::npos) v = v.substr(0, comma);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}
}  // namespace

std::string_view Request::host() const noexcept {
  if (peerTrusted(c_)) {
    if (auto h = c_.ex->header("x-forwarded-host")) return firstListValue(*h);
  }
  return c_.ex->header("host").value_or(std::string_view());
}

std::string_view Request::hostname() const noexcept {
  std::string_view h = host();
  if (h.empty()) return h;
  // IPv6 literal: the port follows "]".
  std::size_t offset = h.front() == '[' ? h.find(']') : 0;
  if (offset == std::string_view::npos) offset = 0;
  auto colon = h.find(':', offset);
  return colon == std::string_view::npos ? h : h.substr(0, colon);
}

std::string_view Request::protocol() const noexcept {
  std::string_view proto = c_.ex->encrypted() ? "https" : "http";
  if (!peerTrusted(c_)) return proto;
  if (auto h = c_.ex->header("x-forwarded-proto")) {
    std::string_view v = firstListValue(*h);
    if (!v.empty()) return v;
  }
  return proto;
}

bool Request::xhr() const noexcept {
  auto v = c_.ex->header("x-requested-with");
  return v && http::equalsIgnoreCase(*v, "xmlhttprequest");
}

bool Request::fresh() const {
  std::string_view m = method();
  if (m != "GET" && m != "HEAD") return false;
  int s = c_.ex->statusCode();
  if ((s < 200 || s >= 300) && s != 304) return false;
  FreshRequestFields rq{c_.ex->header("if-none-match").value_or(std::string_view()),
                        c_.ex->header("if-modified-since").value_or(std::string_view()),
                        {}};
  // fresh() is false without a conditional field, whatever the response says: the common
  // request stops here without reading the response's fields.
  if (rq.ifNoneMatch.empty() && rq.ifModifiedSince.empty()) return false;
  rq.cacheControl = c_.ex->header("cache-control").value_or(std::string_view());
  FreshResponseFields rs{c_.ex->getHeader("etag").value_or(std::string_view()),
                         c_.ex->getHeader("last-modified").value_or(std::string_view())};
  return web::fresh(rq, rs);
}

// ---- Body -------------------------------------------------------------------------------------

const json::Value& Request::body() const noexcept { return c_.body; }
json::Value& Request::body() noexcept { return c_.body; }
bool Request::bodyParsed() const noexcept { return c_.bodyParsed; }
void Request::setBodyParsed(bool parsed) noexcept { c_.bodyParsed = parsed; }
Promise<std::optional<Buffer>> Request::read() { return c_.ex->read(); }
std::shared_ptr<stream::Readable<Buffer>> Request::stream() { return c_.ex->bodyStream(); }
void Request::setMaxBodyBytes(std::uint64_t n) noexcept { c_.ex->setMaxBodyBytes(n); }
std::uint64_t Request::maxBodyBytes() const noexcept { return c_.ex->maxBodyBytes(); }
std::vector<UploadedFile>& Request::files() noexcept { return c_.files; }
const std::vector<UploadedFile>& Request::files() const noexcept { return c_.files; }

void Request::throwMapping(const std::exception& e) {
  std::string path = "$";
  std::string message = e.what();
  if (const auto* m = dynamic_cast<const json::MappingError*>(&e)) {
    path = std::string(m->path());
    std::string prefix = path + ": ";
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
  }
  throw HttpError(400, std::string(errc::kValidationFailed), "The request body is invalid",
                  {FieldError{std::move(path), std::move(message)}});
}

// ---- Misc -------------------------------------------------------------------------------------

namespace {
bool validRequestId(std::string_view v) noexcept {
  if (v.empty() || v.size() > 128) return false;
  for (char ch : v) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == ':' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view idPrefix() {
  // A per-process random prefix makes ids unique across restarts and processes; the counter
  // makes them unique within one. Not secret, not for security.
  static const std::string prefix = [] {
    Buffer b = crypto::randomBytes(4);
    return b.toString(Encoding::Hex);
  }();
  return prefix;
}
std::atomic<std::uint64_t> gIdCounter{0};
}  // namespace

std::string_view Request::id() {
  if (!c_.id.empty()) return c_.id;
  if (auto h = c_.ex->header("x-request-id"); h && validRequestId(*h)) {
    c_.id.assign(*h);
    return c_.id;
  }
  char buf[32];
  std::string_view prefix = idPrefix();
  std::uint64_t n = gIdCounter.fetch_add(1, std::memory_order_relaxed) + 1;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n, 36);
  (void)ec;
  c_.id.assign(prefix);
  c_.id.push_back('-');
  c_.id.append(buf, end);
  return c_.id;
}

Locals& Request::locals() noexcept { return c_.locals; }
Response& Request::res() noexcept { return c_.res; }
const AppOptions& Request::settings() const noexcept { return c_.scope.app->options; }
detail::Exchange& Request::exchange() noexcept { return *c_.ex; }

}  // namespace nx::web
