// SPDX-License-Identifier: MIT
// The in-memory exchange of testing::inject(): a request given as values, a response recorded
// into strings. Internal.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nodexx/http/headers.hpp"
#include "nodexx/web/internal/exchange.hpp"

namespace nx::web::detail {

class MemoryExchange final : public Exchange {
 public:
  std::string method_;
  std::string target_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  std::string remote_;
  bool encrypted_ = false;
  std::uint64_t maxBodyBytes_ = 0;
  bool bodyRead_ = false;

  int status_ = 200;
  http::Headers responseHeaders_;
  std::string responseBody_;
  bool headersSent_ = false;
  bool ended_ = false;
  std::vector<MoveFunction<void()>> onFinish_;
  std::optional<Promise<>::Resolvers> endedPromise;

  std::string_view method() const noexcept override { return method_; }
  std::string_view target() const noexcept override { return target_; }
  std::string_view httpVersion() const noexcept override { return "1.1"; }
  std::optional<std::string_view> header(std::string_view name) const noexcept override;
  std::size_t headerCount() const noexcept override { return headers_.size(); }
  std::pair<std::string_view, std::string_view> headerAt(std::size_t i) const noexcept override {
    return {headers_[i].first, headers_[i].second};
  }
  std::string_view remoteAddress() override { return remote_; }
  bool encrypted() const noexcept override { return encrypted_; }
  Promise<std::optional<Buffer>> read() override;
  std::shared_ptr<stream::Readable<Buffer>> bodyStream() override;
  void setMaxBodyBytes(std::uint64_t n) noexcept override { maxBodyBytes_ = n; }
  std::uint64_t maxBodyBytes() const noexcept override { return maxBodyBytes_; }

  int statusCode() const noexcept override { return status_; }
  void setStatusCode(int code) override { status_ = code; }
  void setHeader(std::string_view name, std::string_view value) override;
  void appendHeader(std::string_view name, std::string_view value) override;
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return responseHeaders_.get(name);
  }
  const http::Headers& responseHeaders() const noexcept override { return responseHeaders_; }
  void removeHeader(std::string_view name) override;
  bool headersSent() const noexcept override { return headersSent_; }
  bool writableEnded() const noexcept override { return ended_; }
  bool write(std::string_view chunk) override;
  bool write(const Buffer& chunk) override;
  void end(std::string_view chunk) override;
  void end(const Buffer& chunk) override;
  void flushHeaders() override { headersSent_ = true; }
  Promise<> drained() override { return Promise<>::resolve(); }
  std::shared_ptr<stream::Writable<Buffer>> responseStream() override;
  void onFinish(MoveFunction<void()> fn) override;

 private:
  bool bodyAllowed() const noexcept;
  std::shared_ptr<stream::Writable<Buffer>> writable_;
};

}  // namespace nx::web::detail
