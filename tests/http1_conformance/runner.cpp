// SPDX-License-Identifier: MIT
// Conformance runner, two modes (exit 0 = pass, 1 = fail):
//
//   http1_conformance_runner corpus DIR   every DIR/<status>-<name>.txt is one request, written
//       with escapes (\r \n \t \\ \xHH; real line breaks in the file are ignored). Each is sent
//       on its own connection to an in-process server; the answer's status must be <status>,
//       and for 4xx/5xx the server must close the connection after answering.
//   http1_conformance_runner slow         slowloris (a head dribbled byte by byte) and a slow
//       body are cut with 408 by short headersTimeout/requestTimeout while other clients keep
//       being served.
#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/http/internal/server_test_client.hpp"
#include "nodexx/http/server.hpp"

using namespace nx;
using namespace std::chrono_literals;
using http::testing::RawClient;
using http::testing::statusOf;

namespace {

std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') continue;  // layout only
    if (c != '\\' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char e = text[++i];
    switch (e) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
        break;
      }
      default:
        out += '\\';
        out += e;
    }
  }
  return out;
}

struct Case {
  std::string name;
  int expected;
  std::string bytes;
};

std::vector<Case> loadCorpus(const std::string& dir) {
  std::vector<Case> cases;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return cases;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() < 8 || name.substr(name.size() - 4) != ".txt") continue;
    std::ifstream in(dir + "/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    cases.push_back({name, std::atoi(name.c_str()), unescape(s.str())});
  }
  closedir(d);
  std::sort(cases.begin(), cases.end(),
            [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

// Answers 200 with the body length after reading the whole body, so body errors are seen first.
Promise<> handler(http::IncomingMessage& req, http::ServerResponse& res) {
  try {
    Buffer b = co_await req.body();
    res.end("ok " + std::to_string(b.size()));
  } catch (const SystemError&) {
    // The server answers malformed or oversized bodies itself.
  }
}

int runCorpus(const std::string& dir) {
  std::vector<Case> cases = loadCorpus(dir);
  if (cases.empty()) {
    std::fprintf(stderr, "no cases in %s\n", dir.c_str());
    return 1;
  }
  http::ServerOptions o;
  o.maxHeaderSize = 4096;
  o.maxBodyBytes = 1024;
  http::Server server(http::RequestHandler(handler), o);
  int failures = 0;
  auto task = [](http::Server& s, std::vector<Case>& all, int& failed) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    auto job = [&all, port] {
      int bad = 0;
      for (const Case& c : all) {
        RawClient client(port);
        client.send(c.bytes);
        std::string response = client.readResponse();
        int status = statusOf(response);
        bool closed = c.expected < 400 || client.closedByPeer(5s);
        bool ok = status == c.expected && closed;
        std::printf("%s %-55s expected %d got %d%s\n", ok ? "PASS" : "FAIL", c.name.c_str(),
                    c.expected, status, closed ? "" : " (connection left open)");
        if (!ok) ++bad;
      }
      return bad;
    };
    failed = co_await threadpool::run(std::move(job));
    co_await s.close(2000ms);
  };
  Promise<> p = task(server, cases, failures);
  loop().run();
  if (p.isRejected()) return 1;
  std::printf("%zu cases, %d failed\n", cases.size(), failures);
  return failures == 0 ? 0 : 1;
}

int runSlow() {
  http::ServerOptions o;
  o.headersTimeout = 1000ms;
  o.requestTimeout = 1500ms;
  o.connectionsCheckingInterval = 50ms;
  http::Server server(http::RequestHandler(handler), o);
  int failures = 0;
  auto task = [](http::Server& s, int& failed) -> Promise<> {
    co_await s.listen(0, "127.0.0.1");
    int port = s.address().port;
    auto slowloris = [port] {
      RawClient c(port);
      auto t0 = std::chrono::steady_clock::now();
      // 1 byte every 100 ms: the head would take ~6 s; headersTimeout is 1 s.
      c.dribble("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: slowloris\r\n\r\n", 100ms);
      std::string r = c.readResponse();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
      bool ok = statusOf(r) == 408 && c.closedByPeer(5s) && ms < 4000;
      std::printf("%s slowloris: status %d after %lld ms\n", ok ? "PASS" : "FAIL", statusOf(r),
                  static_cast<long long>(ms));
      return ok ? 0 : 1;
    };
    auto slowBody = [port] {
      RawClient c(port);
      c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
      c.dribble(std::string(30, 'b'), 100ms);  // 3 s for 30 of 1000 bytes; requestTimeout 1.5 s
      std::string r = c.readResponse();
      bool ok = statusOf(r) == 408 && c.closedByPeer(5s);
      std::printf("%s slow body: status %d\n", ok ? "PASS" : "FAIL", statusOf(r));
      return ok ? 0 : 1;
    };
    auto others = [port] {
      int bad = 0;
      for (int i = 0; i < 20; ++i) {
        RawClient c(port);
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        if (statusOf(c.readResponse()) != 200) ++bad;
        std::this_thread::sleep_for(50ms);
      }
      std::printf("%s 20 normal requests during the attack, %d failed\n", bad ? "FAIL" : "PASS",
                  bad);
      return bad;
    };
    Promise<int> a = threadpool::run(std::move(slowloris));
    Promise<int> b = threadpool::run(std::move(slowBody));
    Promise<int> c = threadpool::run(std::move(others));
    failed += co_await a;
    failed += co_await b;
    failed += co_await c;
    co_await s.close(2000ms);
  };
  Promise<> p = task(server, failures);
  loop().run();
  if (p.isRejected()) return 1;
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "corpus" && argc > 2) return runCorpus(argv[2]);
  if (mode == "slow") return runSlow();
  std::fprintf(stderr, "usage: %s corpus DIR | slow\n", argv[0]);
  return 2;
}
