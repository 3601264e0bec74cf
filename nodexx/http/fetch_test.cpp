// SPDX-License-Identifier: MIT
#include "nodexx/http/fetch.hpp"

#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/internal/client_test_peer.hpp"

namespace nx::http {
namespace {

using testing::NodeHttpPeer;

struct Result {
  int status = 0;
  bool ok = false;
  bool redirected = false;
  std::string url;
  std::string text;
  std::string contentEncoding;
  std::string error;
};

Promise<Result> get(std::string url, FetchInit init) {
  Result r;
  try {
    auto res = co_await fetch(url, init);
    r.status = res.status();
    r.ok = res.ok();
    r.redirected = res.redirected();
    r.url = res.url();
    r.contentEncoding = std::string(res.headers().get("content-encoding").value_or(""));
    r.text = co_await res.text();
  } catch (const SystemError& e) {
    r.error = std::string(e.code()) + ": " + e.what();
  }
  co_return r;
}

class FetchTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    if (peer.port() == 0) GTEST_SKIP() << "node is not on PATH; the fetch tests need it";
  }
  void TearDown() override {
    agent.destroy();
    loop.run();
  }
  FetchInit init() {
    FetchInit i;
    i.agent = &agent;
    return i;
  }
  Result run(std::string path, FetchInit i) {
    auto p = get(peer.url(path), i);
    loop.run();
    Result out;
    EXPECT_TRUE(p.isFulfilled());
    (void)p.then([&out](Result& r) { out = r; });
    loop.run();
    return out;
  }

  NodeHttpPeer peer;
  Agent agent;
};

TEST_F(FetchTest, TextOfAPlainResponse) {
  auto r = run("/hello", init());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, "hello");
  EXPECT_FALSE(r.redirected);
}

TEST_F(FetchTest, ErrorStatusIsNotARejection) {
  auto r = run("/missing", init());
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "not found");
}

TEST_F(FetchTest, GzipBrotliAndDeflateBodiesAreDecoded) {
  auto g = run("/gzip?n=5", init());
  EXPECT_EQ(g.text, "gzipped zzzzz") << g.error;
  EXPECT_EQ(g.contentEncoding, "gzip");
  auto b = run("/br", init());
  EXPECT_EQ(b.text, "brotli body") << b.error;
  auto d = run("/deflate", init());
  EXPECT_EQ(d.text, "deflated body") << d.error;
  auto echo = run("/echo", init());
  EXPECT_NE(echo.text.find("\"ae\":\"gzip, deflate, br\""), std::string::npos) << echo.text;
}

TEST_F(FetchTest, DecompressFalseGivesTheRawBytes) {
  auto i = init();
  i.decompress = false;
  auto g = run("/gzip?n=5", i);
  ASSERT_GE(g.text.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(g.text[0]), 0x1f);  // the gzip magic
  auto echo = run("/echo", i);
  EXPECT_NE(echo.text.find("\"ae\":\"\""), std::string::npos) << echo.text;
}

TEST_F(FetchTest, DecodedBodyLargerThanTheLimitFails) {
  auto i = init();
  i.maxResponseBytes = 1000;
  auto r = run("/gzip?n=100000", i);
  EXPECT_EQ(r.error.substr(0, 27), "ERR_HTTP_RESPONSE_TOO_LARGE") << r.error;
  auto plain = run("/big?n=5000", i);
  EXPECT_EQ(plain.error.substr(0, 27), "ERR_HTTP_RESPONSE_TOO_LARGE") << plain.error;
}

TEST_F(FetchTest, RedirectsAreManualByDefault) {
  auto r = run("/redirect?n=2", init());
  EXPECT_EQ(r.status, 302);
  EXPECT_FALSE(r.redirected);
}

TEST_F(FetchTest, FollowedRedirectsEndAtTheTarget) {
  auto i = init();
  i.redirect = RedirectMode::Follow;
  auto r = run("/redirect?n=3", i);
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_TRUE(r.redirected);
  EXPECT_EQ(r.url, peer.url("/echo"));
  // The redirects' connections were reused: one socket for four requests.
  EXPECT_EQ(agent.createdSocketCount(), 1u);
}

TEST_F(FetchTest, SeeOtherTurnsPostIntoGetWithoutBody) {
  auto i = init();
  i.redirect = RedirectMode::Follow;
  i.method = "POST";
  i.body = Buffer::from("payload");
  auto r = run("/redirect?n=1&code=303", i);
  EXPECT_NE(r.text.find("\"method\":\"GET\""), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("\"length\":0"), std::string::npos) << r.text;
  auto keep = run("/redirect?n=1&code=307", i);
  EXPECT_NE(keep.text.find("\"method\":\"POST\""), std::string::npos) << keep.text;
  EXPECT_NE(keep.text.find("\"head\":\"payload\""), std::string::npos) << keep.text;
}

TEST_F(FetchTest, RedirectLoopsAndRedirectErrorFail) {
  auto i = init();
  i.redirect = RedirectMode::Follow;
  i.maxRedirects = 5;
  EXPECT_EQ(run("/loop", i).error, "ERR_FETCH_REDIRECT: redirect count exceeded");
  i.redirect = RedirectMode::Error;
  EXPECT_EQ(run("/redirect?n=1", i).error, "ERR_FETCH_REDIRECT: unexpected redirect");
}

TEST_F(FetchTest, DeadlineCoversTheBody) {
  auto i = init();
  i.deadline = std::chrono::milliseconds(150);
  auto r = run("/slow?ms=5000", i);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "ABORT_ERR: The operation was aborted due to timeout");
}

Promise<std::string> readTwice(std::string url, FetchInit init) {
  auto res = co_await fetch(url, init);
  auto first = co_await res.text();
  try {
    (void)co_await res.text();
  } catch (const SystemError& e) {
    co_return first + " | " + std::string(e.code());
  }
  co_return first + " | read twice";
}

TEST_F(FetchTest, BodyCanBeReadOnce) {
  auto p = readTwice(peer.url("/hello"), init());
  loop.run();
  std::string out;
  (void)p.then([&out](std::string& s) { out = s; });
  loop.run();
  EXPECT_EQ(out, "hello | ERR_INVALID_STATE");
}

TEST_F(FetchTest, InvalidUrlRejects) {
  auto p = get("not a url", init());
  loop.run();
  Result out;
  (void)p.then([&out](Result& r) { out = r; });
  loop.run();
  EXPECT_EQ(out.error, "ERR_INVALID_URL: Invalid URL");
}

}  // namespace
}  // namespace nx::http
