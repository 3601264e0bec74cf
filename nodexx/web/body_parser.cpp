// SPDX-License-Identifier: MIT
// mw::json, mw::urlencoded, mw::text, mw::raw: body-parser 2.x's read() and parsers.
#include "nodexx/web/body_parser.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/json/errors.hpp"
#include "nodexx/web/accepts.hpp"
#include "nodexx/web/content_type.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/qs.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"

namespace nx::web {

namespace {

constexpr std::string_view kRawBodyKey = "nx.rawBody";

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string upperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// The request's charset parameter, lower-cased (body-parser's getCharset), or nullopt.
std::optional<std::string> requestCharset(const Request& req) {
  const std::string_view header = req.contentType();
  if (header.empty()) return std::nullopt;
  const content_type::ContentType ct = content_type::parse(header);
  if (auto cs = ct.parameter("charset")) return lowerAscii(*cs);
  return std::nullopt;
}

HttpError unsupportedCharset(std::string_view charset) {
  return HttpError(415, std::string(errc::body::kUnsupportedCharset),
                   "unsupported charset \"" + upperAscii(charset) + "\"");
}

std::string_view stripBom(std::string_view s) noexcept {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

enum class TextCharset : std::uint8_t { Utf8, Latin1, Ascii, Unsupported };

TextCharset textCharset(std::string_view cs) noexcept {
  if (cs == "utf-8" || cs == "utf8") return TextCharset::Utf8;
  if (cs == "iso-8859-1" || cs == "latin1" || cs == "binary" || cs == "l1" || cs == "iso8859-1")
    return TextCharset::Latin1;
  if (cs == "us-ascii" || cs == "ascii") return TextCharset::Ascii;
  return TextCharset::Unsupported;
}

// Bytes to a UTF-8 string as iconv-lite decodes them for body-parser: UTF-8 with invalid
// sequences replaced by U+FFFD and a leading BOM removed; Latin-1 and ASCII converted.
std::string decodeText(const Buffer& body, TextCharset cs) {
  if (cs == TextCharset::Latin1) return body.toString(Encoding::Latin1);
  if (cs == TextCharset::Ascii) return body.toString(Encoding::Ascii);
  std::string s = body.toString(Encoding::Utf8);
  if (s.size() >= 3 && s.compare(0, 3, "\xEF\xBB\xBF") == 0) s.erase(0, 3);
  return s;
}

// body-parser's verify step: an HttpError keeps its status, anything else is 403.
void runVerify(const VerifyFn& verify, Request& req, Response& res, const Buffer& body,
               std::string_view charset) {
  if (!verify) return;
  try {
    verify(req, res, body, charset);
  } catch (const HttpError&) {
    throw;
  } catch (const std::exception& e) {
    throw HttpError(403, std::string(errc::body::kVerifyFailed), e.what());
  } catch (...) {
    throw HttpError(403, std::string(errc::body::kVerifyFailed), "verify failed");
  }
}

bool skip(const Request& req, const BodyType& type, std::string_view defaultType) {
  if (req.bodyParsed()) return true;
  if (!hasBody(req.get("transfer-encoding"), req.get("content-length"))) return true;
  if (type.empty()) {
    const std::string_view types[] = {defaultType};
    return !typeMatches(req.contentType(), types);
  }
  return !type.matches(req);
}

// ---- json ------------------------------------------------------------------------------------

[[noreturn]] void throwInvalidJson(std::string message) {
  throw HttpError(400, std::string(errc::body::kInvalidJson), std::move(message));
}

json::Value parseJson(std::string_view text, const JsonOptions& o) {
  text = stripBom(text);
  // An empty body is {} (body-parser: "a common client-side mistake").
  if (text.empty()) return json::Object{};
  if (o.strict) {
    std::size_t i = 0;
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
      ++i;
    if (i == text.size()) throwInvalidJson("Unexpected end of JSON input");
    if (text[i] != '{' && text[i] != '[') {
      // The same wording as V8's JSON.parse for the character body-parser rejects.
      std::string token(1, text[i]);
      throwInvalidJson("Unexpected token " + token + " in JSON at position " + std::to_string(i));
    }
  }
  json::ParseOptions po = o.parse;
  if (po.maxBytes < text.size()) po.maxBytes = text.size();
  try {
    return json::parse(text, po);
  } catch (const json::ParseError& e) {
    throwInvalidJson(e.what());
  }
}

Promise<> runJson(std::shared_ptr<const JsonOptions> o, Request& req, Response& res, Next next) {
  req.setBodyParsed();
  Buffer body = co_await readBody(req, ReadBodyOptions{o->limit, o->inflate});
  runVerify(o->verify, req, res, body, "utf-8");
  req.body() = parseJson(body.byteView(), *o);
  next();
}

// ---- urlencoded ------------------------------------------------------------------------------

json::Value parseForm(const std::string& text, bool latin1, const UrlencodedOptions& o) {
  if (text.empty()) return json::Object{};
  // body-parser counts parameters before parsing, and refuses more than the limit.
  std::size_t count = 1;
  for (char c : text) {
    if (c == '&' && ++count > o.parameterLimit) break;
  }
  if (count > o.parameterLimit)
    throw HttpError(413, std::string(errc::body::kTooManyParameters), "too many parameters");
  qs::ParseOptions q;
  q.allowPrototypes = true;
  q.arrayLimit = o.extended ? std::max<std::size_t>(100, count) : count;
  q.depth = o.extended ? o.depth : 0;
  q.charsetSentinel = o.charsetSentinel;
  q.interpretNumericEntities = o.interpretNumericEntities;
  q.charset = latin1 ? qs::Charset::Latin1 : qs::Charset::Utf8;
  q.parameterLimit = o.parameterLimit;
  q.strictDepth = true;
  try {
    return qs::parse(text, q);
  } catch (const RangeError&) {
    throw HttpError(400, std::string(errc::body::kDepthExceeded), "The input exceeded the depth");
  }
}

Promise<> runForm(std::shared_ptr<const UrlencodedOptions> o, Request& req, Response& res,
                  Next next, std::string charset) {
  req.setBodyParsed();
  Buffer body = co_await readBody(req, ReadBodyOptions{o->limit, o->inflate});
  runVerify(o->verify, req, res, body, charset);
  const bool latin1 = charset == "iso-8859-1";
  const std::string text = decodeText(body, latin1 ? TextCharset::Latin1 : TextCharset::Utf8);
  req.body() = parseForm(text, latin1, *o);
  next();
}

// ---- text and raw ----------------------------------------------------------------------------

Promise<> runText(std::shared_ptr<const TextOptions> o, Request& req, Response& res, Next next,
                  std::string charset) {
  req.setBodyParsed();
  Buffer body = co_await readBody(req, ReadBodyOptions{o->limit, o->inflate});
  runVerify(o->verify, req, res, body, charset);
  req.body() = json::Value(decodeText(body, textCharset(charset)));
  next();
}

Promise<> runRaw(std::shared_ptr<const RawOptions> o, Request& req, Response& res, Next next) {
  req.setBodyParsed();
  Buffer body = co_await readBody(req, ReadBodyOptions{o->limit, o->inflate});
  runVerify(o->verify, req, res, body, "");
  req.locals().set(kRawBodyKey, std::move(body));
  next();
}

}  // namespace

bool BodyType::matches(const Request& req) const {
  if (predicate_) return predicate_(req);
  const std::string_view contentType = req.contentType();
  for (const std::string& t : types_) {
    const std::string_view one[] = {t};
    if (typeMatches(contentType, one)) return true;
  }
  return false;
}

const Buffer* rawBody(Request& req) noexcept { return req.locals().get<Buffer>(kRawBodyKey); }

}  // namespace nx::web

namespace nx::mw {

using web::Next;
using web::Request;
using web::Response;

// Each factory returns a synchronous function that decides, without a coroutine frame, whether
// the request is for it (the common case on most routes is "no"); only a body to read starts
// the coroutine. The options live in a shared_ptr that the coroutine holds by value, so they
// outlive every request in flight even if the middleware is destroyed first.

web::Middleware json(web::JsonOptions options) {
  auto o = std::make_shared<const web::JsonOptions>(std::move(options));
  return [o](Request& req, Response& res, Next next) -> Promise<> {
    if (web::skip(req, o->type, "application/json")) {
      next();
      return {};
    }
    // RFC 8259 §8.1: JSON is UTF-8; body-parser accepts any "utf-*" it can decode.
    const std::string charset = web::requestCharset(req).value_or("utf-8");
    if (charset != "utf-8") {
      next(web::unsupportedCharset(charset));
      return {};
    }
    return web::runJson(o, req, res, next);
  };
}

web::Middleware urlencoded(web::UrlencodedOptions options) {
  const std::string dc = web::lowerAscii(options.defaultCharset);
  if (dc != "utf-8" && dc != "iso-8859-1")
    throw SystemError("ERR_INVALID_ARG_VALUE",
                      "option defaultCharset must be either utf-8 or iso-8859-1");
  if (options.parameterLimit < 1)
    throw SystemError("ERR_INVALID_ARG_VALUE", "option parameterLimit must be a positive number");
  options.defaultCharset = dc;
  auto o = std::make_shared<const web::UrlencodedOptions>(std::move(options));
  return [o](Request& req, Response& res, Next next) -> Promise<> {
    if (web::skip(req, o->type, "application/x-www-form-urlencoded")) {
      next();
      return {};
    }
    std::string charset = web::requestCharset(req).value_or(o->defaultCharset);
    if (charset != "utf-8" && charset != "iso-8859-1") {
      next(web::unsupportedCharset(charset));
      return {};
    }
    return web::runForm(o, req, res, next, std::move(charset));
  };
}

web::Middleware text(web::TextOptions options) {
  options.defaultCharset = web::lowerAscii(options.defaultCharset);
  if (web::textCharset(options.defaultCharset) == web::TextCharset::Unsupported)
    throw SystemError("ERR_INVALID_ARG_VALUE",
                      "option defaultCharset \"" + options.defaultCharset + "\" is unsupported");
  auto o = std::make_shared<const web::TextOptions>(std::move(options));
  return [o](Request& req, Response& res, Next next) -> Promise<> {
    if (web::skip(req, o->type, "text/plain")) {
      next();
      return {};
    }
    std::string charset = web::requestCharset(req).value_or(o->defaultCharset);
    if (web::textCharset(charset) == web::TextCharset::Unsupported) {
      next(web::unsupportedCharset(charset));
      return {};
    }
    return web::runText(o, req, res, next, std::move(charset));
  };
}

web::Middleware raw(web::RawOptions options) {
  auto o = std::make_shared<const web::RawOptions>(std::move(options));
  return [o](Request& req, Response& res, Next next) -> Promise<> {
    if (web::skip(req, o->type, "application/octet-stream")) {
      next();
      return {};
    }
    return web::runRaw(o, req, res, next);
  };
}

}  // namespace nx::mw
