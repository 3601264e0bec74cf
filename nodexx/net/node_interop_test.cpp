// SPDX-License-Identifier: MIT
// nodexx and node talking to each other over real sockets: a node net/tls client against our
// servers and our clients against node servers. Skipped when `node` is not installed.
#include "nodexx/net/net.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/net/internal/secure_context_impl.hpp"
#include "nodexx/net/internal/test_certs.hpp"
#include "nodexx/net/tls.hpp"

namespace {

using nx::Buffer;
using nx::Promise;

std::string nodeBinary() {
  const char* env = std::getenv("NODE");
  std::string node = env != nullptr ? env : "node";
  const std::string probe = node + " --version > /dev/null 2>&1";
  return std::system(probe.c_str()) == 0 ? node : std::string();
}

// Runs `node <script> <args>` on a thread; every stdout line reaches `onLine` on the loop
// thread, and `onExit(status)` follows at the end. The loop stays alive meanwhile.
class NodePeer {
 public:
  NodePeer(std::string node, std::string script, std::string args,
           nx::MoveFunction<void(std::string)> onLine, nx::MoveFunction<void(int)> onExit)
      : onLine_(std::move(onLine)), onExit_(std::move(onExit)) {
    nx::Loop& loop = nx::loop();
    auto keepAlive = std::make_shared<nx::Loop::KeepAlive>(loop);
    const std::string cmd = node + " -e '" + script + "' " + args;
    thread_ = std::thread([this, &loop, cmd, keepAlive]() mutable {
      FILE* p = ::popen(cmd.c_str(), "r");
      char line[4096];
      while (p != nullptr && std::fgets(line, sizeof line, p) != nullptr) {
        std::string l(line);
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
        loop.post([this, l] { onLine_(l); });
      }
      const int status = p != nullptr ? ::pclose(p) : -1;
      loop.post([this, status, keepAlive = std::move(keepAlive)]() mutable {
        onExit_(status);
        keepAlive.reset();  // destroyed on the loop thread, as KeepAlive requires
      });
    });
  }
  ~NodePeer() { thread_.join(); }

 private:
  nx::MoveFunction<void(std::string)> onLine_;
  nx::MoveFunction<void(int)> onExit_;
  std::thread thread_;
};

class NodeInteropTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    node_ = nodeBinary();
    if (node_.empty()) GTEST_SKIP() << "node is not installed";
  }
  std::string node_;
};

TEST_F(NodeInteropTest, NodeNetClientTalksToOurServer) {
  auto server = nx::net::createServer([](std::shared_ptr<nx::net::Socket> s) { s->pipe(s); });
  std::vector<std::string> lines;
  int exitStatus = -1;
  std::unique_ptr<NodePeer> peer;
  (void)server->listen(0, "127.0.0.1").then([&] {
    peer = std::make_unique<NodePeer>(
        node_,
        "const net = require(\"net\");"
        "const c = net.connect(+process.argv[1], \"127.0.0.1\", () => c.end(\"hello from node\"));"
        "let d = \"\"; c.on(\"data\", (x) => d += x);"
        "c.on(\"end\", () => console.log(\"echo:\" + d));"
        "c.on(\"close\", () => console.log(\"close\"));",
        std::to_string(server->address().port), [&](std::string l) { lines.push_back(l); },
        [&](int status) {
          exitStatus = status;
          (void)server->close();
        });
  });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(exitStatus, 0);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "echo:hello from node");
  EXPECT_EQ(lines[1], "close");
}

Promise<> talkTo(int port, std::string* reply) {
  auto c = co_await nx::net::connect(port, "127.0.0.1");
  co_await c->write(Buffer::from("hello from nodexx"));
  (void)c->end();
  while (auto chunk = co_await c->read()) *reply += chunk->toString();
}

TEST_F(NodeInteropTest, OurClientTalksToANodeNetServer) {
  std::string reply;
  int exitStatus = -1;
  NodePeer peer(
      node_,
      "const net = require(\"net\");"
      "const s = net.createServer((c) => { c.on(\"data\", (d) => c.write(String(d).toUpperCase()));"
      "  c.on(\"end\", () => { c.end(); s.close(); }); });"
      "s.listen(0, \"127.0.0.1\", () => console.log(s.address().port));",
      "", [&](std::string port) { (void)talkTo(std::stoi(port), &reply); },
      [&](int status) { exitStatus = status; });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(exitStatus, 0);
  EXPECT_EQ(reply, "HELLO FROM NODEXX");
}

// The PEMs a node peer reads, in a fresh temporary folder.
struct PemFiles {
  std::string dir;
  PemFiles() {
    char tmpl[] = "/tmp/nodexx-tls-XXXXXX";
    dir = ::mkdtemp(tmpl);
    const auto& pki = nx::tls::testing::TestPki::get();
    write("ca.pem", pki.ca.cert);
    write("key.pem", pki.leaf.key);
    write("cert.pem", pki.leaf.cert);
    write("self-key.pem", pki.selfSigned.key);
    write("self-cert.pem", pki.selfSigned.cert);
    write("wildcard-key.pem", pki.wildcard.key);
    write("wildcard-cert.pem", pki.wildcard.cert);
  }
  ~PemFiles() { std::system(("rm -rf " + dir).c_str()); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir + "/" + name) << text;
  }
};

TEST_F(NodeInteropTest, NodeTlsClientTalksToOurTlsServer) {
  PemFiles pems;
  const auto& pki = nx::tls::testing::TestPki::get();
  nx::tls::ServerOptions so;
  so.key = pki.leaf.key;
  so.cert = pki.leaf.cert;
  so.ALPNProtocols = {"h2", "http/1.1"};
  std::string sni;
  auto server = nx::tls::createServer(so, [&sni](std::shared_ptr<nx::tls::TLSSocket> s) {
    sni = s->servername();
    s->pipe(s);
  });
  std::vector<std::string> lines;
  int exitStatus = -1;
  std::unique_ptr<NodePeer> peer;
  (void)server->listen(0, "127.0.0.1").then([&] {
    peer = std::make_unique<NodePeer>(
        node_,
        "const tls = require(\"tls\"), fs = require(\"fs\");"
        "const c = tls.connect({ port: +process.argv[1], host: \"localhost\","
        "  servername: \"localhost\","
        "  ca: fs.readFileSync(process.argv[2] + \"/ca.pem\"), ALPNProtocols: [\"http/1.1\", "
        "\"h2\"] },"
        "  () => { console.log(\"authorized:\" + c.authorized + \" alpn:\" + c.alpnProtocol);"
        "          c.end(\"hello over tls from node\"); });"
        "let d = \"\"; c.on(\"data\", (x) => d += x);"
        "c.on(\"end\", () => console.log(\"echo:\" + d));"
        "c.on(\"error\", (e) => console.log(\"error:\" + e.code));",
        std::to_string(server->address().port) + " " + pems.dir,
        [&](std::string l) { lines.push_back(l); },
        [&](int status) {
          exitStatus = status;
          (void)server->close();
        });
  });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(exitStatus, 0);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "authorized:true alpn:h2");
  EXPECT_EQ(lines[1], "echo:hello over tls from node");
  EXPECT_EQ(sni, "localhost");
}

TEST_F(NodeInteropTest, NodeRejectsOurSelfSignedCertificateWithTheSameCode) {
  PemFiles pems;
  const auto& pki = nx::tls::testing::TestPki::get();
  nx::tls::ServerOptions so;
  so.key = pki.selfSigned.key;
  so.cert = pki.selfSigned.cert;
  auto server = nx::tls::createServer(so);
  server->tlsClientError().on([](std::exception_ptr&) {});
  std::vector<std::string> lines;
  std::unique_ptr<NodePeer> peer;
  (void)server->listen(0, "127.0.0.1").then([&] {
    peer = std::make_unique<NodePeer>(
        node_,
        "const tls = require(\"tls\"), fs = require(\"fs\");"
        "const c = tls.connect({ port: +process.argv[1], host: \"localhost\","
        "  ca: fs.readFileSync(process.argv[2] + \"/ca.pem\") });"
        "c.on(\"error\", (e) => console.log(e.code + \"|\" + e.message));",
        std::to_string(server->address().port) + " " + pems.dir,
        [&](std::string l) { lines.push_back(l); }, [&](int) { (void)server->close(); });
  });
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "DEPTH_ZERO_SELF_SIGNED_CERT|self-signed certificate");
}

Promise<> tlsTalkTo(int port, std::string ca, std::vector<std::string>* out) {
  nx::tls::ConnectOptions o(port, "localhost");
  o.ca.emplace_back(ca);
  o.ALPNProtocols = {"http/1.1", "h2"};
  auto c = co_await nx::tls::connect(o);
  out->push_back(std::string("authorized:") + (c->authorized() ? "true" : "false") +
                 " alpn:" + c->alpnProtocol() + " " + c->getProtocol());
  co_await c->write(Buffer::from("hello over tls from nodexx"));
  (void)c->end();
  std::string reply;
  while (auto chunk = co_await c->read()) reply += chunk->toString();
  out->push_back(reply);
}

TEST_F(NodeInteropTest, OurTlsClientTalksToANodeTlsServer) {
  PemFiles pems;
  std::vector<std::string> out;
  int exitStatus = -1;
  NodePeer peer(
      node_,
      "const tls = require(\"tls\"), fs = require(\"fs\"), d = process.argv[1];"
      "const s = tls.createServer({ key: fs.readFileSync(d + \"/key.pem\"),"
      "  cert: fs.readFileSync(d + \"/cert.pem\"), ALPNProtocols: [\"h2\"] }, (c) => {"
      "  console.log(\"sni:\" + c.servername);"
      "  c.on(\"data\", (x) => c.write(String(x).toUpperCase()));"
      "  c.on(\"end\", () => { c.end(); s.close(); }); });"
      "s.listen(0, \"127.0.0.1\", () => console.log(s.address().port));",
      pems.dir,
      [&](std::string line) {
        if (line.rfind("sni:", 0) == 0) {
          out.push_back(line);
        } else {
          (void)tlsTalkTo(std::stoi(line), nx::tls::testing::TestPki::get().ca.cert, &out);
        }
      },
      [&](int status) { exitStatus = status; });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(exitStatus, 0);
  // The node line and our own results arrive in either order.
  std::sort(out.begin(), out.end());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "HELLO OVER TLS FROM NODEXX");
  EXPECT_EQ(out[1], "authorized:true alpn:h2 TLSv1.3");
  // nodexx sends the host as SNI by default (Node's tls.connect only with `servername`).
  EXPECT_EQ(out[2], "sni:localhost");
}

// A node tls client asks our server for names by SNI (Node's tls.connect({servername})).
TEST_F(NodeInteropTest, NodeClientGetsTheAddContextCertificateForItsServername) {
  PemFiles pems;
  const auto& pki = nx::tls::testing::TestPki::get();
  nx::tls::ServerOptions so;
  so.key = pki.leaf.key;
  so.cert = pki.leaf.cert;
  auto server = nx::tls::createServer(so, [](std::shared_ptr<nx::tls::TLSSocket> s) { s->end(); });
  nx::tls::SecureContextOptions wildcard;
  wildcard.key = pki.wildcard.key;
  wildcard.cert = pki.wildcard.cert;
  server->addContext("*.example.com", wildcard);
  std::vector<std::string> lines;
  std::unique_ptr<NodePeer> peer;
  (void)server->listen(0, "127.0.0.1").then([&] {
    peer = std::make_unique<NodePeer>(
        node_,
        "const tls = require(\"tls\"), fs = require(\"fs\");"
        "const ca = fs.readFileSync(process.argv[2] + \"/ca.pem\");"
        "const names = [\"www.example.com\", \"localhost\", \"a.b.example.com\"];"
        "(function next(i) { if (i === names.length) return;"
        "  const c = tls.connect({ port: +process.argv[1], host: \"127.0.0.1\","
        "    servername: names[i], ca, rejectUnauthorized: false }, () => {"
        "    console.log(names[i] + \" \" + c.getPeerCertificate().subject.CN + \" \" +"
        "      c.authorized); c.end(); });"
        "  c.on(\"close\", () => next(i + 1)); })(0);",
        std::to_string(server->address().port) + " " + pems.dir,
        [&](std::string l) { lines.push_back(l); }, [&](int) { (void)server->close(); });
  });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"www.example.com *.example.com true",
                                             "localhost localhost true",
                                             "a.b.example.com localhost false"}));
}

// Node's own addContext pattern, run by node, against ours. (Node leaves '(', ')' and '|'
// unescaped in its RegExp; host names cannot hold them, so they are not compared.)
TEST_F(NodeInteropTest, ServernamePatternsMatchLikeNodesAddContext) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*.example.com", "a.example.com"},
      {"*.example.com", "a.b.example.com"},
      {"*.example.com", "example.com"},
      {"*.example.com", ".example.com"},
      {"*.example.com", "A.EXAMPLE.COM"},
      {"www*.example.com", "www2.example.com"},
      {"a.*.com", "a.b.com"},
      {"a.*.com", "a.b.c.com"},
      {"example.com", "exampleXcom"},
      {"example.com", "example.com"},
      {"*", "localhost"},
      {"*", "a.b"}};
  std::string args;
  for (const auto& [pattern, name] : cases) args += " \"" + pattern + "\" \"" + name + "\"";
  std::vector<std::string> lines;
  NodePeer peer(
      node_,
      "const tls = require(\"tls\"); const a = process.argv.slice(1);"
      "for (let i = 0; i < a.length; i += 2) {"
      "  const s = { _contexts: [] };"
      "  tls.Server.prototype.addContext.call(s, a[i], {});"
      "  console.log(s._contexts[0][0].test(a[i + 1])); }",
      args, [&](std::string l) { lines.push_back(l); }, [](int) {});
  EXPECT_EQ(nx::run(), 0);
  ASSERT_EQ(lines.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const bool ours = nx::tls::detail::servernameMatches(cases[i].first, cases[i].second);
    EXPECT_EQ(lines[i], ours ? "true" : "false") << cases[i].first << " " << cases[i].second;
  }
}

// A node client limited to TLS 1.2 against our TLS 1.3-only server: both sides report Node's
// codes.
TEST_F(NodeInteropTest, ProtocolVersionMismatchGivesNodesCodesOnBothSides) {
  PemFiles pems;
  const auto& pki = nx::tls::testing::TestPki::get();
  nx::tls::ServerOptions so;
  so.key = pki.leaf.key;
  so.cert = pki.leaf.cert;
  so.minVersion = "TLSv1.3";
  auto server = nx::tls::createServer(so);
  std::string serverError;
  server->tlsClientError().on([&serverError](std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const nx::SystemError& err) {
      serverError = err.code();
    }
  });
  std::vector<std::string> lines;
  std::unique_ptr<NodePeer> peer;
  (void)server->listen(0, "127.0.0.1").then([&] {
    peer = std::make_unique<NodePeer>(
        node_,
        "const tls = require(\"tls\"), fs = require(\"fs\");"
        "const c = tls.connect({ port: +process.argv[1], host: \"localhost\","
        "  maxVersion: \"TLSv1.2\", ca: fs.readFileSync(process.argv[2] + \"/ca.pem\") });"
        "c.on(\"error\", (e) => console.log(e.code));",
        std::to_string(server->address().port) + " " + pems.dir,
        [&](std::string l) { lines.push_back(l); }, [&](int) { (void)server->close(); });
  });
  EXPECT_EQ(nx::run(), 0);
  EXPECT_EQ(lines, std::vector<std::string>{"ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"});
  // What node's own server reports for the same client.
  EXPECT_EQ(serverError, "ERR_SSL_UNSUPPORTED_PROTOCOL");
}

Promise<> cipherOf(int port, std::string ca, std::vector<std::string>* out) {
  nx::tls::ConnectOptions o(port, "localhost");
  o.ca.emplace_back(ca);
  o.maxVersion = "TLSv1.2";
  auto c = co_await nx::tls::connect(o);
  const nx::tls::Cipher cipher = c->getCipher();
  out->push_back("ours " + cipher.name + " " + cipher.standardName + " " + cipher.version);
  (void)c->end();
  while (co_await c->read()) {
  }
}

// Node restricts its cipher list; our client's getCipher() says what node's says.
TEST_F(NodeInteropTest, GetCipherAgreesWithANodeServer) {
  PemFiles pems;
  std::vector<std::string> out;
  NodePeer peer(
      node_,
      "const tls = require(\"tls\"), fs = require(\"fs\"), d = process.argv[1];"
      "const s = tls.createServer({ key: fs.readFileSync(d + \"/key.pem\"),"
      "  cert: fs.readFileSync(d + \"/cert.pem\"),"
      "  ciphers: \"ECDHE-ECDSA-CHACHA20-POLY1305\" }, (c) => {"
      "  const x = c.getCipher();"
      "  console.log(\"node \" + x.name + \" \" + x.standardName + \" \" + x.version);"
      "  c.end(); s.close(); });"
      "s.listen(0, \"127.0.0.1\", () => console.log(s.address().port));",
      pems.dir,
      [&](std::string line) {
        if (line.rfind("node ", 0) == 0) {
          out.push_back(line.substr(5));
        } else {
          (void)cipherOf(std::stoi(line), nx::tls::testing::TestPki::get().ca.cert, &out);
        }
      },
      [](int) {});
  EXPECT_EQ(nx::run(), 0);
  std::sort(out.begin(), out.end());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0],
            "ECDHE-ECDSA-CHACHA20-POLY1305 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLSv1.2");
  EXPECT_EQ(out[1], "ours " + out[0]);
}

}  // namespace
