// SPDX-License-Identifier: MIT
// The in-memory transport (web's second exchange beside HTTP/1.1) and testing::inject() on top
// of it. It lives in the web library so that web's own tests and users' tests share it;
// nodexx/testing/inject.hpp gives it its public name.
#include "nodexx/web/inject.hpp"

#include <memory>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/status.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/internal/memory_exchange.hpp"

namespace nx::web::detail {

std::optional<std::string_view> MemoryExchange::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers_) {
    if (http::equalsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

namespace {
SystemError tooLarge() {
  return SystemError("ERR_HTTP_BODY_TOO_LARGE", "request entity too large");
}
}  // namespace

Promise<std::optional<Buffer>> MemoryExchange::read() {
  if (maxBodyBytes_ != 0 && body_.size() > maxBodyBytes_) {
    return Promise<std::optional<Buffer>>::reject(tooLarge());
  }
  if (bodyRead_ || body_.empty()) {
    bodyRead_ = true;
    return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>());
  }
  bodyRead_ = true;
  return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>(Buffer::from(body_)));
}

std::shared_ptr<stream::Readable<Buffer>> MemoryExchange::bodyStream() {
  std::vector<Buffer> chunks;
  if (maxBodyBytes_ != 0 && body_.size() > maxBodyBytes_) {
    auto r = stream::Readable<Buffer>::from(std::vector<Buffer>{});
    r->destroy(std::make_exception_ptr(tooLarge()));
    return r;
  }
  if (!bodyRead_ && !body_.empty()) chunks.push_back(Buffer::from(body_));
  bodyRead_ = true;
  return stream::Readable<Buffer>::from(std::move(chunks));
}

namespace {
void checkNotSent(bool sent) {
  if (sent) {
    throw SystemError("ERR_HTTP_HEADERS_SENT",
                      "Cannot set headers after they are sent to the client");
  }
}
}  // namespace

void MemoryExchange::setHeader(std::string_view name, std::string_view value) {
  checkNotSent(headersSent_);
  responseHeaders_.set(name, value);
}
void MemoryExchange::appendHeader(std::string_view name, std::string_view value) {
  checkNotSent(headersSent_);
  responseHeaders_.append(name, value);
}
void MemoryExchange::removeHeader(std::string_view name) {
  checkNotSent(headersSent_);
  responseHeaders_.remove(name);
}

bool MemoryExchange::bodyAllowed() const noexcept {
  return method_ != "HEAD" && !http::statusHasNoBody(status_);
}

bool MemoryExchange::write(std::string_view chunk) {
  if (ended_) throw SystemError("ERR_STREAM_WRITE_AFTER_END", "write after end");
  headersSent_ = true;
  if (bodyAllowed()) responseBody_.append(chunk);
  return true;
}
bool MemoryExchange::write(const Buffer& chunk) {
  return write(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()));
}

void MemoryExchange::end(std::string_view chunk) {
  if (ended_) return;
  headersSent_ = true;
  if (bodyAllowed()) responseBody_.append(chunk);
  ended_ = true;
  // "finish" is emitted asynchronously, as Node's.
  auto fns = std::move(onFinish_);
  onFinish_.clear();
  if (!fns.empty()) {
    queueMicrotask(
        [fns = std::make_shared<std::vector<MoveFunction<void()>>>(std::move(fns))]() mutable {
          for (auto& f : *fns) f();
        });
  }
  if (endedPromise) endedPromise->resolve();
}
void MemoryExchange::end(const Buffer& chunk) {
  end(std::string_view(reinterpret_cast<const char*>(chunk.data()), chunk.size()));
}

namespace {
class RecordingWritable final : public stream::Writable<Buffer> {
 public:
  explicit RecordingWritable(MemoryExchange& ex) : ex_(ex) {}

 protected:
  void _write(Buffer chunk, stream::Callback callback) override {
    (void)ex_.write(chunk);
    callback(nullptr);
  }
  void _final(stream::Callback callback) override {
    ex_.end(std::string_view());
    callback(nullptr);
  }

 private:
  MemoryExchange& ex_;
};
}  // namespace

std::shared_ptr<stream::Writable<Buffer>> MemoryExchange::responseStream() {
  if (!writable_) writable_ = std::make_shared<RecordingWritable>(*this);
  return writable_;
}

void MemoryExchange::onFinish(MoveFunction<void()> fn) {
  if (ended_) {
    queueMicrotask(std::move(fn));
    return;
  }
  onFinish_.push_back(std::move(fn));
}

}  // namespace nx::web::detail

namespace nx::web {

using web::detail::MemoryExchange;

json::Value InjectResponse::json() const { return json::parse(body); }

namespace {

Promise<InjectResponse> runInject(web::App& app, std::shared_ptr<MemoryExchange> ex) {
  ex->endedPromise.emplace(Promise<>::withResolvers());
  Promise<> ended = ex->endedPromise->promise;
  Promise<> chain = app.handle(*ex);
  if (chain) co_await chain;
  co_await ended;
  InjectResponse r;
  r.status = ex->status_;
  r.headers = ex->responseHeaders_;
  r.body = std::move(ex->responseBody_);
  co_return r;
}

}  // namespace

Promise<InjectResponse> inject(web::App& app, InjectOptions options) {
  // Everything is copied out of `options` before the first suspension (the g++ 12 rule).
  auto ex = std::make_shared<MemoryExchange>();
  ex->method_.assign(options.method);
  ex->target_.assign(options.url);
  bool hasHost = false;
  bool hasLength = false;
  for (const auto& [n, v] : options.headers) {
    if (!http::isValidHeaderName(n)) {
      return Promise<InjectResponse>::reject(
          SystemError("ERR_INVALID_HTTP_TOKEN", "Header name must be a valid HTTP token"));
    }
    if (!http::isValidHeaderValue(v)) {
      return Promise<InjectResponse>::reject(
          SystemError("ERR_INVALID_CHAR", "Invalid character in header content"));
    }
    if (http::equalsIgnoreCase(n, "host")) hasHost = true;
    if (http::equalsIgnoreCase(n, "content-length") ||
        http::equalsIgnoreCase(n, "transfer-encoding")) {
      hasLength = true;
    }
    ex->headers_.emplace_back(std::string(n), std::string(v));
  }
  if (!hasHost) ex->headers_.emplace_back("host", "localhost");
  if (!options.body.empty() && !hasLength) {
    ex->headers_.emplace_back("content-length", std::to_string(options.body.size()));
  }
  ex->body_.assign(options.body);
  ex->remote_.assign(options.remoteAddress);
  ex->encrypted_ = options.encrypted;
  ex->maxBodyBytes_ = options.maxBodyBytes;
  return runInject(app, std::move(ex));
}

}  // namespace nx::web
