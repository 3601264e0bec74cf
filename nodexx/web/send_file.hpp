// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::fs {
struct Stats;
}
namespace nx::http {
class IncomingMessage;
class ServerResponse;
}  // namespace nx::http
namespace nx::web {
class Request;
class Response;
}  // namespace nx::web

/// Sending files as Express's res.sendFile() and res.download() do (the `send` npm package):
/// validators (ETag, Last-Modified), conditional GET (304), preconditions (412), single byte
/// ranges (206, 416), HEAD, Cache-Control, a Content-Type from the extension, a root that
/// paths cannot escape, a dotfiles policy, and a body streamed from the file with the
/// response's backpressure (memory stays at one read chunk of 64 KiB whatever the file size).
/// Response::sendFile() and Response::download() (declared in response.hpp) are defined with
/// these options; web::sendFile() serves a plain http::ServerResponse the same way.
namespace nx::web {

/// What happens to a path with a segment that starts with a dot (`.env`, `.git/config`), as
/// send's `dotfiles` option. A root given in the options is not checked, only the path below it.
enum class Dotfiles : std::uint8_t {
  Ignore,  ///< default: as if the file did not exist (404)
  Allow,   ///< serve it like any file
  Deny,    ///< 403
};

/// One response field set on every file response (sendFile's `headers` option).
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

/// Options of Response::sendFile(), web::sendFile() and (as DownloadOptions) download(), with
/// Express 5's names and defaults. Trivially destructible (core/README.md, g++ 12 rule): the
/// views are read, and copied where needed, before the call returns, so they need not outlive
/// it; `SendFileOptions o{.root = dir}; co_await res.sendFile(name, o);` and
/// `co_await res.sendFile(name, {.root = "public"})` are both fine.
struct SendFileOptions {
  /// Directory the path is relative to. With a root, the path may be relative (a leading `/`
  /// is below the root too) and may not climb above it (`..` segments → 403); the path is a
  /// file name, not a URL (a `%` is literal, as Express's encodeURI/decode round trip leaves
  /// it). Without a root, the path must be absolute (else the promise rejects with
  /// nx::SystemError `ERR_INVALID_ARG_VALUE`, Express's TypeError, which the error middleware
  /// answers with 500) and still may not contain a `..` segment (403). A relative root is
  /// resolved against the working directory.
  std::string_view root = {};
  /// `Cache-Control: public, max-age=<seconds>` (whole seconds, floored); clamped to 0..1 year
  /// as send does. Default 0.
  std::chrono::milliseconds maxAge{0};
  /// Append `, immutable` to Cache-Control. Default false.
  bool immutable = false;
  /// Set Cache-Control (unless the response already has one). Default true.
  bool cacheControl = true;
  /// Set Last-Modified from the file's mtime (unless already set). Default true.
  bool lastModified = true;
  /// Set a weak ETag from size and mtime (unless already set). Default true. Response::sendFile
  /// also turns it off when the app's `etag` setting is off, as Express does.
  bool etag = true;
  /// Send `Accept-Ranges: bytes` and honour `Range` (a single range → 206; several are
  /// answered with the whole file, as send does). Default true.
  bool acceptRanges = true;
  /// Policy for dotfile segments in the path. Default Ignore (404).
  Dotfiles dotfiles = Dotfiles::Ignore;
  /// Fields set on the response once the file was found (before the validators, so that a
  /// given ETag/Last-Modified/Cache-Control/Content-Type wins). Copied before the call returns.
  std::span<const HeaderField> headers = {};
};

static_assert(std::is_trivially_destructible_v<SendFileOptions>);

/// Options of Response::download(): the same as sendFile's. A `Content-Disposition` among
/// `headers` is ignored (download sets its own), as Express does.
using DownloadOptions = SendFileOptions;

/// Serves the file at `path` on a plain http exchange with the behaviour of Response::sendFile()
/// (send's, described in docs/static-files.md): the response is complete when the promise
/// resolves, and also when the client went away mid-body (the file is closed at once; nothing
/// is reported, as Express ignores ECONNABORTED). Rejects, with nothing sent, with
/// web::HttpError: 400 `bad_path` (undecodable %-escape or NUL byte), 403 `forbidden`
/// (`..` above the root, denied dotfile), 404 `not_found` (missing file, directory, ignored
/// dotfile, ENOTDIR, ENAMETOOLONG), 412 `precondition_failed` (If-Match /
/// If-Unmodified-Since), 416 `range_not_satisfiable` (with `Content-Range: bytes */size` set on
/// the response), 500 `headers_sent` / `file_error` (other file system errors); the caller
/// renders them. `req`/`res` must outlive the promise (the http lifetime rule guarantees it for
/// a handler that awaits it).
[[nodiscard]] Promise<> sendFile(http::IncomingMessage& req, http::ServerResponse& res,
                                 std::string path, SendFileOptions options = {});

namespace detail {

/// The request/response operations the file engine needs; adapters exist for
/// http::IncomingMessage/ServerResponse and for web::Request/Response. Not a public API.
class FileExchange {
 public:
  virtual ~FileExchange() = default;
  virtual std::string_view method() const noexcept = 0;
  /// A request field (first value), or nullopt.
  virtual std::optional<std::string_view> requestHeader(std::string_view name) const noexcept = 0;
  virtual std::optional<std::string_view> getHeader(std::string_view name) const noexcept = 0;
  virtual void setHeader(std::string_view name, std::string_view value) = 0;
  virtual void removeHeader(std::string_view name) = 0;
  virtual int statusCode() const noexcept = 0;
  virtual void setStatus(int status) = 0;
  virtual bool headersSent() const noexcept = 0;
  /// Writes a body chunk; resolves at once below the high-water mark, else at "drain" or close.
  virtual Promise<> write(Buffer chunk) = 0;
  virtual void end() = 0;
  /// True once the client went away (nothing written reaches it any more).
  virtual bool aborted() const noexcept = 0;
  /// Called with the resolved file path and its stats once a file was chosen, before the
  /// validators are set (serve-static's setHeaders, and download's headers). Default: nothing.
  virtual void onHeaders(std::string_view /*path*/, const fs::Stats& /*stats*/) {}
};

/// How the engine ended. Errors carry the status the `send` package would use.
struct SendOutcome {
  enum class Kind : std::uint8_t {
    Sent,       ///< a response was sent (200/206/304/HEAD) or the client went away
    Directory,  ///< the path names a directory (the caller redirects or 404s)
    Error,      ///< nothing sent; `status`, `code`, `message` describe it
  };
  Kind kind = Kind::Sent;
  int status = 200;
  std::string code;
  std::string message;
  /// A file was found (serve-static stops falling through from then on).
  bool foundFile = false;
  /// Extra field for the error response (416's Content-Range), or empty.
  std::string contentRange;
};

/// The engine's settings in owned form (copied from SendFileOptions or ServeStaticOptions).
struct SendSettings {
  std::string root;  ///< absolute, normalised; empty: none
  std::int64_t maxAgeMs = 0;
  bool immutable = false;
  bool cacheControl = true;
  bool lastModified = true;
  bool etag = true;
  bool acceptRanges = true;
  Dotfiles dotfiles = Dotfiles::Ignore;
  std::vector<std::string> index;       ///< tried for a path ending in `/`
  std::vector<std::string> extensions;  ///< tried for a missing path without extension
  std::vector<std::pair<std::string, std::string>> headers;

  static SendSettings from(const SendFileOptions& options);
};

/// Runs send's algorithm for `path` on `exchange`: a URL path that is percent-decoded first
/// (`urlEncoded`, serve-static) or a file system path used as it is (sendFile). Never rejects
/// for expected outcomes (see SendOutcome); rejects only for programming errors and bad
/// arguments. `exchange` and `settings` must outlive the promise.
Promise<SendOutcome> sendPath(FileExchange& exchange, std::string path, bool urlEncoded,
                              const SendSettings& settings);

/// serve-static's setHeaders hook, as the engine calls it.
using SetHeadersHook = std::function<void(Response&, std::string_view path, const fs::Stats&)>;

/// sendPath() on a web::Request/Response pair; `hook` (nullptr: none) runs when a file was
/// chosen. The app's `etag` setting Off turns the ETag off, as Express does for sendFile.
/// `req`, `res`, `settings` and `*hook` must outlive the promise.
Promise<SendOutcome> sendWebPath(Request& req, Response& res, std::string path, bool urlEncoded,
                                 const SendSettings& settings, const SetHeadersHook* hook);

/// path.resolve(p) (POSIX): absolute against the working directory, normalised, no trailing
/// separator.
std::string resolvePath(std::string_view p);
/// path.basename(p) (POSIX): the last segment, trailing separators ignored.
std::string_view basename(std::string_view p) noexcept;

/// Throws SystemError ERR_INVALID_ARG_VALUE for an empty path, or a relative one without a root
/// (Express's TypeErrors of res.sendFile).
void checkSendFilePath(std::string_view path, const SendFileOptions& options);

/// Throws the web::HttpError that `outcome` (Kind::Error) stands for.
[[noreturn]] void throwSendError(const SendOutcome& outcome);

}  // namespace detail

}  // namespace nx::web
