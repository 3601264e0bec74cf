// SPDX-License-Identifier: MIT
// Test support for the body parser tests: an in-memory exchange whose request body arrives in
// chunks chosen by the test (so that chunk edges, limits and aborted bodies can be replayed
// exactly), and a function that runs one exchange through an App on the current loop.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/http/headers.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/writable.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/internal/exchange.hpp"

namespace nx::web::bodytest {

class TestExchange final : public detail::Exchange {
 public:
  TestExchange(std::string method, std::string target)
      : method_(std::move(method)), target_(std::move(target)) {}

  /// Adds a request header field.
  TestExchange& header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  /// Sets the body as one chunk, with a Content-Length.
  TestExchange& body(std::string_view bytes) { return chunks({bytes}); }
  /// Sets the body as these chunks, with a Content-Length (unless `chunked`: then
  /// Transfer-Encoding: chunked).
  TestExchange& chunks(const std::vector<std::string_view>& parts, bool chunked = false) {
    std::size_t total = 0;
    for (auto p : parts) {
      chunks_.push_back(Buffer::from(p));
      total += p.size();
    }
    if (chunked) {
      header("Transfer-Encoding", "chunked");
    } else {
      header("Content-Length", std::to_string(total));
    }
    return *this;
  }
  /// After the chunks, read() rejects with `error` instead of ending (a client that left).
  TestExchange& failWith(std::exception_ptr error) {
    fail_ = std::move(error);
    return *this;
  }

  // ---- Results ----
  int status() const noexcept { return status_; }
  const std::string& responseBody() const noexcept { return body_; }
  const http::Headers& headers() const noexcept { return resHeaders_; }
  bool ended() const noexcept { return ended_; }
  /// Body chunks handed out so far.
  std::size_t chunksRead() const noexcept { return next_; }
  /// The response body parsed as JSON (null if it is not JSON).
  json::Value json() const {
    try {
      return json::parse(body_);
    } catch (...) {
      return json::Value();
    }
  }

  // ---- Exchange ----
  std::string_view method() const noexcept override { return method_; }
  std::string_view target() const noexcept override { return target_; }
  std::string_view httpVersion() const noexcept override { return "1.1"; }
  std::optional<std::string_view> header(std::string_view name) const noexcept override {
    for (const auto& [k, v] : headers_)
      if (equalsIgnoreCase(k, name)) return std::string_view(v);
    return std::nullopt;
  }
  std::size_t headerCount() const noexcept override { return headers_.size(); }
  std::pair<std::string_view, std::string_view> headerAt(std::size_t i) const noexcept override {
    return {headers_[i].first, headers_[i].second};
  }
  std::string_view remoteAddress() override { return "127.0.0.1"; }
  bool encrypted() const noexcept override { return false; }
  Promise<std::optional<Buffer>> read() override {
    if (next_ < chunks_.size()) {
      Buffer b = chunks_[next_++];
      received_ += b.size();
      if (maxBody_ != 0 && received_ > maxBody_)
        return Promise<std::optional<Buffer>>::reject(
            SystemError("ERR_HTTP_BODY_TOO_LARGE", "Request body larger than maxBodyBytes"));
      return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>(std::move(b)));
    }
    if (fail_) return Promise<std::optional<Buffer>>::reject(fail_);
    return Promise<std::optional<Buffer>>::resolve(std::optional<Buffer>());
  }
  std::shared_ptr<stream::Readable<Buffer>> bodyStream() override {
    if (!stream_) {
      std::vector<Buffer> rest(chunks_.begin() + static_cast<std::ptrdiff_t>(next_), chunks_.end());
      next_ = chunks_.size();
      stream_ = stream::Readable<Buffer>::from(std::move(rest));
    }
    return stream_;
  }
  void setMaxBodyBytes(std::uint64_t n) noexcept override { maxBody_ = n; }
  std::uint64_t maxBodyBytes() const noexcept override { return maxBody_; }

  int statusCode() const noexcept override { return status_; }
  void setStatusCode(int code) override { status_ = code; }
  void setHeader(std::string_view name, std::string_view value) override {
    resHeaders_.set(name, value);
  }
  void appendHeader(std::string_view name, std::string_view value) override {
    resHeaders_.append(name, value);
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return resHeaders_.get(name);
  }
  const http::Headers& responseHeaders() const noexcept override { return resHeaders_; }
  void removeHeader(std::string_view name) override { resHeaders_.remove(name); }
  bool headersSent() const noexcept override { return sent_; }
  bool writableEnded() const noexcept override { return ended_; }
  bool write(std::string_view chunk) override {
    sent_ = true;
    body_ += chunk;
    return true;
  }
  bool write(const Buffer& chunk) override { return write(chunk.byteView()); }
  void end(std::string_view chunk) override {
    write(chunk);
    ended_ = true;
    auto fns = std::move(finish_);
    for (auto& f : fns) f();
  }
  void end(const Buffer& chunk) override { end(chunk.byteView()); }
  void flushHeaders() override { sent_ = true; }
  Promise<> drained() override { return Promise<>::resolve(); }
  std::shared_ptr<stream::Writable<Buffer>> responseStream() override { return nullptr; }
  void onFinish(MoveFunction<void()> fn) override {
    if (ended_) {
      fn();
    } else {
      finish_.push_back(std::move(fn));
    }
  }

 private:
  static bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      char x = a[i], y = b[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
      if (x != y) return false;
    }
    return true;
  }

  std::string method_, target_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<Buffer> chunks_;
  std::size_t next_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t maxBody_ = 1024 * 1024;
  std::exception_ptr fail_;
  std::shared_ptr<stream::Readable<Buffer>> stream_;
  int status_ = 200;
  http::Headers resHeaders_;
  std::string body_;
  bool sent_ = false;
  bool ended_ = false;
  std::vector<MoveFunction<void()>> finish_;
};

/// Runs `ex` through `app` and the loop until both are done; returns whether the chain
/// settled (it must, for every test).
inline bool exchange(App& app, TestExchange& ex) {
  Promise<> p = app.handle(ex);
  run();
  return !p.isPending();
}

}  // namespace nx::web::bodytest
