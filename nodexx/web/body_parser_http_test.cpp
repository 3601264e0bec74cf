// SPDX-License-Identifier: MIT
// The body parsers behind a real HTTP server (App::listen): bodies split by TCP, the body
// limit handed to the transport, uploads streamed to disk.
#include "nodexx/web/body_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/server_test_client.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/request.hpp"
#include "nodexx/web/response.hpp"
#include "nodexx/zlib/zlib.hpp"

namespace nx::web {
namespace {

using namespace std::chrono_literals;
using nx::http::testing::RawClient;

class BodyParserHttpTest : public nx::testing::FreshLoop {
 protected:
  /// Serves `app` on an ephemeral port, runs `client(port)` on the thread pool and returns
  /// what it returned, after closing the server.
  template <class F>
  std::string withClient(App& app, F client) {
    std::optional<std::string> result;
    auto task = [](App& a, F c, std::optional<std::string>& out) -> Promise<> {
      http::Server server = a.listen(0, "127.0.0.1");
      const int port = server.address().port;
      auto job = [c = std::move(c), port]() mutable { return c(port); };
      out = co_await threadpool::run(std::move(job));
      co_await server.close(2000ms);
    };
    Promise<> p = task(app, std::move(client), result);
    loop.run();
    EXPECT_TRUE(p.isFulfilled());
    return result.value_or("");
  }
};

json::Value bodyJson(const std::string& response) {
  const std::size_t at = response.find("\r\n\r\n");
  if (at == std::string::npos) return json::Value();
  std::string body = response.substr(at + 4);
  if (response.find("Transfer-Encoding: chunked") != std::string::npos) {
    // One chunk is all these small answers need.
    const std::size_t eol = body.find("\r\n");
    const std::size_t size = std::stoul(body.substr(0, eol), nullptr, 16);
    body = body.substr(eol + 2, size);
  }
  try {
    return json::parse(body);
  } catch (...) {
    return json::Value();
  }
}

int statusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

void echo(Request& req, Response& res) {
  json::Value files = json::Array{};
  for (const UploadedFile& f : req.files())
    files.push_back(json::Object{{"name", f.originalname}, {"size", f.size}, {"path", f.path}});
  res.json(json::Object{{"body", req.body()}, {"files", std::move(files)}});
}

TEST_F(BodyParserHttpTest, JsonBodyDribbledOverTcpParses) {
  App app;
  app.use(mw::json());
  app.post("/", echo);
  const std::string r = withClient(app, [](int port) {
    RawClient c(port);
    const std::string body = R"({"a":[1,2,3],"b":"text"})";
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    c.dribble(body, 1ms);
    return c.readResponse();
  });
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_EQ(bodyJson(r)["body"], json::parse(R"({"a":[1,2,3],"b":"text"})"));
}

TEST_F(BodyParserHttpTest, ChunkedBodyOverTheLimitIs413AndStopsReading) {
  App app;
  app.use(mw::json({.limit = 1000}));
  app.post("/", echo);
  const std::string r = withClient(app, [](int port) {
    RawClient c(port);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "400\r\n" + std::string(1024, ' ') + "\r\n";
    c.send(chunk);
    c.send(chunk);  // the server may already have answered and closed
    return c.readResponse();
  });
  EXPECT_EQ(statusOf(r), 413) << r;
  EXPECT_EQ(bodyJson(r)["code"], json::Value("payload_too_large")) << r;
}

TEST_F(BodyParserHttpTest, LargerLimitThanTheServerDefaultIsAccepted) {
  App app;
  app.use(mw::text({.limit = 3u << 20}));
  app.post("/", [](Request& req, Response& res) {
    res.json(json::Object{{"length", req.body().asString().size()}});
  });
  const std::string r = withClient(app, [](int port) {
    RawClient c(port);
    const std::string body(2u << 20, 'x');
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    c.send(body);
    return c.readResponse();
  });
  EXPECT_EQ(statusOf(r), 200) << r.substr(0, 300);
  EXPECT_EQ(bodyJson(r)["length"], json::Value(2u << 20));
}

TEST_F(BodyParserHttpTest, GzipBodyOverHttp) {
  App app;
  app.use(mw::json());
  app.post("/", echo);
  const std::string r = withClient(app, [](int port) {
    Buffer gz = zlib::gzipSync(Buffer::from(R"({"zipped":true})"));
    RawClient c(port);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Encoding: gzip\r\nContent-Length: " +
        std::to_string(gz.size()) + "\r\nConnection: close\r\n\r\n");
    c.send(gz.byteView());
    return c.readResponse();
  });
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_EQ(bodyJson(r)["body"], json::parse(R"({"zipped":true})"));
}

TEST_F(BodyParserHttpTest, MultipartUploadStreamsToDisk) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "nx-upload-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  std::string content;
  for (int i = 0; i < 50000; ++i) content += static_cast<char>("\r\n-ab"[i % 5]);
  App app;
  app.use(mw::multipart({.dest = dir}));
  app.post("/", echo);
  const std::string r = withClient(app, [&content](int port) {
    const std::string body =
        "--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n"
        "--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"data.bin\"\r\n\r\n" +
        content + "\r\n--XX--\r\n";
    RawClient c(port);
    c.send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    for (std::size_t i = 0; i < body.size(); i += 7000)
      c.send(std::string_view(body).substr(i, 7000));
    return c.readResponse();
  });
  ASSERT_EQ(statusOf(r), 200) << r;
  const json::Value j = bodyJson(r);
  EXPECT_EQ(j["body"], json::parse(R"({"note":"hi"})"));
  ASSERT_EQ(j["files"].size(), 1u);
  std::ifstream in(std::string(j["files"][0]["path"].asString()), std::ios::binary);
  std::ostringstream stored;
  stored << in.rdbuf();
  EXPECT_EQ(stored.str(), content);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace nx::web
