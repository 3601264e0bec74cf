// SPDX-License-Identifier: MIT
// The client against nodexx's own peers: the http::Server of this module, and a TLS server
// (tls::createServer) answering HTTP by hand, for https: with certificate verification.
#include "nodexx/http/client.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/net/tls.hpp"

namespace nx::http {
namespace {

using tls::testing::KeyPair;
using tls::testing::TestPki;

Promise<std::string> getText(RequestOptions o) {
  try {
    auto req = request(o);
    req->end();
    auto res = co_await req->response();
    std::string body = std::to_string(res->statusCode()) + " ";
    while (auto chunk = co_await res->read()) body += chunk->byteView();
    co_return body;
  } catch (const SystemError& e) {
    co_return std::string(e.code()) + ": " + e.what();
  }
}

class ClientNodexxTest : public nx::testing::FreshLoop {
 protected:
  template <class T>
  T settle(Promise<T> p) {
    loop.run();
    EXPECT_TRUE(p.isFulfilled());
    T value{};
    (void)p.then([&value](T& v) { value = v; });
    loop.run();
    return value;
  }
  Agent agent;
};

Promise<std::string> threeGets(Server* server, Agent* agent) {
  co_await server->listen(0, "127.0.0.1");
  std::string out;
  for (const char* path : {"/a", "/b?x=1", "/chunked"}) {
    RequestOptions o("http://127.0.0.1:" + std::to_string(server->address().port) + path);
    o.agent = agent;
    out += co_await getText(o) + "|";
  }
  agent->destroy();
  co_await server->close();
  co_return out;
}

TEST_F(ClientNodexxTest, KeepAliveAgainstTheNodexxServer) {
  int connections = 0;
  auto server = createServer([](IncomingMessage& req, ServerResponse& res) {
    if (req.path() == "/chunked") {
      (void)res.write("one,");
      res.end("two");
      return;
    }
    res.end("url=" + std::string(req.url()));
  });
  server.onConnection.on([&connections] { ++connections; });
  EXPECT_EQ(settle(threeGets(&server, &agent)), "200 url=/a|200 url=/b?x=1|200 one,two|");
  EXPECT_EQ(connections, 1);
  EXPECT_EQ(agent.createdSocketCount(), 1u);
}

/// A TLS server that answers every request head with a fixed keep-alive response.
std::shared_ptr<tls::Server> tlsResponder(const KeyPair& kp) {
  tls::ServerOptions o;
  o.key = kp.key;
  o.cert = kp.cert;
  return tls::createServer(std::move(o), [](std::shared_ptr<tls::TLSSocket> s) {
    auto pending = std::make_shared<std::string>();
    tls::TLSSocket* raw = s.get();  // the socket keeps itself alive while open
    s->events().data.on([raw, pending](Buffer& chunk) {
      pending->append(chunk.byteView());
      std::size_t end;
      while ((end = pending->find("\r\n\r\n")) != std::string::npos) {
        pending->erase(0, end + 4);
        (void)raw->write(Buffer::from("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure"));
      }
    });
  });
}

Promise<std::string> httpsGets(std::shared_ptr<tls::Server> server, Agent* agent, std::string ca,
                               bool verify, int count) {
  co_await server->listen(0, "127.0.0.1");
  std::string out;
  for (int i = 0; i < count; ++i) {
    RequestOptions o("https://localhost:" + std::to_string(server->address().port) + "/");
    o.agent = agent;
    o.family = 4;
    o.ca = ca;
    o.rejectUnauthorized = verify;
    out += co_await getText(o) + "|";
  }
  agent->destroy();
  co_await server->close();
  co_return out;
}

TEST_F(ClientNodexxTest, HttpsVerifiesAgainstTheGivenCaAndReusesTheConnection) {
  const auto& pki = TestPki::get();
  auto out = settle(httpsGets(tlsResponder(pki.leaf), &agent, pki.ca.cert, true, 2));
  EXPECT_EQ(out, "200 secure|200 secure|");
  EXPECT_EQ(agent.createdSocketCount(), 1u);
}

TEST_F(ClientNodexxTest, HttpsRejectsAnUntrustedCertificateByDefault) {
  const auto& pki = TestPki::get();
  auto out = settle(httpsGets(tlsResponder(pki.selfSigned), &agent, "", true, 1));
  EXPECT_EQ(out.substr(0, 27), "DEPTH_ZERO_SELF_SIGNED_CERT") << out;
  auto insecure = settle(httpsGets(tlsResponder(pki.selfSigned), &agent, "", false, 1));
  EXPECT_EQ(insecure, "200 secure|");
}

}  // namespace
}  // namespace nx::http
