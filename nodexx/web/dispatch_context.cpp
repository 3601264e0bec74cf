// SPDX-License-Identifier: MIT
// The pooled per-request Context: path views for mounting, parameter decoding, reset.
#include <cstring>

#include "nodexx/web/internal/context.hpp"
#include "nodexx/web/mime.hpp"

namespace nx::web::detail {

Context::Context(AppState& a) : app(&a), req(*this), res(*this), dispatch(*this) {
  paramArena.reserve(512);
  paramEntries.reserve(8);
  calledParams.reserve(4);
  allowed.reserve(8);
  dispatch.frames_.reserve(4);
  params.all_ = &paramEntries;
}

void Context::reset(Exchange& e) {
  ex = &e;
  target = e.target();
  method = e.method();
  // The path ends at the first '?' or '#'. Two memchr calls (the second over the path only):
  // find_first_of("?#") calls memchr on the two-byte set once per byte of the target.
  const char* begin = target.data();
  std::size_t end = target.size();
  if (const void* q = end == 0 ? nullptr : std::memchr(begin, '?', end)) {
    end = static_cast<std::size_t>(static_cast<const char*>(q) - begin);
  }
  if (const void* h = end == 0 ? nullptr : std::memchr(begin, '#', end)) {
    end = static_cast<std::size_t>(static_cast<const char*>(h) - begin);
  }
  pathEnd = static_cast<std::uint32_t>(end);
  baseLen = 0;
  scope = SettingsScope{app, app, app, app};
  curOffset = 0;
  curSynthetic = false;
  dispatch.reset();
}

void Context::settingsChanged() noexcept {
  if (queryParsed) {
    query = json::Value();
    queryParsed = false;
  }
  if (cookiesParsed) {
    cookies.clear();
    signedCookies.clear();
    cookiesParsed = false;
  }
  if (ipParsed) {
    ip.clear();
    ips.clear();
    ipParsed = false;
  }
}

void Context::enterApp(AppState& sub) {
  const AppOptions& o = sub.options;
  scope.app = &sub;
  if (!o.trustProxy.empty()) scope.trust = &sub;
  if (o.jsonSpaces != 0) scope.jsonSpaces = &sub;
  if (!o.cookieSecrets.empty()) scope.secrets = &sub;
  settingsChanged();
  // The sub-app's handle() adds the header as the top-level one did (Express).
  if (o.xPoweredBy && !ex->headersSent()) ex->setHeader("X-Powered-By", "nodexx");
}

void Context::clear() noexcept {
  ex = nullptr;
  target = {};
  method = {};
  paramEntries.clear();
  params.begin_ = params.end_ = 0;
  paramArena.clear();
  if (!paramOverflow.empty()) paramOverflow.clear();
  calledParams.clear();
  allowed.clear();
  settingsChanged();
  if (!body.isNull()) body = json::Value();
  bodyParsed = false;
  if (!files.empty()) files.clear();
  id.clear();
  if (locals.size() != 0) locals.clear();
  dispatch.reset();
}

std::optional<std::string_view> Context::contentType(std::string_view value) {
  if (!typeMemoValid || value != typeMemoIn) {
    std::optional<std::string> ct = mime::contentType(value);
    // Assigned (not moved) so that the strings keep their capacity for the next type.
    typeMemoValid = false;
    typeMemoIn.assign(value);
    typeMemoFound = ct.has_value();
    if (ct) typeMemoOut.assign(*ct);
    typeMemoValid = true;
  }
  if (!typeMemoFound) return std::nullopt;
  return std::string_view(typeMemoOut);
}

std::string_view Context::pathView() noexcept {
  // The path of the current layer is the original path from baseLen. Express keeps it
  // starting with "/": when the mount consumed a final "/" the view starts one byte earlier
  // (that byte is "/"), and when nothing is left it is a synthesised "/".
  std::string_view path = target.substr(0, pathEnd);
  if (baseLen == 0) {
    curOffset = 0;
    curSynthetic = false;
    return path;
  }
  if (baseLen < pathEnd && path[baseLen] == '/') {
    curOffset = baseLen;
    curSynthetic = false;
    return path.substr(baseLen);
  }
  if (path[baseLen - 1] == '/') {
    curOffset = baseLen - 1;
    curSynthetic = false;
    return path.substr(baseLen - 1);
  }
  curOffset = pathEnd;
  curSynthetic = true;
  return "/";
}

std::string_view Context::urlView() {
  std::string_view path = pathView();
  if (!curSynthetic) return target.substr(curOffset);
  if (pathEnd == target.size()) return path;
  // clear + push_back rather than assign("/"): g++ 12 at -O3 reports a false -Wrestrict there.
  urlScratch.clear();
  urlScratch.push_back('/');
  urlScratch.append(target.substr(pathEnd));
  return urlScratch;
}

std::string_view Context::baseUrlView() const noexcept {
  std::string_view b = target.substr(0, baseLen);
  if (!b.empty() && b.back() == '/') b.remove_suffix(1);
  return b;
}

namespace {

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// decodeURIComponent's UTF-8 check: well-formed sequences only (no overlongs, surrogates or
// code points above U+10FFFF).
bool validUtf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > n) return false;
    if (p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

bool Context::decodeParam(std::string_view raw, std::string_view& out) {
  if (raw.find('%') == std::string_view::npos) {
    out = raw;  // the common case: a view into the request target
    return true;
  }
  // Decoded bytes go to the arena while it has room (views into it stay valid because it
  // never reallocates), else to a string of their own.
  std::string* dst;
  std::size_t start;
  if (paramArena.capacity() - paramArena.size() >= raw.size()) {
    dst = &paramArena;
    start = paramArena.size();
  } else {
    dst = &paramOverflow.emplace_back();
    dst->reserve(raw.size());
    start = 0;
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char ch = raw[i];
    if (ch == '%') {
      int h = i + 2 < raw.size() ? hexValue(raw[i + 1]) : -1;
      int l = i + 2 < raw.size() ? hexValue(raw[i + 2]) : -1;
      if (h < 0 || l < 0) {
        dst->resize(start);
        return false;
      }
      dst->push_back(static_cast<char>(h * 16 + l));
      i += 2;
    } else {
      dst->push_back(ch);
    }
  }
  out = std::string_view(dst->data() + start, dst->size() - start);
  if (!validUtf8(out)) {
    dst->resize(start);
    return false;
  }
  return true;
}

}  // namespace nx::web::detail
