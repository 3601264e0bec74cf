// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_destroy_order.js.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::codeOf;
using nx::oracle::log;
using nx::oracle::messageOf;
namespace stream = nx::stream;

namespace {

const char* b(bool v) { return v ? "true" : "false"; }

class Held final : public stream::Writable<nx::Buffer> {
 public:
  Held() : Writable(stream::WritableOptions{.highWaterMark = 4}) {}
  stream::Callback held;

 protected:
  void _write(nx::Buffer c, stream::Callback cb) override {
    std::printf("_write %s\n", c.toString().c_str());
    held = cb;
  }
  void _destroy(std::exception_ptr err, stream::Callback cb) override {
    std::printf("_destroy %s\n", messageOf(err).c_str());
    cb(err);
  }
};

class Idle final : public stream::Readable<nx::Buffer> {
 protected:
  void _read(std::size_t) override {}
};

}  // namespace

NX_ORACLE_SCENARIO(stream_destroy_order) {
  nx::oracle::steps(
      [] {
        auto w = std::make_shared<Held>();
        auto ev = w->events();
        // Listeners take a raw pointer: a shared_ptr in the stream's own listener is a cycle.
        Held* wp = w.get();
        ev.error.on([wp](std::exception_ptr& e) {
          std::printf("error %s %s\n", messageOf(e).c_str(), b(wp->destroyed()));
        });
        ev.close.on([wp] { std::printf("close %s %zu\n", b(wp->closed()), wp->writableLength()); });
        (void)w->write(nx::Buffer::from("ab"), [](std::exception_ptr e) {
          std::printf("cb ab %s\n", e ? messageOf(e).c_str() : "null");
        });
        (void)w->write(nx::Buffer::from("cd"), [](std::exception_ptr e) {
          std::printf("cb cd %s\n", e ? codeOf(e).c_str() : "null");
        });
        w->destroy(std::runtime_error("kaput"));
        std::printf("destroyed %s %s\n", b(w->destroyed()), b(w->closed()));
        w->destroy(std::runtime_error("again"));
        bool ok = w->write(nx::Buffer::from("ef"), [](std::exception_ptr e) {
          std::printf("cb ef %s\n", codeOf(e).c_str());
        });
        std::printf("write after destroy %s\n", b(ok));
        nx::nextTick([] { log("tick"); });
        nx::setImmediate([w] {
          log("late completion");
          stream::Callback cb = std::move(w->held);
          cb();
        });
      },
      [] {
        auto r = std::make_shared<Idle>();
        auto ev = r->events();
        ev.error.on([](std::exception_ptr&) { log("never"); });
        Idle* rp = r.get();
        ev.close.on([rp] {
          std::printf("readable close %s %zu\n", b(rp->destroyed()), rp->readableLength());
        });
        r->push(nx::Buffer::from("zz"));
        r->destroy();
        std::printf("readable destroyed %s\n", b(r->destroyed()));
        std::printf("push after destroy %s\n", b(r->push(nx::Buffer::from("yy"))));
      });
  return nx::run();
}
