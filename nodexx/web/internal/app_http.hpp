// SPDX-License-Identifier: MIT
// The exchange adapter for HTTP/1.1: web::Request/Response over http::IncomingMessage and
// http::ServerResponse. Internal.
#pragma once

#include <string>

#include "nodexx/http/incoming_message.hpp"
#include "nodexx/http/server_response.hpp"
#include "nodexx/web/internal/exchange.hpp"

namespace nx::web::detail {

class HttpExchange final : public Exchange {
 public:
  void bind(http::IncomingMessage& req, http::ServerResponse& res) noexcept {
    req_ = &req;
    res_ = &res;
    remoteKnown_ = false;
  }

  std::string_view method() const noexcept override { return req_->method(); }
  std::string_view target() const noexcept override { return req_->url(); }
  std::string_view httpVersion() const noexcept override { return req_->httpVersion(); }
  std::optional<std::string_view> header(std::string_view name) const noexcept override {
    return req_->header(name);
  }
  std::size_t headerCount() const noexcept override { return req_->headerCount(); }
  std::pair<std::string_view, std::string_view> headerAt(std::size_t i) const noexcept override {
    auto f = req_->headerAt(i);
    return {f.name, f.value};
  }
  std::string_view remoteAddress() override {
    if (!remoteKnown_) {
      remote_ = req_->remoteAddress();
      remoteKnown_ = true;
    }
    return remote_;
  }
  bool encrypted() const noexcept override { return req_->encrypted(); }
  Promise<std::optional<Buffer>> read() override { return req_->read(); }
  std::shared_ptr<stream::Readable<Buffer>> bodyStream() override { return req_->stream(); }
  void setMaxBodyBytes(std::uint64_t n) noexcept override { req_->setMaxBodyBytes(n); }
  std::uint64_t maxBodyBytes() const noexcept override { return req_->maxBodyBytes(); }

  int statusCode() const noexcept override { return res_->statusCode; }
  void setStatusCode(int code) override { res_->statusCode = code; }
  void setHeader(std::string_view name, std::string_view value) override {
    res_->setHeader(name, value);
  }
  void appendHeader(std::string_view name, std::string_view value) override {
    res_->appendHeader(name, value);
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    return res_->getHeader(name);
  }
  const http::Headers& responseHeaders() const noexcept override { return res_->getHeaders(); }
  void removeHeader(std::string_view name) override { res_->removeHeader(name); }
  bool headersSent() const noexcept override { return res_->headersSent(); }
  bool writableEnded() const noexcept override { return res_->writableEnded(); }
  bool write(std::string_view chunk) override { return static_cast<bool>(res_->write(chunk)); }
  bool write(const Buffer& chunk) override { return static_cast<bool>(res_->write(chunk)); }
  void end(std::string_view chunk) override { res_->end(chunk); }
  void end(const Buffer& chunk) override { res_->end(chunk); }
  void flushHeaders() override { res_->flushHeaders(); }
  Promise<> drained() override { return res_->drained(); }
  std::shared_ptr<stream::Writable<Buffer>> responseStream() override { return res_->stream(); }
  void onFinish(MoveFunction<void()> fn) override;

 private:
  http::IncomingMessage* req_ = nullptr;
  http::ServerResponse* res_ = nullptr;
  std::string remote_;
  bool remoteKnown_ = false;
};

}  // namespace nx::web::detail
