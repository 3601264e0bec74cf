// SPDX-License-Identifier: MIT
#include "nodexx/http/server.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/serve_test.hpp"
#include "nodexx/http/internal/server_test_client.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;
using testing::bodyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RawClient;
using ::testing::StartsWith;
using testing::statusOf;
using testing::withoutDate;

class ServerTest : public nx::testing::FreshLoop {
 protected:
  template <class F>
  auto withClient(Server& server, F client) {
    return testing::serveWhile(loop, server, std::move(client));
  }

  static std::string get(int port, const std::string& request) {
    RawClient c(port);
    c.send(request);
    return c.readResponse();
  }
};

auto hello() {
  return [](IncomingMessage&, ServerResponse& res) { res.end("hello"); };
}

TEST_F(ServerTest, AnswersWithContentLengthDateAndKeepAliveLikeNode) {
  Server server(hello());
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(withoutDate(r),
            "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Content-Length: 5\r\n\r\nhello");
}

TEST_F(ServerTest, DateFieldIsAnImfFixdate) {
  Server server(hello());
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  std::size_t p = r.find("\r\nDate: ");
  ASSERT_NE(p, std::string::npos);
  std::string date = r.substr(p + 8, r.find("\r\n", p + 2) - p - 8);
  EXPECT_EQ(date.size(), 29u) << date;
  EXPECT_THAT(date, ::testing::EndsWith(" GMT"));
}

TEST_F(ServerTest, RequestExposesMethodUrlPathQueryVersionAndHeaders) {
  std::string seen;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    seen = std::string(req.method()) + "|" + std::string(req.url()) + "|" +
           std::string(req.path()) + "|" + std::string(req.query()) + "|" +
           std::string(req.httpVersion()) + "|" + std::string(req.header("x-CASE").value_or("-")) +
           "|" + std::to_string(req.headerCount()) + "|" + std::string(req.headerAt(1).name);
    res.end();
  });
  withClient(server, [](int port) {
    return get(port, "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: x\r\nX-Case:  v  \r\n\r\n");
  });
  EXPECT_EQ(seen, "GET|/a/b?x=1&y=2|/a/b|x=1&y=2|1.1|v|2|X-Case");
}

TEST_F(ServerTest, PathEndsAtTheFirstQuestionMarkOrHashAtEveryOffset) {
  // path() scans a word at a time: put the delimiter at every offset of URLs up to three
  // words long, and leave it out.
  std::vector<std::string> urls, expected;
  for (std::size_t len = 1; len <= 24; ++len) {
    const std::string plain = "/" + std::string(len - 1, 'a');
    urls.push_back(plain);
    expected.push_back(plain);
    for (std::size_t at = 1; at < len; ++at) {
      for (char d : {'?', '#'}) {
        std::string u = plain;
        u[at] = d;
        u += "x?#";
        urls.push_back(u);
        expected.push_back(plain.substr(0, at));
      }
    }
  }
  std::vector<std::string> seen;
  Server server([&](IncomingMessage& req, ServerResponse& res) {
    seen.emplace_back(req.path());
    res.end();
  });
  withClient(server, [&urls](int port) {
    RawClient c(port);
    std::string all;
    for (const std::string& u : urls) all += "GET " + u + " HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(all + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.readAll();
  });
  expected.emplace_back("/");
  EXPECT_EQ(seen, expected);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  int count = 0;
  Server server([&](IncomingMessage&, ServerResponse& res) { res.end(std::to_string(++count)); });
  auto bodies = withClient(server, [](int port) {
    RawClient c(port);
    std::string out;
    for (int i = 0; i < 3; ++i) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      out += std::string(bodyOf(c.readResponse()));
    }
    return out;
  });
  EXPECT_EQ(bodies, "123");
}

TEST_F(ServerTest, PipelinedResponsesComeBackInRequestOrderEvenWhenHandlersFinishOutOfOrder) {
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    // The first request is the slowest: its answer must still come first.
    std::string path(req.path());
    co_await nx::sleep(path == "/1" ? 60 : path == "/2" ? 30 : 1);
    res.end(path);
  });
  std::string all = withClient(server, [](int port) {
    RawClient c(port);
    c.send(
        "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return c.readAll();
  });
  std::size_t a = all.find("\r\n\r\n/1"), b = all.find("\r\n\r\n/2"), c = all.find("\r\n\r\n/3");
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(c, std::string::npos) << all;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(ServerTest, ManyPipelinedSyncRequestsInOneWriteAreAllAnswered) {
  Server server(hello());
  std::string all = withClient(server, [](int port) {
    RawClient c(port);
    std::string req;
    for (int i = 0; i < 16; ++i) req += "GET /p HTTP/1.1\r\nHost: x\r\n\r\n";
    req += "GET /p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    c.send(req);
    return c.readAll();
  });
  std::size_t n = 0;
  for (std::size_t p = 0; (p = all.find("HTTP/1.1 200 OK", p)) != std::string::npos; ++p) ++n;
  EXPECT_EQ(n, 17u);
}

TEST_F(ServerTest, ResponsesQueuedBehindABackedUpSocketArriveWholeAndInOrder) {
  // The first answer is larger than the socket buffers and the client does not read at
  // first, so the later answers, finished on later loop turns, are formatted into the
  // connection's own queue instead of the shared batch.
  const std::string big(32 << 20, 'b');
  Server server([&big](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    if (req.path() == "/big") {
      res.end(big);
      co_return;
    }
    co_await nx::sleep(1);
    res.setHeader("X-Path", req.path());
    res.end(std::string(req.path()) + " done");
  });
  std::string all = withClient(server, [](int port) {
    RawClient c(port);
    std::string req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 5; ++i)
      req += "GET /s" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(req + "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::this_thread::sleep_for(200ms);  // the socket stays backed up meanwhile
    return c.readAll();
  });
  const std::size_t bigEnd = all.find("\r\n\r\n") + 4 + big.size();
  ASSERT_LE(bigEnd, all.size());
  EXPECT_EQ(all.substr(0, 200).find("Content-Length: 33554432\r\n") != std::string::npos, true);
  std::string rest = withoutDate(all.substr(bigEnd));
  std::string expected;
  for (int i = 0; i < 6; ++i) {
    const std::string path = i < 5 ? "/s" + std::to_string(i) : "/last";
    const std::string body = path + " done";
    expected +=
        "HTTP/1.1 200 OK\r\nX-Path: " + path + "\r\nDate: X\r\n" +
        (i < 5 ? "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n" : "Connection: close\r\n") +
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  EXPECT_EQ(rest, expected);
}

TEST_F(ServerTest, ChunkedRequestBodyIsDecoded) {
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    Buffer body = co_await req.body();
    res.end("got:" + body.toString());
  });
  std::string r = withClient(server, [](int port) {
    return get(port,
               "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  });
  EXPECT_EQ(bodyOf(r), "got:hello world");
}

TEST_F(ServerTest, BodySplitAcrossReadsKeepsHeaderViewsValid) {
  std::string seen;
  Server server([&](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    Buffer body = co_await req.body();  // suspends across reads: the head must be kept
    seen = std::string(req.header("x-long").value_or("")) + "|" + std::string(req.url());
    res.end(body);
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("POST /keep?me=1 HTTP/1.1\r\nHost: x\r\nX-Lo");
    std::this_thread::sleep_for(30ms);
    c.send("ng: " + std::string(100, 'v') + "\r\nContent-Length: 6\r\n\r\nab");
    std::this_thread::sleep_for(30ms);
    c.send("cdef");
    return c.readResponse();
  });
  EXPECT_EQ(seen, std::string(100, 'v') + "|/keep?me=1");
  EXPECT_EQ(bodyOf(r), "abcdef");
}

TEST_F(ServerTest, WriteWithoutContentLengthIsChunked) {
  Server server([](IncomingMessage&, ServerResponse& res) {
    EXPECT_TRUE(static_cast<bool>(res.write("ab")));
    res.end("cd");
  });
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(withoutDate(r),
            "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
            "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n");
}

TEST_F(ServerTest, HeadGetsTheHeadersOfGetAndNoBody) {
  Server server([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Type", "text/plain");
    res.end("hello");
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string head = c.readResponse(true);
    std::string get = c.readResponse();
    return head + "#" + get;
  });
  EXPECT_EQ(withoutDate(r.substr(0, r.find('#'))),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(bodyOf(r.substr(r.find('#') + 1)), "hello");
}

TEST_F(ServerTest, NoContentAndNotModifiedHaveNoBodyOrLength) {
  Server server([](IncomingMessage& req, ServerResponse& res) {
    res.statusCode = req.path() == "/204" ? 204 : 304;
    res.end("ignored");
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
    return c.readResponse() + c.readResponse() + "#" + c.pending();
  });
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 204 No Content\r\n"));
  EXPECT_THAT(r, HasSubstr("HTTP/1.1 304 Not Modified\r\n"));
  EXPECT_THAT(r, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(r, Not(HasSubstr("ignored")));
}

TEST_F(ServerTest, Http10GetsConnectionCloseAndBodyDelimitedByClose) {
  Server server([](IncomingMessage&, ServerResponse& res) {
    (void)res.write("a");
    res.end("b");
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.0\r\n\r\n");
    return c.readAll();
  });
  EXPECT_EQ(withoutDate(r), "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n\r\nab");
}

TEST_F(ServerTest, Http10KeepAliveIsHonoured) {
  Server server(hello());
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    std::string a = c.readResponse();
    c.send("GET / HTTP/1.0\r\n\r\n");
    return a + c.readResponse();
  });
  EXPECT_THAT(r, HasSubstr("Connection: keep-alive\r\n"));
  EXPECT_THAT(r, HasSubstr("Connection: close\r\n"));
}

TEST_F(ServerTest, ExpectContinueGets100BeforeTheBody) {
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    Buffer b = co_await req.body();
    res.end(b);
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    std::string cont = c.readResponse();
    c.send("abc");
    return cont + "#" + c.readResponse();
  });
  EXPECT_THAT(r, StartsWith("HTTP/1.1 100 Continue\r\n\r\n#HTTP/1.1 200 OK"));
  EXPECT_THAT(r, ::testing::EndsWith("\r\n\r\nabc"));
}

TEST_F(ServerTest, CheckContinueListenerDecidesInsteadOfTheAutomatic100) {
  Server server([](IncomingMessage&, ServerResponse& res) { res.end("handler"); });
  server.onCheckContinue.on([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 401;
    res.end("no");
  });
  std::string r = withClient(server, [](int port) {
    return get(port,
               "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  });
  EXPECT_EQ(statusOf(r), 401);
  EXPECT_EQ(bodyOf(r), "no");
}

TEST_F(ServerTest, UnknownExpectationGets417) {
  Server server(hello());
  std::string r = withClient(server, [](int port) {
    return get(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx");
  });
  EXPECT_EQ(statusOf(r), 417);
}

TEST_F(ServerTest, Http11RequestWithoutHostGets400AndCloseUnlessHostIsNotRequired) {
  Server strict(hello());
  auto r = withClient(strict, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\n\r\n");
    std::string response = c.readResponse();
    return std::make_pair(response, c.closedByPeer());
  });
  EXPECT_EQ(statusOf(r.first), 400) << r.first;
  EXPECT_THAT(r.first, HasSubstr("Connection: close"));
  EXPECT_TRUE(r.second);
  // HTTP/1.0 has no Host requirement.
  Server again(hello());
  std::string old = withClient(again, [](int port) { return get(port, "GET / HTTP/1.0\r\n\r\n"); });
  EXPECT_EQ(statusOf(old), 200) << old;

  ServerOptions lax;
  lax.requireHostHeader = false;
  Server relaxed(hello(), lax);
  std::string served =
      withClient(relaxed, [](int port) { return get(port, "GET / HTTP/1.1\r\n\r\n"); });
  EXPECT_EQ(statusOf(served), 200) << served;
}

TEST_F(ServerTest, ExpectContinueWithTooLargeContentLengthGets413Not100) {
  Server server(
      [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        try {
          co_await req.body();
        } catch (...) {
        }
        if (!res.writableEnded()) res.end("unexpected");
      },
      ServerOptions{.maxBodyBytes = 10});
  std::string r = withClient(server, [](int port) {
    return get(port,
               "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  });
  EXPECT_EQ(statusOf(r), 413);
  EXPECT_THAT(r, HasSubstr("Content-Type: application/problem+json\r\n"));
  EXPECT_THAT(r, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(std::string(bodyOf(r)), HasSubstr("\"code\":\"payload_too_large\""));
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitGets413AndCloses) {
  Server server(
      [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        try {
          co_await req.body();
          res.end("unexpected");
        } catch (const SystemError& e) {
          EXPECT_EQ(e.code(), "ERR_HTTP_BODY_TOO_LARGE");
        }
      },
      ServerOptions{.maxBodyBytes = 8});
  auto r = withClient(server, [](int port) {
    RawClient c(port);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n");
    std::string resp = c.readResponse();
    return std::make_pair(resp, c.closedByPeer());
  });
  EXPECT_EQ(statusOf(r.first), 413);
  EXPECT_TRUE(r.second);
}

TEST_F(ServerTest, SetMaxBodyBytesRaisesTheLimitForOneRequest) {
  Server server(
      [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        req.setMaxBodyBytes(100);
        Buffer b = co_await req.body();
        res.end(std::to_string(b.size()));
      },
      ServerOptions{.maxBodyBytes = 8});
  std::string r = withClient(server, [](int port) {
    return get(port,
               "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n" + std::string(20, 'z'));
  });
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "20");
}

TEST_F(ServerTest, OversizedHeadGets431) {
  Server server(hello(), ServerOptions{.maxHeaderSize = 1024});
  auto r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    std::string resp = c.readResponse();
    return std::make_pair(resp, c.closedByPeer());
  });
  EXPECT_EQ(statusOf(r.first), 431);
  EXPECT_TRUE(r.second);
}

TEST_F(ServerTest, SmugglingAttemptsGet400AndTheConnectionCloses) {
  // The handler reads the body first, so that a bad body is seen before any answer.
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    try {
      Buffer b = co_await req.body();
      res.end(b);
    } catch (const SystemError&) {
      // The server answers a malformed body itself.
    }
  });
  const char* attacks[] = {
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\nHost: x\n\n",
      "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
  };
  auto results = withClient(server, [&attacks](int port) {
    std::vector<std::pair<int, bool>> out;
    for (const char* a : attacks) {
      RawClient c(port);
      c.send(a);
      std::string resp = c.readResponse();
      out.emplace_back(statusOf(resp), c.closedByPeer());
    }
    return out;
  });
  ASSERT_EQ(results.size(), std::size(attacks));
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_TRUE(results[i].first == 400 || results[i].first == 501)
        << i << ": " << results[i].first;
    EXPECT_TRUE(results[i].second) << i;
  }
  EXPECT_EQ(results[0].first, 400);
}

TEST_F(ServerTest, UnsupportedTransferCodingGets501AndHttp2Gets505) {
  Server server(hello());
  auto r = withClient(server, [](int port) {
    return std::make_pair(
        get(port,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        get(port, "GET / HTTP/2.0\r\nHost: x\r\n\r\n"));
  });
  EXPECT_EQ(statusOf(r.first), 501);
  EXPECT_EQ(statusOf(r.second), 505);
}

TEST_F(ServerTest, ClientErrorEventReportsTheParseError) {
  Server server(hello());
  std::string code;
  int status = 0;
  server.onClientError.on([&](const ParseError& e) {
    code = std::string(e.code());
    status = e.status();
  });
  withClient(server, [](int port) { return get(port, "BREW / HTTP/1.1\r\n\r\n"); });
  EXPECT_EQ(code, "HPE_INVALID_METHOD");
  EXPECT_EQ(status, 400);
}

TEST_F(ServerTest, SlowHeadersAreCutWith408WhileOtherClientsAreServed) {
  ServerOptions o;
  o.headersTimeout = 200ms;
  o.connectionsCheckingInterval = 20ms;
  Server server(hello(), o);
  auto r = withClient(server, [](int port) {
    RawClient slow(port);
    slow.send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its head
    std::string fast = get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string cut = slow.readResponse();
    return std::make_tuple(statusOf(fast), statusOf(cut), slow.closedByPeer());
  });
  EXPECT_EQ(std::get<0>(r), 200);
  EXPECT_EQ(std::get<1>(r), 408);
  EXPECT_TRUE(std::get<2>(r));
}

TEST_F(ServerTest, SlowBodyIsCutByRequestTimeout) {
  ServerOptions o;
  o.requestTimeout = 200ms;
  o.connectionsCheckingInterval = 20ms;
  Server server(
      [](IncomingMessage& req, ServerResponse& res) -> Promise<> {
        try {
          co_await req.body();
        } catch (...) {
        }
        if (!res.writableEnded()) res.end("late");
      },
      o);
  auto r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    std::string resp = c.readResponse();
    return std::make_pair(statusOf(resp), c.closedByPeer());
  });
  EXPECT_EQ(r.first, 408);
  EXPECT_TRUE(r.second);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterKeepAliveTimeout) {
  ServerOptions o;
  o.keepAliveTimeout = 100ms;
  o.connectionsCheckingInterval = 20ms;
  Server server(hello(), o);
  auto closed = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    c.readResponse();
    return c.closedByPeer(5s);
  });
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, ThrowingHandlerGives500AndIsReported) {
  Server server([](IncomingMessage&, ServerResponse&) { throw std::runtime_error("boom"); });
  std::string reported;
  server.onHandlerError.on([&](std::exception_ptr e, IncomingMessage&) { reported = describe(e); });
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(statusOf(r), 500);
  EXPECT_THAT(std::string(bodyOf(r)), Not(HasSubstr("boom")));
  EXPECT_THAT(reported, HasSubstr("boom"));
}

TEST_F(ServerTest, RejectedHandlerPromiseGives500) {
  Server server([](IncomingMessage&, ServerResponse&) -> Promise<> {
    co_await nx::sleep(1);
    throw SystemError("E_TEST", "async boom");
  });
  server.onHandlerError.on([](std::exception_ptr, IncomingMessage&) {});
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(statusOf(r), 500);
}

TEST_F(ServerTest, WriteHeadSendsStatusMessageFieldsAndNoDateWhenSendDateIsOff) {
  Server server([](IncomingMessage&, ServerResponse& res) {
    res.sendDate = false;
    res.writeHead(201, {{"X-A", "1"}, {"Content-Length", "2"}});
    res.end("ok");
  });
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(r,
            "HTTP/1.1 201 Created\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: keep-alive\r\n"
            "Keep-Alive: timeout=5\r\n\r\nok");
}

TEST_F(ServerTest, CustomStatusMessageAndInvalidStatusCode) {
  std::string code;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    try {
      res.writeHead(1000);
    } catch (const SystemError& e) {
      code = std::string(e.code());
    }
    res.statusCode = 299;
    res.statusMessage = "Fine";
    res.end();
  });
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(code, "ERR_HTTP_INVALID_STATUS_CODE");
  EXPECT_THAT(r, StartsWith("HTTP/1.1 299 Fine\r\n"));
}

TEST_F(ServerTest, FinishThenCloseAreEmittedWhenTheResponseEnds) {
  std::string events;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    res.onFinish.on([&] { events += "finish,"; });
    res.onClose.on([&] { events += "close,"; });
    res.end("x");
    events += "ended,";
  });
  withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(events, "finish,close,ended,");
}

TEST_F(ServerTest, HeaderMutationAfterHeadersSentThrows) {
  std::string code;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    res.flushHeaders();
    try {
      res.setHeader("X-Late", "1");
    } catch (const SystemError& e) {
      code = std::string(e.code());
    }
    res.end();
  });
  withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(code, "ERR_HTTP_HEADERS_SENT");
}

TEST_F(ServerTest, InvalidResponseHeaderValueIsRejected) {
  std::string code;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    try {
      res.setHeader("X-Split", "a\r\nSet-Cookie: evil");
    } catch (const SystemError& e) {
      code = std::string(e.code());
    }
    res.end();
  });
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(code, "ERR_INVALID_CHAR");
  EXPECT_THAT(r, Not(HasSubstr("evil")));
}

TEST_F(ServerTest, WriteReturnsFalseAtTheMarkAndAwaitingItResumesAfterDrain) {
  bool sawFalse = false;
  Server server(
      [&](IncomingMessage&, ServerResponse& res) -> Promise<> {
        std::string chunk(64 * 1024, 'x');
        for (int i = 0; i < 64; ++i) {
          WriteResult w = res.write(chunk);
          if (!w) sawFalse = true;
          co_await w;
        }
        res.end();
      },
      ServerOptions{.highWaterMark = 16 * 1024});
  std::size_t received = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::this_thread::sleep_for(100ms);  // let the server's socket buffer fill up
    return c.readAll().size();
  });
  EXPECT_TRUE(sawFalse);
  EXPECT_GT(received, 64u * 64 * 1024);
}

TEST_F(ServerTest, MaxRequestsPerSocketClosesAfterTheLastOne) {
  Server server(hello(), ServerOptions{.maxRequestsPerSocket = 2});
  auto r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string a = c.readResponse();
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string b = c.readResponse();
    return std::make_tuple(a, b, c.closedByPeer());
  });
  EXPECT_THAT(std::get<0>(r), HasSubstr("Connection: keep-alive"));
  EXPECT_THAT(std::get<1>(r), HasSubstr("Connection: close"));
  EXPECT_TRUE(std::get<2>(r));
}

TEST_F(ServerTest, GracefulCloseFinishesInFlightRequestsAndClosesIdleOnes) {
  std::string order;
  bool started = false;
  Server server([&](IncomingMessage&, ServerResponse& res) -> Promise<> {
    started = true;
    co_await nx::sleep(100);
    res.end("done");
  });
  auto task = [](Server& s, bool& handlerStarted, std::string& log) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    Promise<std::string> busy = threadpool::run([port] {
      RawClient c(port);
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      std::string r = c.readResponse();
      return r + (c.closedByPeer() ? "#closed" : "#open");
    });
    Promise<bool> idle = threadpool::run([port] {
      RawClient c(port);
      return c.closedByPeer(5s);
    });
    // Wait (by polling, the machine may be slow) until both clients are in.
    for (int i = 0; i < 1000 && (s.connectionCount() < 2 || !handlerStarted); ++i) {
      co_await nx::sleep(5);
    }
    EXPECT_EQ(s.connectionCount(), 2u);
    Promise<> closing = s.close();
    EXPECT_FALSE(s.listening());
    std::string r = co_await busy;
    log += std::to_string(statusOf(r)) +
           (r.find("Connection: close") != std::string::npos ? "close" : "ka");
    log += r.substr(r.find('#'));
    log += (co_await idle) ? "|idle-closed" : "|idle-open";
    co_await closing;
    log += "|server-closed";
  };
  Promise<> p = task(server, started, order);
  loop.run();
  EXPECT_EQ(order, "200close#closed|idle-closed|server-closed");
}

TEST_F(ServerTest, CloseWithDeadlineForcesStuckConnections) {
  bool started = false;
  Server server([&](IncomingMessage&, ServerResponse&) -> Promise<> {
    started = true;
    co_await nx::sleep(300);  // longer than the deadline; ends nothing
  });
  bool closed = false;
  auto task = [](Server& s, bool& handlerStarted, bool& done) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    Promise<bool> client = threadpool::run([port] {
      RawClient c(port);
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      return c.closedByPeer(5s);
    });
    for (int i = 0; i < 1000 && !handlerStarted; ++i) co_await nx::sleep(5);
    co_await s.close(50ms);
    EXPECT_EQ(s.connectionCount(), 0u);
    done = co_await client;
  };
  Promise<> p = task(server, started, closed);
  loop.run();
  EXPECT_TRUE(closed);
  EXPECT_FALSE(p.isRejected());
}

TEST_F(ServerTest, CloseOnAServerThatIsNotListeningRejects) {
  Server server(hello());
  std::string code;
  auto task = [](Server& s, std::string& out) -> Promise<> {
    try {
      co_await s.close();
    } catch (const SystemError& e) {
      out = std::string(e.code());
    }
  };
  Promise<> p = task(server, code);
  loop.run();
  EXPECT_EQ(code, "ERR_SERVER_NOT_RUNNING");
}

TEST_F(ServerTest, ListenOnABusyPortRejectsWithEaddrinuse) {
  Server a(hello()), b(hello());
  std::string code;
  auto task = [](Server& s1, Server& s2, std::string& out) -> Promise<> {
    co_await s1.listen(0, "127.0.0.1");
    try {
      co_await s2.listen(static_cast<std::uint16_t>(s1.address().port), "127.0.0.1");
    } catch (const SystemError& e) {
      out = std::string(e.code());
    }
    co_await s1.close();
  };
  Promise<> p = task(a, b, code);
  loop.run();
  EXPECT_EQ(code, "EADDRINUSE");
}

TEST_F(ServerTest, ServesOverAUnixSocket) {
  std::string path = "/tmp/nx_http_test_" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  Server server(hello());
  std::string r;
  auto task = [](Server& s, std::string p, std::string& out) -> Promise<> {
    co_await s.listen(p);
    EXPECT_EQ(s.address().family, "unix");
    auto job = [p] {
      RawClient c(p);
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      return c.readResponse();
    };
    out = co_await threadpool::run(std::move(job));
    co_await s.close();
  };
  Promise<> p = task(server, path, r);
  loop.run();
  ::unlink(path.c_str());
  EXPECT_EQ(bodyOf(r), "hello");
}

TEST_F(ServerTest, AbortedRequestIsReportedToTheHandler) {
  bool aborted = false;
  std::string code;
  Server server([&](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    try {
      co_await req.body();
    } catch (const SystemError& e) {
      code = std::string(e.code());
    }
    aborted = req.aborted();
    res.end();
  });
  withClient(server, [](int port) {
    RawClient c(port);
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    std::this_thread::sleep_for(50ms);
    return 0;  // the client goes away mid-body
  });
  EXPECT_TRUE(aborted);
  EXPECT_EQ(code, "ECONNRESET");
}

TEST_F(ServerTest, NoHandlerAndNoListenerAnswers404) {
  Server server;
  std::string r =
      withClient(server, [](int port) { return get(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); });
  EXPECT_EQ(statusOf(r), 404);
}

}  // namespace
}  // namespace nx::http
