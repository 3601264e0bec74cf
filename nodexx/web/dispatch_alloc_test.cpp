// SPDX-License-Identifier: MIT
// Proof of the hot-path rule for the web layer: a GET through 10 synchronous middleware and a
// parameterised route answering res.send() allocates nothing after warm-up. The binary's
// operator new counts allocations made while counting is switched on. The exchange used here
// stores response fields in fixed buffers, so that what is measured is the web layer alone
// (App, Router, dispatch, Request, Response), not a transport's header storage.
#include <array>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

// This test binary's only replacement of the global operator new.
#define NX_REPLACE_OPERATOR_NEW
#include "nodexx/core/internal/alloc_counter.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/internal/exchange.hpp"

namespace nx::web {
namespace {

// An exchange with fixed-size storage: nothing it does allocates.
class FixedExchange final : public detail::Exchange {
 public:
  std::string_view target_ = "/users/42";
  int status_ = 200;
  struct Field {
    std::array<char, 32> name{};
    std::array<char, 64> value{};
    std::size_t nameLen = 0;
    std::size_t valueLen = 0;
  };
  std::array<Field, 8> fields_{};
  std::size_t count_ = 0;
  bool ended_ = false;
  std::size_t bodyBytes_ = 0;

  void resetResponse() {
    status_ = 200;
    count_ = 0;
    ended_ = false;
    bodyBytes_ = 0;
  }
  std::string_view method() const noexcept override { return "GET"; }
  std::string_view target() const noexcept override { return target_; }
  std::string_view httpVersion() const noexcept override { return "1.1"; }
  std::optional<std::string_view> header(std::string_view name) const noexcept override {
    if (http::equalsIgnoreCase(name, "host")) return std::string_view("localhost");
    return std::nullopt;
  }
  std::size_t headerCount() const noexcept override { return 1; }
  std::pair<std::string_view, std::string_view> headerAt(std::size_t) const noexcept override {
    return {"host", "localhost"};
  }
  std::string_view remoteAddress() override { return "127.0.0.1"; }
  bool encrypted() const noexcept override { return false; }
  Promise<std::optional<Buffer>> read() override { return {}; }
  std::shared_ptr<stream::Readable<Buffer>> bodyStream() override { return nullptr; }
  void setMaxBodyBytes(std::uint64_t) noexcept override {}
  std::uint64_t maxBodyBytes() const noexcept override { return 0; }
  int statusCode() const noexcept override { return status_; }
  void setStatusCode(int code) override { status_ = code; }
  Field* find(std::string_view name) noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      if (http::equalsIgnoreCase({fields_[i].name.data(), fields_[i].nameLen}, name)) {
        return &fields_[i];
      }
    }
    return nullptr;
  }
  void setHeader(std::string_view name, std::string_view value) override {
    Field* f = find(name);
    if (f == nullptr) f = &fields_.at(count_++);
    std::memcpy(f->name.data(), name.data(), f->nameLen = std::min(name.size(), f->name.size()));
    std::memcpy(f->value.data(), value.data(),
                f->valueLen = std::min(value.size(), f->value.size()));
  }
  void appendHeader(std::string_view name, std::string_view value) override {
    setHeader(name, value);
  }
  std::optional<std::string_view> getHeader(std::string_view name) const noexcept override {
    Field* f = const_cast<FixedExchange*>(this)->find(name);
    if (f == nullptr) return std::nullopt;
    return std::string_view(f->value.data(), f->valueLen);
  }
  const http::Headers& responseHeaders() const noexcept override { return empty_; }
  void removeHeader(std::string_view name) override {
    if (Field* f = find(name)) *f = fields_[--count_];
  }
  bool headersSent() const noexcept override { return ended_; }
  bool writableEnded() const noexcept override { return ended_; }
  bool write(std::string_view chunk) override {
    bodyBytes_ += chunk.size();
    return true;
  }
  bool write(const Buffer& chunk) override { return write(std::string_view()) || chunk.empty(); }
  void end(std::string_view chunk) override {
    bodyBytes_ += chunk.size();
    ended_ = true;
  }
  void end(const Buffer&) override { ended_ = true; }
  void flushHeaders() override {}
  Promise<> drained() override { return {}; }
  std::shared_ptr<stream::Writable<Buffer>> responseStream() override { return nullptr; }
  void onFinish(MoveFunction<void()>) override {}

 private:
  http::Headers empty_;
};

class DispatchAllocTest : public nx::testing::FreshLoop {
 protected:
  /// Runs `ex` through `app` three times to warm the pooled state (each run must complete
  /// synchronously), then returns the allocations of 100 more runs.
  static std::size_t allocationsAfterWarmUp(App& app, FixedExchange& ex) {
    for (int i = 0; i < 3; ++i) {
      ex.resetResponse();
      Promise<> p = app.handle(ex);
      EXPECT_FALSE(static_cast<bool>(p)) << "a synchronous chain completes synchronously";
      EXPECT_TRUE(ex.ended_);
    }
    EXPECT_TRUE(nx::testing::allocationsAreCounted());
    return nx::testing::countAllocations([&] {
      for (int i = 0; i < 100; ++i) {
        ex.resetResponse();
        (void)app.handle(ex);
      }
    });
  }
};

TEST_F(DispatchAllocTest, SyncChainWithParamRouteAllocatesNothingAfterWarmUp) {
  App app;
  int hits = 0;
  for (int i = 0; i < 10; ++i) {
    app.use([&hits](Request&, Response&, Next next) {
      ++hits;
      next();
    });
  }
  app.get("/users/:id", [](Request& req, Response& res) {
    if (req.param("id") != "42") throw HttpError(500, "wrong_param", "bad");
    res.send("Hello, World!");
  });
  FixedExchange ex;
  EXPECT_EQ(allocationsAfterWarmUp(app, ex), 0u);
  EXPECT_EQ(ex.status_, 200);
  EXPECT_EQ(ex.bodyBytes_, 13u);
  EXPECT_EQ(hits, 103 * 10);
}

// bench/web's application: middleware setting response headers and locals, a route with two
// params answering through res.type() (a Content-Type looked up in the mime table) and
// res.send() (charset check, Content-Length, freshness).
TEST_F(DispatchAllocTest, HeadersLocalsTypeAndSendAllocateNothingAfterWarmUp) {
  App app;
  for (int i = 0; i < 10; ++i) {
    if (i % 2 == 0) {
      app.use([](Request&, Response& res, Next next) {
        res.set("X-Mw", "1");
        next();
      });
    } else {
      app.use([i](Request&, Response& res, Next next) {
        res.locals().set(i == 1 ? "mw1" : "mw3", i);
        next();
      });
    }
  }
  app.get("/users/:id/items/:item", [](Request& req, Response& res) {
    res.type("text/plain");
    res.send(req.param("item"));
  });
  FixedExchange ex;
  ex.target_ = "/users/42/items/seven";
  EXPECT_EQ(allocationsAfterWarmUp(app, ex), 0u);
  EXPECT_EQ(ex.status_, 200);
  EXPECT_EQ(ex.bodyBytes_, 5u);
  EXPECT_EQ(ex.getHeader("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(ex.getHeader("content-length"), "5");
  EXPECT_EQ(ex.getHeader("x-mw"), "1");
}

}  // namespace
}  // namespace nx::web
