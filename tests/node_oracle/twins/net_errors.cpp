// SPDX-License-Identifier: MIT
// Twin of scenarios/net_errors.js.
#include <string>

#include "nodexx/net/net.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

std::string replacePort(std::string s, int port) {
  const std::string p = std::to_string(port);
  for (auto at = s.find(p); at != std::string::npos; at = s.find(p))
    s.replace(at, p.size(), "PORT");
  return s;
}

void show(const std::string& what, const std::exception_ptr& e, int port = -1) {
  std::string syscall = "undefined";
  try {
    std::rethrow_exception(e);
  } catch (const nx::UvError& err) {
    syscall = std::string(err.syscall());
  } catch (const nx::net::LookupError& err) {
    syscall = std::string(err.syscall());
  } catch (...) {
  }
  std::string msg = nx::oracle::messageOf(e);
  if (port >= 0) msg = replacePort(msg, port);
  log(what + ": " + nx::oracle::codeOf(e) + " " + syscall + " | " + msg);
}

nx::Promise<> run() {
  auto probe = nx::net::createServer();
  co_await probe->listen(0, "127.0.0.1");
  const int port = probe->address().port;
  auto taken = nx::net::createServer();
  try {
    co_await taken->listen(port, "127.0.0.1");
  } catch (...) {
    show("listen", std::current_exception(), port);
  }
  co_await probe->close();
  try {
    (void)co_await nx::net::connect(port, "127.0.0.1");
  } catch (...) {
    show("connect", std::current_exception(), port);
  }
  try {
    (void)co_await nx::net::connect(80, "nonexistent.invalid");
  } catch (...) {
    show("lookup", std::current_exception());
  }
  try {
    (void)co_await nx::net::connect("/tmp/nodexx-oracle-no-such.sock");
  } catch (...) {
    show("unix", std::current_exception());
  }
  try {
    co_await nx::net::createServer()->close();
  } catch (...) {
    log("close: " + nx::oracle::codeOf(std::current_exception()) + " | " +
        nx::oracle::messageOf(std::current_exception()));
  }
}

}  // namespace

NX_ORACLE_SCENARIO(net_errors) {
  (void)run();
  return nx::run();
}
