// SPDX-License-Identifier: MIT
#include "nodexx/http/server.hpp"

#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/sleep.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/serve_test.hpp"
#include "nodexx/http/internal/server_test_client.hpp"
#include "nodexx/stream/pipeline.hpp"

namespace nx::http {
namespace {

using namespace std::chrono_literals;
using testing::bodyOf;
using testing::RawClient;
using testing::statusOf;

class ServerStreamTest : public nx::testing::FreshLoop {
 protected:
  template <class F>
  std::string withClient(Server& server, F client) {
    return testing::serveWhile(loop, server, std::move(client));
  }
};

TEST_F(ServerStreamTest, PipelineFromRequestStreamToResponseStreamEchoesALargeBody) {
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    auto in = req.stream();
    auto out = res.stream();
    co_await stream::pipeline(in, out);
  });
  std::string body(300 * 1024, 'q');
  for (std::size_t i = 0; i < body.size(); i += 97) body[i] = static_cast<char>('a' + i % 26);
  std::string r = withClient(server, [&body](int port) {
    RawClient c(port);
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body);
    return c.readResponse();
  });
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_THAT(r, ::testing::HasSubstr("Transfer-Encoding: chunked"));
  // The chunked framing is decoded by comparing sizes and content without the chunk lines.
  std::string decoded;
  std::string_view rest = bodyOf(r);
  while (!rest.empty()) {
    std::size_t eol = rest.find("\r\n");
    std::size_t n = std::stoul(std::string(rest.substr(0, eol)), nullptr, 16);
    if (n == 0) break;
    decoded.append(rest.substr(eol + 2, n));
    rest.remove_prefix(eol + 2 + n + 2);
  }
  EXPECT_EQ(decoded, body);
}

TEST_F(ServerStreamTest, RequestStreamReadsChunksThatArrivedBeforeItWasCreated) {
  Server server([](IncomingMessage& req, ServerResponse& res) -> Promise<> {
    co_await nx::sleep(50);  // the whole body is buffered by now
    auto in = req.stream();
    std::string all;
    while (auto chunk = co_await in->read()) all += chunk->toString();
    res.end(all);
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    return c.readResponse();
  });
  EXPECT_EQ(bodyOf(r), "abcde");
}

TEST_F(ServerStreamTest, ResponseStreamWriteAfterTheExchangeFails) {
  std::shared_ptr<stream::Writable<Buffer>> kept;
  Server server([&](IncomingMessage&, ServerResponse& res) {
    kept = res.stream();
    res.end("x");
  });
  std::string r = withClient(server, [](int port) {
    RawClient c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    return c.readResponse();
  });
  EXPECT_EQ(bodyOf(r), "x");
  ASSERT_TRUE(kept);
  std::string error;
  auto late = [](std::shared_ptr<stream::Writable<Buffer>> w, std::string& out) -> Promise<> {
    try {
      Buffer chunk = Buffer::from("late");
      co_await w->write(chunk);
      out = "(no error)";
    } catch (const SystemError& e) {
      out = std::string(e.code());
    }
  };
  kept->events().error.on([](std::exception_ptr) {});  // as in Node: 'error' needs a listener
  Promise<> p = late(kept, error);
  loop.run();
  EXPECT_EQ(error, "ERR_STREAM_WRITE_AFTER_END");
}

}  // namespace
}  // namespace nx::http
