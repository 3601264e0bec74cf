// SPDX-License-Identifier: MIT
// HTTP client: the nodexx version of
//
//   const res = await fetch(`http://127.0.0.1:${port}/greet?name=nodexx`);
//   console.log(res.status, await res.text());
//
// plus http.request with a streamed body and a keep-alive Agent. A local server answers, the
// client calls it a few times over one pooled connection, then everything closes and the
// process exits by itself.
#include <cstdio>
#include <string>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/http/agent.hpp"
#include "nodexx/http/client.hpp"
#include "nodexx/http/fetch.hpp"
#include "nodexx/http/query.hpp"
#include "nodexx/http/server.hpp"
#include "nodexx/http/url.hpp"

using namespace nx;

namespace {

Promise<> client(http::Server& server, http::Agent& agent) {
  co_await server.listen(0, "127.0.0.1");
  const std::string origin = "http://127.0.0.1:" + std::to_string(server.address().port);
  std::printf("listening on %s\n", origin.c_str());

  // fetch(): resolves with the head; text() reads (and decodes) the body.
  http::FetchInit init;
  init.agent = &agent;
  auto res = co_await http::fetch(origin + "/greet?name=nodexx", init);
  std::printf("fetch -> %d %s: %s\n", res.status(), res.statusText().c_str(),
              (co_await res.text()).c_str());

  // URL parsing as new URL(input, base), and the query string as Express reads it.
  http::Url url("../greet?name=a+b&name=c", origin + "/x/y");
  auto query = http::querystring::parse(url.search().substr(1));
  std::printf("url %s has %zu values for name\n", url.href().c_str(), query.getAll("name").size());

  // http.request(): a streamed request body; write() waits when the socket is busy.
  http::RequestOptions options(origin + "/upload");
  options.method = "POST";
  options.agent = &agent;
  auto req = http::request(options);
  for (int i = 0; i < 4; ++i) co_await req->write(Buffer::from("chunk " + std::to_string(i) + ";"));
  req->end();
  auto upload = co_await req->response();
  std::string body;
  while (auto chunk = co_await upload->read()) body += chunk->byteView();
  std::printf("upload -> %d %s (reused connection: %s)\n", upload->statusCode(), body.c_str(),
              req->reusedSocket() ? "yes" : "no");

  // Errors carry Node's codes.
  try {
    http::FetchInit refused;
    refused.agent = &agent;
    (void)co_await http::fetch("http://127.0.0.1:1/", refused);
  } catch (const SystemError& e) {
    std::printf("refused -> %s\n", std::string(e.code()).c_str());
  }

  std::printf("connections opened: %llu\n",
              static_cast<unsigned long long>(agent.createdSocketCount()));
  agent.destroy();
  co_await server.close();
  std::printf("closed\n");
}

}  // namespace

int main() {
  auto server = http::createServer([](http::IncomingMessage& req, http::ServerResponse& res) {
    if (req.path() == "/greet") {
      res.setHeader("Content-Type", "text/plain");
      res.end("hello " + std::string(req.url()));
      return;
    }
    // The request body is ignored here; the answer says how the request came in.
    res.end(std::string(req.method()) + " " + std::string(req.url()));
  });
  http::Agent agent;
  (void)client(server, agent);
  return run();
}
