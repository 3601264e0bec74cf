// SPDX-License-Identifier: MIT
#include "nodexx/http/client.hpp"

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/combinators.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/errors.hpp"
#include "nodexx/http/internal/client_test_peer.hpp"
#include "nodexx/http/url.hpp"

namespace nx::http {
namespace {

using testing::NodeHttpPeer;

/// The code of the exception `p` rejects with ("(fulfilled)" if it does not).
template <class T>
Promise<std::string> codeOf(Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (const SystemError& e) {
    co_return std::string(e.code()) + ": " + e.what();
  } catch (const std::exception& e) {
    co_return std::string("?: ") + e.what();
  }
  co_return "(fulfilled)";
}

Promise<std::string> readAll(std::shared_ptr<IncomingResponse> res) {
  std::string body;
  while (auto chunk = co_await res->read()) body += chunk->byteView();
  co_return body;
}

struct Fetched {
  int status = 0;
  std::string body;
  Headers headers;
  std::string error;
};

Promise<Fetched> fetchText(RequestOptions options) {
  Fetched out;
  try {
    auto req = request(options);
    req->end();
    auto res = co_await req->response();
    out.status = res->statusCode();
    out.headers = res->headers();
    out.body = co_await readAll(res);
  } catch (const SystemError& e) {
    out.error = std::string(e.code()) + ": " + e.what();
  }
  co_return out;
}

class ClientTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    if (peer.port() == 0) GTEST_SKIP() << "node is not on PATH; the client tests need it";
  }
  void TearDown() override {
    agent.destroy();
    loop.run();  // let destroyed sockets close
  }
  RequestOptions opts(const std::string& path) {
    RequestOptions o(peer.url(path));
    o.agent = &agent;
    return o;
  }
  /// Runs the loop until `p` settles and returns its value.
  template <class T>
  T await(Promise<T> p) {
    loop.run();
    EXPECT_TRUE(p.isFulfilled());
    T value{};
    (void)p.then([&value](T& v) { value = v; });
    loop.run();
    return value;
  }

  NodeHttpPeer peer;
  Agent agent;
};

TEST_F(ClientTest, GetReturnsStatusHeadersAndBody) {
  auto r = await(fetchText(opts("/hello")));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.headers.get("content-length"), "5");
}

TEST_F(ClientTest, ChunkedResponseIsDechunked) {
  auto r = await(fetchText(opts("/chunked")));
  EXPECT_EQ(r.body, "abbccc");
  EXPECT_EQ(r.headers.get("transfer-encoding"), "chunked");
}

Promise<std::vector<std::string>> sequential(RequestOptions o, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    auto r = co_await fetchText(o);
    ids.push_back(r.body);
  }
  co_return ids;
}

TEST_F(ClientTest, KeepAliveReusesOneConnection) {
  auto ids = await(sequential(opts("/conn"), 4));
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], ids[3]) << "the server saw different connections";
  EXPECT_EQ(agent.createdSocketCount(), 1u);
  EXPECT_EQ(agent.freeSocketCount(), 1u);
}

TEST_F(ClientTest, NoKeepAliveOpensAConnectionPerRequest) {
  AgentOptions o;
  o.keepAlive = false;
  Agent closing(o);
  auto ro = opts("/conn");
  ro.agent = &closing;
  auto ids = await(sequential(ro, 3));
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_EQ(closing.freeSocketCount(), 0u);
}

Promise<std::vector<Fetched>> concurrent(RequestOptions o, int n) {
  std::vector<Promise<Fetched>> all;
  for (int i = 0; i < n; ++i) all.push_back(fetchText(o));
  std::vector<Fetched> out;
  for (auto& p : all) out.push_back(co_await p);
  co_return out;
}

TEST_F(ClientTest, MaxSocketsQueuesRequestsBeyondTheLimit) {
  AgentOptions ao;
  ao.maxSockets = 2;
  Agent limited(ao);
  auto o = opts("/delay?ms=20");
  o.agent = &limited;
  auto results = await(concurrent(o, 10));
  ASSERT_EQ(results.size(), 10u);
  for (auto& r : results) EXPECT_EQ(r.body, "delayed") << r.error;
  EXPECT_EQ(limited.createdSocketCount(), 2u);
  auto stats = await(fetchText(opts("/stats")));
  // Two pooled connections of `limited` plus the one asking for the stats.
  EXPECT_NE(stats.body.find("\"maxOpen\":3"), std::string::npos) << stats.body;
  limited.destroy();
}

TEST_F(ClientTest, ConnectionRefusedRejectsWithEconnrefused) {
  RequestOptions o("http://127.0.0.1:1/");
  o.agent = &agent;
  auto r = await(fetchText(o));
  EXPECT_EQ(r.error.substr(0, 12), "ECONNREFUSED") << r.error;
}

TEST_F(ClientTest, ServerClosingBeforeTheResponseIsSocketHangUp) {
  auto r = await(fetchText(opts("/close-before-response")));
  EXPECT_EQ(r.error, "ECONNRESET: socket hang up");
}

TEST_F(ClientTest, ServerClosingMidBodyAbortsTheResponse) {
  auto r = await(fetchText(opts("/close-mid-body")));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.error, "ECONNRESET: aborted");
}

TEST_F(ClientTest, IdleTimeoutFailsWithEtimedout) {
  auto o = opts("/hang");
  o.timeout = std::chrono::milliseconds(100);
  auto r = await(fetchText(o));
  EXPECT_EQ(r.error, "ETIMEDOUT: Socket timeout");
  auto slow = opts("/slow?ms=5000");
  slow.timeout = std::chrono::milliseconds(100);
  auto s = await(fetchText(slow));
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.error, "ETIMEDOUT: Socket timeout");
}

TEST_F(ClientTest, DeadlineFailsWithTimeoutError) {
  auto o = opts("/slow?ms=5000");
  o.deadline = std::chrono::milliseconds(150);
  auto r = await(fetchText(o));
  EXPECT_EQ(r.error, "ABORT_ERR: The operation was aborted due to timeout");
}

Promise<std::string> abortAfterHead(RequestOptions o, AbortController* controller) {
  auto req = request(o);
  req->end();
  auto res = co_await req->response();
  controller->abort();
  co_return co_await codeOf(readAll(res));
}

TEST_F(ClientTest, AbortSignalStopsARequestInFlight) {
  AbortController controller;
  auto o = opts("/slow?ms=5000");
  o.signal = controller.signal();
  auto error = await(abortAfterHead(o, &controller));
  EXPECT_EQ(error, "ABORT_ERR: This operation was aborted");
  // An already aborted signal fails the request before it is sent.
  auto pre = opts("/hello");
  pre.signal = AbortSignal::abort();
  auto r = await(fetchText(pre));
  EXPECT_EQ(r.error.substr(0, 9), "ABORT_ERR") << r.error;
}

TEST_F(ClientTest, AbortWhileQueuedLeavesTheQueue) {
  AgentOptions ao;
  ao.maxSockets = 1;
  Agent one(ao);
  auto busy = opts("/delay?ms=100");
  busy.agent = &one;
  auto first = fetchText(busy);
  auto o = opts("/hello");
  o.agent = &one;
  auto queued = request(o);
  queued->end();
  EXPECT_EQ(one.pendingRequestCount(), 1u);
  queued->abort();
  EXPECT_EQ(one.pendingRequestCount(), 0u);
  auto error = await(codeOf(queued->response()));
  EXPECT_EQ(error, "ABORT_ERR: The operation was aborted");
  EXPECT_EQ(await(std::move(first)).body, "delayed");
  one.destroy();
}

Promise<std::string> post(RequestOptions o, std::vector<std::string> chunks, bool endWithData) {
  o.method = "POST";
  auto req = request(o);
  if (endWithData) {
    req->end(Buffer::from(chunks.at(0)));
  } else {
    for (auto& c : chunks) co_await req->write(Buffer::from(c));
    req->end();
  }
  auto res = co_await req->response();
  co_return co_await readAll(res);
}

TEST_F(ClientTest, EndWithDataSendsContentLength) {
  auto body = await(post(opts("/echo"), {"hello"}, true));
  EXPECT_NE(body.find("\"method\":\"POST\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"cl\":\"5\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"te\":\"\""), std::string::npos) << body;
}

TEST_F(ClientTest, StreamedBodyIsChunkedWithBackpressure) {
  std::vector<std::string> chunks;
  for (int i = 0; i < 64; ++i)
    chunks.push_back(std::string(64 * 1024, static_cast<char>('a' + i % 26)));
  auto body = await(post(opts("/echo"), chunks, false));
  EXPECT_NE(body.find("\"te\":\"chunked\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"length\":4194304"), std::string::npos) << body;
}

TEST_F(ClientTest, EmptyPostSendsContentLengthZeroAndGetSendsNone) {
  auto o = opts("/echo");
  o.method = "POST";
  auto r = await(fetchText(o));
  EXPECT_NE(r.body.find("\"cl\":\"0\""), std::string::npos) << r.body;
  auto g = await(fetchText(opts("/echo")));
  EXPECT_NE(g.body.find("\"cl\":\"\",\"host\":\"127.0.0.1:" + std::to_string(peer.port())),
            std::string::npos)
      << g.body;
}

TEST_F(ClientTest, HeadResponseHasNoBodyAndKeepsTheConnection) {
  auto o = opts("/head");
  o.method = "HEAD";
  auto r = await(fetchText(o));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.headers.get("content-length"), "1000");
  auto again = await(fetchText(opts("/hello")));
  EXPECT_EQ(again.body, "hello");
  EXPECT_EQ(agent.createdSocketCount(), 1u);
}

TEST_F(ClientTest, InterimAndBodilessResponses) {
  auto c = await(fetchText(opts("/continue")));
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body, "after continue");
  auto n = await(fetchText(opts("/no-content")));
  EXPECT_EQ(n.status, 204);
  EXPECT_EQ(n.body, "");
  auto d = await(fetchText(opts("/close-delimited")));
  EXPECT_EQ(d.body, "until close");
  EXPECT_EQ(d.error, "");
}

TEST_F(ClientTest, MalformedResponseIsAParseError) {
  auto r = await(fetchText(opts("/garbage")));
  EXPECT_EQ(r.error.substr(0, 29), "HPE_UNEXPECTED_CONTENT_LENGTH") << r.error;
}

Promise<std::size_t> slowRead(RequestOptions o, std::size_t* maxBuffered) {
  auto req = request(o);
  req->end();
  auto res = co_await req->response();
  std::size_t total = 0;
  int n = 0;
  while (auto chunk = co_await res->read()) {
    total += chunk->size();
    *maxBuffered = std::max(*maxBuffered, res->readableLength());
    if (++n % 16 == 0) co_await sleep(1);
  }
  co_return total;
}

TEST_F(ClientTest, SlowReaderKeepsTheResponseBufferBounded) {
  std::size_t maxBuffered = 0;
  auto total = await(slowRead(opts("/big?n=4194304"), &maxBuffered));
  EXPECT_EQ(total, 4194304u);
  // The socket pauses at the high water mark; one socket read may overshoot it.
  EXPECT_LT(maxBuffered, 256u * 1024);
}

TEST_F(ClientTest, MaxResponseBytesLimitsTheBody) {
  auto o = opts("/big?n=100000");
  o.maxResponseBytes = 1000;
  auto r = await(fetchText(o));
  EXPECT_EQ(r.error.substr(0, 27), "ERR_HTTP_RESPONSE_TOO_LARGE") << r.error;
}

TEST_F(ClientTest, UserinfoBecomesBasicAuthorization) {
  RequestOptions o("http://us%20er:p%40ss@127.0.0.1:" + std::to_string(peer.port()) + "/echo");
  o.agent = &agent;
  auto r = await(fetchText(o));
  // base64("us er:p@ss")
  EXPECT_NE(r.body.find("\"auth\":\"Basic dXMgZXI6cEBzcw==\""), std::string::npos) << r.body;
}

Promise<std::string> mismatch(RequestOptions o, std::string body) {
  o.method = "POST";
  o.headers.set("Content-Length", "5");
  auto req = request(o);
  req->end(Buffer::from(body));
  co_return co_await codeOf(req->response());
}

TEST_F(ClientTest, BodyLongerOrShorterThanContentLengthFails) {
  auto longer = await(mismatch(opts("/echo"), "0123456789"));
  EXPECT_EQ(longer.substr(0, 32), "ERR_HTTP_CONTENT_LENGTH_MISMATCH") << longer;
  auto shorter = await(mismatch(opts("/echo"), "012"));
  EXPECT_EQ(shorter.substr(0, 32), "ERR_HTTP_CONTENT_LENGTH_MISMATCH") << shorter;
  auto exact = await(mismatch(opts("/echo"), "01234"));
  EXPECT_EQ(exact, "(fulfilled)");
}

TEST_F(ClientTest, HostNamesResolveThroughDnsLookup) {
  RequestOptions o("http://localhost:" + std::to_string(peer.port()) + "/hello");
  o.family = 4;  // the peer listens on 127.0.0.1 only
  o.agent = &agent;
  auto r = await(fetchText(o));
  EXPECT_EQ(r.body, "hello") << r.error;
  auto missing = await(fetchText(RequestOptions("http://nonexistent.invalid/")));
  // ENOTFOUND, or EAI_AGAIN on a machine whose resolver is unreachable.
  EXPECT_TRUE(missing.error.rfind("ENOTFOUND", 0) == 0 || missing.error.rfind("EAI_AGAIN", 0) == 0)
      << missing.error;
}

TEST_F(ClientTest, BadOptionsThrowSynchronously) {
  auto code = [](const RequestOptions& o) -> std::string {
    try {
      (void)request(o);
    } catch (const SystemError& e) {
      return std::string(e.code());
    }
    return "(none)";
  };
  EXPECT_EQ(code(RequestOptions("ftp://h/")), "ERR_INVALID_PROTOCOL");
  EXPECT_EQ(code(RequestOptions("http://")), "ERR_INVALID_URL");
  RequestOptions badMethod("http://h/");
  badMethod.method = "GE T";
  EXPECT_EQ(code(badMethod), "ERR_INVALID_HTTP_TOKEN");
  RequestOptions badPath;
  badPath.path = "/a b";
  EXPECT_EQ(code(badPath), "ERR_UNESCAPED_CHARACTERS");
}

}  // namespace
}  // namespace nx::http
