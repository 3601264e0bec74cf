// SPDX-License-Identifier: MIT
#include "nodexx/http/server_response.hpp"

#include <charconv>
#include <cstring>

#include "nodexx/core/errors.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/internal/connection.hpp"
#include "nodexx/http/internal/date_cache.hpp"
#include "nodexx/http/internal/server_streams.hpp"
#include "nodexx/http/status.hpp"

namespace nx::http {

namespace {

// Small integers as text without allocating.
struct Num {
  char buf[24];
  std::size_t len;
  explicit Num(std::uint64_t v) noexcept {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    len = static_cast<std::size_t>(r.ptr - buf);
  }
  std::string_view view() const noexcept { return {buf, len}; }
};

struct Hex {
  char buf[24];
  std::size_t len;
  explicit Hex(std::uint64_t v) noexcept {
    auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
    len = static_cast<std::size_t>(r.ptr - buf);
  }
  std::string_view view() const noexcept { return {buf, len}; }
};

std::string_view asView(const Buffer& b) noexcept { return b.byteView(); }

// The head is formatted straight into the connection's output, after reserving room for its
// largest possible size, so the pieces are copied once and need no bounds checks. put() is
// inlined so that the fixed pieces (string literals) become constant-size copies.
[[gnu::always_inline]] inline char* put(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Room for the fixed pieces of a head: the status line without its reason, Content-Length
// with a 20-digit length (or Transfer-Encoding), the Date field and the blank line; the
// keep-alive fields are added by their size.
constexpr std::size_t kHeadFixed = 128;

// One trailer field onto `block`, checked as Node's addTrailers() does (its own messages).
void appendTrailer(std::string& block, std::string_view name, std::string_view value) {
  if (!isValidHeaderName(name)) {
    throw SystemError(std::string(errc::kInvalidHttpToken),
                      "Trailer name must be a valid HTTP token [\"" + std::string(name) + "\"]");
  }
  if (!isValidHeaderValue(value)) {
    throw SystemError(std::string(errc::kInvalidChar),
                      "Invalid character in trailer content [\"" + std::string(name) + "\"]");
  }
  block.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

Promise<>::Awaiter WriteResult::operator co_await() const {
  if (ok_) return Promise<>::resolve().operator co_await();
  return res_->drained().operator co_await();
}

void ServerResponse::resetForNext() noexcept {
  statusCode = 200;
  if (!statusMessage.empty()) statusMessage.clear();
  sendDate = true;
  headers_.clear();
  headersSent_ = ended_ = finished_ = chunked_ = noBody_ = closeByEof_ = false;
  hasContentLength_ = false;
  contentLength_ = bodyWritten_ = 0;
  if (!trailer_.empty()) trailer_.clear();
  drain_.reset();
  if (stream_) {
    stream_->detach();
    stream_.reset();
  }
  // Listeners belong to one exchange; most exchanges have none, so check before clearing.
  if (onFinish.listenerCount() != 0) onFinish.removeAllListeners();
  if (onClose.listenerCount() != 0) onClose.removeAllListeners();
  if (onDrain.listenerCount() != 0) onDrain.removeAllListeners();
}

void ServerResponse::checkNotSent(std::string_view what) const {
  if (headersSent_) {
    throw SystemError(std::string(errc::kHeadersSent),
                      "Cannot " + std::string(what) + " headers after they are sent to the client");
  }
}

ServerResponse& ServerResponse::setHeader(std::string_view name, std::string_view value) {
  checkNotSent("set");
  headers_.set(name, value);
  return *this;
}

ServerResponse& ServerResponse::setHeader(std::string_view name, std::uint64_t value) {
  return setHeader(name, Num(value).view());
}

ServerResponse& ServerResponse::appendHeader(std::string_view name, std::string_view value) {
  checkNotSent("append");
  headers_.append(name, value);
  return *this;
}

std::optional<std::string_view> ServerResponse::getHeader(std::string_view name) const noexcept {
  return headers_.get(name);
}
bool ServerResponse::hasHeader(std::string_view name) const noexcept { return headers_.has(name); }

void ServerResponse::removeHeader(std::string_view name) {
  checkNotSent("remove");
  headers_.remove(name);
}

std::vector<std::string> ServerResponse::getHeaderNames() const { return headers_.names(); }

ServerResponse& ServerResponse::writeHead(int status, std::string_view message) {
  checkNotSent("write");
  if (!isValidStatusCode(status)) {
    throw RangeError(std::string(errc::kInvalidStatusCode),
                     "Invalid status code: " + std::to_string(status));
  }
  if (!isValidHeaderValue(message)) {
    throw SystemError(std::string(errc::kInvalidChar), "Invalid character in statusMessage");
  }
  statusCode = status;
  if (!message.empty()) statusMessage.assign(message);
  sendHead(headEnding(false), 0);
  return *this;
}

ServerResponse& ServerResponse::writeHead(
    int status, std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  checkNotSent("write");
  for (const auto& [n, v] : fields) headers_.set(n, v);
  return writeHead(status);
}

ServerResponse& ServerResponse::writeHead(int status, const Headers& fields) {
  checkNotSent("write");
  for (const auto& e : fields) headers_.set(e.name, e.value);
  return writeHead(status);
}

bool ServerResponse::sendHead(bool ending, std::size_t endSize, std::string_view body) {
  if (headersSent_) return false;
  if (!isValidStatusCode(statusCode)) {
    throw RangeError(std::string(errc::kInvalidStatusCode),
                     "Invalid status code: " + std::to_string(statusCode));
  }
  detail::Connection& c = conn_;
  headersSent_ = true;
  noBody_ = c.isHeadRequest() || statusHasNoBody(statusCode);
  bool noBodyStatus = statusHasNoBody(statusCode);

  bool userDate = false, userConnection = false, userTe = false;
  std::size_t fieldBytes = 0;  // the fields as written: name, ": ", value, CRLF
  for (const auto& e : headers_) {
    std::string_view n = e.name;
    fieldBytes += n.size() + e.value.size() + 4;
    if (n.size() == 4 && equalsIgnoreCase(n, "date")) {
      userDate = true;
    } else if (n.size() == 10 && equalsIgnoreCase(n, "connection")) {
      userConnection = true;
      if (equalsIgnoreCase(e.value, "close")) c.setKeepAlive(false);
    } else if (n.size() == 14 && equalsIgnoreCase(n, "content-length")) {
      std::string_view v = e.value;
      std::uint64_t len = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), len);
      if (r.ec == std::errc() && r.ptr == v.data() + v.size()) {
        hasContentLength_ = true;
        contentLength_ = len;
      }
    } else if (n.size() == 17 && equalsIgnoreCase(n, "transfer-encoding")) {
      userTe = true;
      std::string_view v = e.value;
      chunked_ = v.size() >= 7 && equalsIgnoreCase(v.substr(v.size() - 7), "chunked");
    }
  }
  // Body framing decides keep-alive, so it comes first.
  bool addLength = false, addChunked = false;
  if (!hasContentLength_ && !userTe && !noBodyStatus) {
    if (ending) {
      addLength = true;
      hasContentLength_ = true;
      contentLength_ = endSize;
    } else if (!noBody_ && !c.isHttp10()) {
      addChunked = true;
      chunked_ = true;
    } else if (!noBody_) {
      closeByEof_ = true;  // HTTP/1.0 client: the body ends when the connection does
      c.setKeepAlive(false);
    }
  }
  if (userTe && !chunked_ && !noBody_) c.setKeepAlive(false);
  if (noBody_) chunked_ = false;

  const std::string_view reason =
      statusMessage.empty() ? statusText(statusCode) : std::string_view(statusMessage);
  const bool withDate = sendDate && !userDate;
  // With end(body) on a body that needs no chunk framing, the body joins the head.
  const bool joinBody = !body.empty() && !noBody_ && !chunked_;
  if (joinBody) bodyWritten_ += body.size();
  const std::string_view keepAliveFields = c.keepAliveFields();
  char* p = c.reserveOutput(kHeadFixed + reason.size() + fieldBytes + keepAliveFields.size() +
                            (joinBody ? body.size() : 0));
  if (p == nullptr) return true;  // closing: the output is dropped, as append() drops it
  p = put(p, "HTTP/1.1 ");
  // Valid codes have three digits (checked above).
  const auto code = static_cast<unsigned>(statusCode);
  p[0] = static_cast<char>('0' + code / 100);
  p[1] = static_cast<char>('0' + code / 10 % 10);
  p[2] = static_cast<char>('0' + code % 10);
  p[3] = ' ';
  p = put(p + 4, reason);
  p = put(p, "\r\n");
  for (const auto& e : headers_) {
    p = put(p, e.name);
    p = put(p, ": ");
    p = put(p, e.value);
    p = put(p, "\r\n");
  }
  if (withDate) {
    std::memcpy(p, c.dateLine(), detail::DateCache::kLineSize);
    p += detail::DateCache::kLineSize;
  }
  if (!userConnection) {
    if (c.keepAlive()) {
      p = put(p, keepAliveFields);
    } else {
      p = put(p, "Connection: close\r\n");
    }
  }
  if (addLength) {
    p = put(p, "Content-Length: ");
    p = std::to_chars(p, p + 20, endSize).ptr;
    p = put(p, "\r\n");
  } else if (addChunked) {
    p = put(p, "Transfer-Encoding: chunked\r\n");
  }
  p = put(p, "\r\n");
  if (joinBody) p = put(p, body);
  c.commitOutput(p);
  return joinBody;
}

void ServerResponse::writeBody(std::string_view chunk) {
  if (noBody_ || chunk.empty()) return;
  bodyWritten_ += chunk.size();
  if (chunked_) {
    Hex size(chunk.size());
    conn_.append(size.view());
    conn_.append("\r\n");
    conn_.append(chunk);
    conn_.append("\r\n");
  } else {
    conn_.append(chunk);
  }
}

WriteResult ServerResponse::write(std::string_view chunk) {
  if (ended_) {
    throw SystemError(std::string(errc::kWriteAfterEnd), "write after end");
  }
  if (conn_.isClosed()) return WriteResult(*this, false);
  sendHead(headEnding(false), 0);
  writeBody(chunk);
  bool ok = !conn_.overHighWater();
  if (!ok) conn_.noteNeedDrain();
  return WriteResult(*this, ok);
}

WriteResult ServerResponse::write(const Buffer& chunk) { return write(asView(chunk)); }

void ServerResponse::end() { endWith({}); }
void ServerResponse::end(std::string_view chunk) { endWith(chunk); }
void ServerResponse::end(const Buffer& chunk) { endWith(asView(chunk)); }

void ServerResponse::endWith(std::string_view chunk) {
  if (ended_) return;
  if (!conn_.isClosed()) {
    if (!sendHead(headEnding(true), chunk.size(), chunk)) writeBody(chunk);
    if (chunked_ && !noBody_) {
      if (trailer_.empty()) {
        conn_.append("0\r\n\r\n");
      } else {
        conn_.append("0\r\n");
        conn_.append(trailer_);
        conn_.append("\r\n");
      }
    }
  }
  ended_ = true;
  finished_ = true;
  onFinish.emit();
  onClose.emit();  // Node emits 'close' after 'finish' for a completed response too
  conn_.responseEnded();
}

void ServerResponse::addTrailers(const Headers& trailers) {
  std::string block;
  for (const auto& e : trailers) appendTrailer(block, e.name, e.value);
  setTrailers(std::move(block));
}

void ServerResponse::addTrailers(
    std::initializer_list<std::pair<std::string_view, std::string_view>> trailers) {
  std::string block;
  for (const auto& [n, v] : trailers) appendTrailer(block, n, v);
  setTrailers(std::move(block));
}

bool ServerResponse::trailerFraming(bool ending) {
  // Only a response announcing them with a `Trailer` field is affected (Node's _storeHeader):
  // fields follow the body, which only chunked framing carries, so end(body) gets no
  // Content-Length (it is framed as write() would be), and a response that will not be chunked
  // is refused before anything is stored (its head stays unsent). The fields are read here as
  // sendHead reads them.
  if (!headers_.has("trailer")) return ending;
  const bool noBody = conn_.isHeadRequest() || statusHasNoBody(statusCode);
  bool chunked = !noBody && !conn_.isHttp10() && !headers_.has("content-length");
  if (auto te = headers_.get("transfer-encoding")) {
    chunked = !noBody && te->size() >= 7 && equalsIgnoreCase(te->substr(te->size() - 7), "chunked");
  }
  if (!chunked) {
    throw SystemError(std::string(errc::kTrailerInvalid),
                      "Trailers are invalid with this transfer encoding");
  }
  return false;
}

void ServerResponse::setTrailers(std::string block) noexcept {
  // After end() the trailer section is gone already (Node ignores the call too).
  if (!ended_) trailer_ = std::move(block);
}

void ServerResponse::writeContinue() {
  if (headersSent_ || conn_.isClosed()) return;
  conn_.append("HTTP/1.1 100 Continue\r\n\r\n");
}

void ServerResponse::flushHeaders() {
  if (conn_.isClosed()) return;
  sendHead(headEnding(false), 0);
}

bool ServerResponse::writableNeedDrain() const noexcept { return conn_.overHighWater(); }

Promise<> ServerResponse::drained() {
  if (conn_.isClosed() || !conn_.overHighWater()) return Promise<>::resolve();
  conn_.noteNeedDrain();
  if (!drain_) drain_.emplace(Promise<>::withResolvers());
  return drain_->promise;
}

void ServerResponse::settleDrain() noexcept {
  if (drain_) {
    auto d = std::move(*drain_);
    drain_.reset();
    d.resolve();
  }
  if (stream_) stream_->drained();
  onDrain.emit();
}

std::shared_ptr<stream::Writable<Buffer>> ServerResponse::stream() {
  if (!stream_) stream_ = std::make_shared<detail::ResponseWritable>(*this, conn_.highWaterMark());
  return stream_;
}

}  // namespace nx::http
