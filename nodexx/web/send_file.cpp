// SPDX-License-Identifier: MIT
#include "nodexx/web/send_file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/fs/read_stream.hpp"
#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/web/encode_url.hpp"
#include "nodexx/web/errors.hpp"
#include "nodexx/web/etag.hpp"
#include "nodexx/web/fresh.hpp"
#include "nodexx/web/mime.hpp"
#include "nodexx/web/range.hpp"

namespace nx::web {

namespace detail {

// ---- POSIX path functions, as Node's path module computes them ---------------------------------

namespace {

// path.normalize() (POSIX): collapses separators and `.` segments, resolves `..` (kept at the
// start of a relative path), and keeps a trailing separator.
std::string normalizePath(std::string_view p) {
  if (p.empty()) return ".";
  const bool absolute = p.front() == '/';
  const bool trailing = p.back() == '/';
  std::vector<std::string_view> segments;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view seg = p.substr(i, j - i);
    if (seg.empty() || seg == ".") {
    } else if (seg == "..") {
      if (!segments.empty() && segments.back() != "..") {
        segments.pop_back();
      } else if (!absolute) {
        segments.push_back(seg);
      }
    } else {
      segments.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  if (absolute) out += '/';
  for (std::size_t k = 0; k < segments.size(); ++k) {
    if (k > 0) out += '/';
    out += segments[k];
  }
  if (segments.empty()) {
    if (absolute) return out;
    return trailing ? "./" : ".";
  }
  if (trailing) out += '/';
  return out;
}

// path.join(a, b) for two non-empty parts.
std::string joinPath(std::string_view a, std::string_view b) {
  std::string joined(a);
  joined += '/';
  joined += b;
  return normalizePath(joined);
}

std::string currentDirectory() {
  std::string buf(4096, '\0');
  if (::getcwd(buf.data(), buf.size()) == nullptr) return "/";
  buf.resize(std::char_traits<char>::length(buf.c_str()));
  return buf;
}

}  // namespace

// path.resolve(p): absolute, normalised, without a trailing separator (except for "/").
std::string resolvePath(std::string_view p) {
  std::string full =
      !p.empty() && p.front() == '/' ? std::string(p) : currentDirectory() + "/" + std::string(p);
  std::string out = normalizePath(full);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string_view basename(std::string_view p) noexcept {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  if (p == "/") return {};
  const std::size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

namespace {

// path.extname(p): from the last `.` of the last segment, unless the segment starts with it.
std::string_view extname(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  const std::size_t slash = p.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? p : p.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return base.substr(dot);
}

// send's UP_PATH_REGEXP, /(?:^|[\\/])\.\.(?:[\\/]|$)/: a `..` segment anywhere.
bool hasUpSegment(std::string_view p) {
  for (std::size_t i = p.find(".."); i != std::string_view::npos; i = p.find("..", i + 1)) {
    const bool startOk = i == 0 || p[i - 1] == '/' || p[i - 1] == '\\';
    const bool endOk = i + 2 == p.size() || p[i + 2] == '/' || p[i + 2] == '\\';
    if (startOk && endOk) return true;
  }
  return false;
}

// send's containsDotFile over the `/`-separated parts.
bool containsDotFile(std::string_view p) {
  std::size_t i = 0;
  while (i <= p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    const std::string_view part = p.substr(i, j - i);
    if (part.size() > 1 && part.front() == '.') return true;
    i = j + 1;
  }
  return false;
}

SendOutcome failure(int status, std::string_view code, std::string_view message) {
  SendOutcome o;
  o.kind = SendOutcome::Kind::Error;
  o.status = status;
  o.code = code;
  o.message = message;
  return o;
}

// send's onStatError: missing paths are 404, anything else 500.
SendOutcome statFailure(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const SystemError& e) {
    if (e.code() == "ENOENT" || e.code() == "ENOTDIR" || e.code() == "ENAMETOOLONG") {
      return failure(404, "not_found", "The requested file does not exist");
    }
    return failure(500, "file_error",
                   std::string("The file could not be read: ") + std::string(e.code()));
  } catch (...) {
    return failure(500, "file_error", "The file could not be read");
  }
}

struct StatResult {
  std::optional<fs::Stats> stats;
  std::exception_ptr error;
};

Promise<StatResult> statPath(std::string path) {
  StatResult r;
  try {
    r.stats = co_await fs::stat(std::move(path));
  } catch (...) {
    r.error = std::current_exception();
  }
  co_return r;
}

bool isEnoent(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const SystemError& e) {
    return e.code() == "ENOENT";
  } catch (...) {
    return false;
  }
}

// A request field, empty when absent (send treats both alike).
std::string_view field(const FileExchange& ex, std::string_view name) {
  return ex.requestHeader(name).value_or(std::string_view{});
}

std::string_view responseField(const FileExchange& ex, std::string_view name) {
  return ex.getHeader(name).value_or(std::string_view{});
}

// send's isPreconditionFailure: If-Match (strong-or-weak token equality, `*`), else
// If-Unmodified-Since against Last-Modified.
bool preconditionFailed(const FileExchange& ex) {
  const std::string_view match = field(ex, "if-match");
  if (!match.empty()) {
    const std::string_view tag = responseField(ex, "etag");
    if (tag.empty()) return true;
    if (match == "*") return false;
    bool any = false;
    // send's parseTokenList skips empty items; an empty item cannot equal a real tag anyway.
    anyToken(match, [&](std::string_view m) {
      if (!m.empty() && weakMatch(m, tag)) any = true;
      return any;
    });
    return !any;
  }
  const auto since = parseHttpDate(field(ex, "if-unmodified-since"));
  if (since) {
    const auto lastModified = parseHttpDate(responseField(ex, "last-modified"));
    return !lastModified || *lastModified > *since;
  }
  return false;
}

// send's isRangeFresh: If-Range holding a tag must contain the ETag; else a date not older than
// Last-Modified.
bool rangeFresh(const FileExchange& ex) {
  const std::string_view ifRange = field(ex, "if-range");
  if (ifRange.empty()) return true;
  if (ifRange.find('"') != std::string_view::npos) {
    const std::string_view tag = responseField(ex, "etag");
    return !tag.empty() && ifRange.find(tag) != std::string_view::npos;
  }
  const auto lastModified = parseHttpDate(responseField(ex, "last-modified"));
  const auto date = parseHttpDate(ifRange);
  return lastModified && date && *lastModified <= *date;
}

// send's BYTES_RANGE_REGEXP, /^ *bytes=/.
bool isBytesRange(std::string_view range) {
  while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
  return range.starts_with("bytes=");
}

constexpr std::int64_t kMaxMaxAgeMs = 365LL * 24 * 60 * 60 * 1000;

void setValidators(FileExchange& ex, const SendSettings& s, std::string_view path,
                   const fs::Stats& st) {
  for (const auto& [name, value] : s.headers) ex.setHeader(name, value);
  ex.onHeaders(path, st);
  if (s.acceptRanges && !ex.getHeader("Accept-Ranges")) ex.setHeader("Accept-Ranges", "bytes");
  if (s.cacheControl && !ex.getHeader("Cache-Control")) {
    std::string cc = "public, max-age=" + std::to_string(s.maxAgeMs / 1000);
    if (s.immutable) cc += ", immutable";
    ex.setHeader("Cache-Control", cc);
  }
  if (s.lastModified && !ex.getHeader("Last-Modified")) {
    // stat.mtime.toUTCString(), where Node's Date is Math.round(mtimeMs).
    ex.setHeader("Last-Modified",
                 formatHttpDate(static_cast<std::int64_t>(std::floor(st.mtimeMs + 0.5))));
  }
  if (s.etag && !ex.getHeader("ETag")) ex.setHeader("ETag", etag(st).view());
  if (!ex.getHeader("Content-Type")) {
    const auto type = mime::contentType(extname(path));
    ex.setHeader("Content-Type", type ? std::string_view(*type) : "application/octet-stream");
  }
}

// Streams bytes [offset, offset + length) of the file with the response's backpressure; the
// descriptor is closed before this settles, also when the client went away.
Promise<SendOutcome> streamFile(FileExchange& ex, std::string path, std::uint64_t offset,
                                std::uint64_t length) {
  SendOutcome done;
  done.foundFile = true;
  if (length == 0) {
    ex.end();
    co_return done;
  }
  fs::ReadStreamOptions ro;
  ro.start = offset;
  ro.end = offset + length - 1;
  auto stream = fs::createReadStream(path, ro);
  auto closed = Promise<>::withResolvers();
  stream->events().close.once([closed] { closed.resolve(); });
  std::exception_ptr error;
  bool aborted = false;
  try {
    while (true) {
      if (ex.aborted()) {
        aborted = true;
        break;
      }
      auto chunk = co_await stream->read();
      if (!chunk) break;
      if (ex.aborted()) {
        aborted = true;
        break;
      }
      co_await ex.write(std::move(*chunk));
    }
  } catch (...) {
    error = std::current_exception();
  }
  const bool gone = aborted || ex.aborted();
  // End the response before the descriptor's close round trip; the promise still settles only
  // once the file is closed.
  if (!error && !gone) ex.end();
  stream->destroy();  // a no-op after the stream closed itself at its end
  co_await closed.promise;
  if (error && !gone) {
    SendOutcome o = statFailure(error);
    o.foundFile = true;
    co_return o;
  }
  co_return done;
}

// send's SendStream.prototype.send for one chosen file.
Promise<SendOutcome> sendStat(FileExchange& ex, std::string path, fs::Stats st,
                              const SendSettings& s) {
  if (ex.headersSent()) {
    SendOutcome o = failure(500, "headers_sent", "Cannot send a file after the headers were sent");
    o.foundFile = true;
    co_return o;
  }
  setValidators(ex, s, path, st);

  const bool conditional =
      !field(ex, "if-match").empty() || !field(ex, "if-unmodified-since").empty() ||
      !field(ex, "if-none-match").empty() || !field(ex, "if-modified-since").empty();
  if (conditional) {
    if (preconditionFailed(ex)) {
      SendOutcome o = failure(412, "precondition_failed", "A precondition of the request failed");
      o.foundFile = true;
      co_return o;
    }
    const int status = ex.statusCode();
    const bool cachable = (status >= 200 && status < 300) || status == 304;
    FreshRequestFields req{field(ex, "if-none-match"), field(ex, "if-modified-since"),
                           field(ex, "cache-control")};
    FreshResponseFields res{responseField(ex, "etag"), responseField(ex, "last-modified")};
    if (cachable && fresh(req, res)) {
      for (std::string_view name : {"Content-Encoding", "Content-Language", "Content-Length",
                                    "Content-Range", "Content-Type"}) {
        ex.removeHeader(name);
      }
      ex.setStatus(304);
      ex.end();
      SendOutcome o;
      o.foundFile = true;
      co_return o;
    }
  }

  std::uint64_t offset = 0;
  std::uint64_t length = st.size;
  const std::string_view rangeHeader = field(ex, "range");
  if (s.acceptRanges && isBytesRange(rangeHeader)) {
    RangeResult ranges = parseRange(length, rangeHeader, {.combine = true});
    if (!rangeFresh(ex)) ranges.status = RangeResult::Status::Malformed;
    if (ranges.status == RangeResult::Status::Unsatisfiable) {
      SendOutcome o =
          failure(416, "range_not_satisfiable", "The requested range is not satisfiable");
      o.foundFile = true;
      o.contentRange = contentRangeUnsatisfied(length);
      ex.setHeader("Content-Range", o.contentRange);
      co_return o;
    }
    if (ranges.ok() && ranges.ranges.size() == 1) {
      const ByteRange r = ranges.ranges.front();
      ex.setStatus(206);
      ex.setHeader("Content-Range", contentRange(length, r));
      offset = r.start;
      length = r.end - r.start + 1;
    }
  }
  ex.setHeader("Content-Length", std::to_string(length));
  if (ex.method() == "HEAD") {
    ex.end();
    SendOutcome o;
    o.foundFile = true;
    co_return o;
  }
  co_return co_await streamFile(ex, std::move(path), offset, length);
}

}  // namespace

SendSettings SendSettings::from(const SendFileOptions& o) {
  SendSettings s;
  if (!o.root.empty()) s.root = resolvePath(o.root);
  s.maxAgeMs = std::clamp<std::int64_t>(o.maxAge.count(), 0, kMaxMaxAgeMs);
  s.immutable = o.immutable;
  s.cacheControl = o.cacheControl;
  s.lastModified = o.lastModified;
  s.etag = o.etag;
  s.acceptRanges = o.acceptRanges;
  s.dotfiles = o.dotfiles;
  s.index = {"index.html"};
  for (const HeaderField& h : o.headers) s.headers.emplace_back(h.name, h.value);
  return s;
}

Promise<SendOutcome> sendPath(FileExchange& ex, std::string original, bool urlEncoded,
                              const SendSettings& s) {
  std::string path;
  if (urlEncoded) {
    auto decoded = decodeURIComponent(original);
    if (!decoded) co_return failure(400, "bad_path", "The path holds an invalid percent-encoding");
    path = std::move(*decoded);
  } else {
    path = original;
  }
  if (path.find('\0') != std::string::npos)
    co_return failure(400, "bad_path", "The path holds a NUL byte");

  std::string parts;
  if (!s.root.empty()) {
    if (!path.empty()) path = normalizePath("./" + path);
    if (hasUpSegment(path)) co_return failure(403, "forbidden", "The path leaves the root folder");
    parts = path;
    path = normalizePath(joinPath(s.root, path));
  } else {
    if (hasUpSegment(path)) co_return failure(403, "forbidden", "The path contains a '..' segment");
    parts = normalizePath(path);
    path = resolvePath(path);
  }

  if (containsDotFile(parts)) {
    switch (s.dotfiles) {
      case Dotfiles::Allow:
        break;
      case Dotfiles::Deny:
        co_return failure(403, "forbidden", "Access to dotfiles is denied");
      case Dotfiles::Ignore:
        co_return failure(404, "not_found", "The requested file does not exist");
    }
  }

  const bool trailingSlash = !original.empty() && original.back() == '/';
  if (!s.index.empty() && trailingSlash) {
    // send's sendIndex: the first index file that exists and is not a directory.
    std::exception_ptr lastError;
    for (const std::string& name : s.index) {
      std::string candidate = joinPath(path, name);
      StatResult r = co_await statPath(candidate);
      if (r.error) {
        lastError = r.error;
        continue;
      }
      if (r.stats->isDirectory()) {
        lastError = nullptr;
        continue;
      }
      co_return co_await sendStat(ex, std::move(candidate), *r.stats, s);
    }
    if (lastError) co_return statFailure(lastError);
    co_return failure(404, "not_found", "The requested file does not exist");
  }

  StatResult r = co_await statPath(path);
  const bool endsWithSep = !path.empty() && path.back() == '/';
  if (r.error && isEnoent(r.error) && extname(path).empty() && !endsWithSep) {
    // send's extensions fallback: path.html, path.htm, ...
    std::exception_ptr lastError = r.error;
    for (const std::string& ext : s.extensions) {
      std::string candidate = path + "." + ext;
      StatResult e = co_await statPath(candidate);
      if (e.error) {
        lastError = e.error;
        continue;
      }
      if (e.stats->isDirectory()) {
        lastError = nullptr;
        continue;
      }
      co_return co_await sendStat(ex, std::move(candidate), *e.stats, s);
    }
    if (lastError) co_return statFailure(lastError);
    co_return failure(404, "not_found", "The requested file does not exist");
  }
  if (r.error) co_return statFailure(r.error);
  if (r.stats->isDirectory()) {
    SendOutcome o;
    o.kind = SendOutcome::Kind::Directory;
    o.status = 301;
    co_return o;
  }
  if (endsWithSep) co_return failure(404, "not_found", "The requested file does not exist");
  co_return co_await sendStat(ex, std::move(path), *r.stats, s);
}

void throwSendError(const SendOutcome& outcome) {
  HttpError error(outcome.status, outcome.code, outcome.message);
  if (!outcome.contentRange.empty()) error.setHeader("Content-Range", outcome.contentRange);
  throw error;
}

}  // namespace detail

namespace {

// The file engine over Node-style http objects.
class HttpFileExchange final : public detail::FileExchange {
 public:
  HttpFileExchange(http::IncomingMessage& req, http::ServerResponse& res) noexcept
      : req_(req), res_(res) {}

  std::string_view method() const noexcept override { return req_.method(); }
  std::optional<std::string_view> requestHeader(std::string_view name) const noexcept override {
    return req_.header(name);
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return res_.getHeader(name);
  }
  void setHeader(std::string_view name, std::string_view value) override {
    res_.setHeader(name, value);
  }
  void removeHeader(std::string_view name) override { res_.removeHeader(name); }
  int statusCode() const noexcept override { return res_.statusCode; }
  void setStatus(int status) override { res_.statusCode = status; }
  bool headersSent() const noexcept override { return res_.headersSent(); }
  Promise<> write(Buffer chunk) override {
    if (res_.write(chunk)) return Promise<>::resolve();
    return res_.drained();
  }
  void end() override { res_.end(); }
  bool aborted() const noexcept override { return req_.aborted(); }

 private:
  http::IncomingMessage& req_;
  http::ServerResponse& res_;
};

}  // namespace

void detail::checkSendFilePath(std::string_view path, const SendFileOptions& options) {
  if (path.empty())
    throw SystemError("ERR_INVALID_ARG_VALUE", "path argument is required to res.sendFile");
  if (options.root.empty() && path.front() != '/') {
    throw SystemError("ERR_INVALID_ARG_VALUE",
                      "path must be absolute or specify root to res.sendFile");
  }
}

Promise<> sendFile(http::IncomingMessage& req, http::ServerResponse& res, std::string path,
                   SendFileOptions options) {
  detail::checkSendFilePath(path, options);
  const detail::SendSettings settings = detail::SendSettings::from(options);
  HttpFileExchange ex(req, res);
  const detail::SendOutcome outcome =
      co_await detail::sendPath(ex, std::move(path), false, settings);
  if (outcome.kind == detail::SendOutcome::Kind::Error) detail::throwSendError(outcome);
  if (outcome.kind == detail::SendOutcome::Kind::Directory) {
    throw HttpError(404, "not_found", "The requested file does not exist");
  }
}

}  // namespace nx::web
