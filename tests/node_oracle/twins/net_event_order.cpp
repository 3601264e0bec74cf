// SPDX-License-Identifier: MIT
// Twin of scenarios/net_event_order.js.
#include "nodexx/net/net.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

void startClient(const std::shared_ptr<nx::net::Server>& server) {
  auto c = std::make_shared<nx::net::Socket>();
  auto ev = c->events();
  ev.connect.on([] { log("connect"); });
  ev.ready.on([] { log("ready"); });
  ev.end.on([] { log("end"); });
  ev.finish.on([] { log("finish"); });
  ev.close.on([] { log("close"); });
  ev.data.on([](nx::Buffer& b) { log("data:" + b.toString()); });
  ev.connect.once([c = c.get(), server] {
    log("connected");
    (void)c->write(nx::Buffer::from("ping"));
    (void)c->end();
    (void)server->close().then([] { log("server closed"); });
  });
  (void)c->connect(nx::net::ConnectOptions(server->address().port, "127.0.0.1"));
}

}  // namespace

NX_ORACLE_SCENARIO(net_event_order) {
  auto server = nx::net::createServer([](std::shared_ptr<nx::net::Socket> s) { s->pipe(s); });
  (void)server->listen(0, "127.0.0.1").then([server] { startClient(server); });
  return nx::run();
}
