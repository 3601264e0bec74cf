// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_end_finish_close.js.
#include <cstdio>
#include <memory>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;
namespace stream = nx::stream;

namespace {

class Idle final : public stream::Readable<nx::Buffer> {
 protected:
  void _read(std::size_t) override {}
};

class Accept final : public stream::Writable<nx::Buffer> {
 protected:
  void _write(nx::Buffer, stream::Callback cb) override { cb(); }
};

class Both final : public stream::Duplex<nx::Buffer, nx::Buffer> {
 public:
  explicit Both(stream::DuplexOptions o = {}) : Duplex(o) {}

 protected:
  void _read(std::size_t) override {}
  void _write(nx::Buffer, stream::Callback cb) override { cb(); }
};

template <class S>
void watch(const char* name, S& s) {
  auto ev = s.events();
  ev.end.on([name] { std::printf("%s end\n", name); });
  ev.finish.on([name] { std::printf("%s finish\n", name); });
  ev.close.on([name] { std::printf("%s close\n", name); });
}
template <>
void watch(const char* name, stream::Readable<nx::Buffer>& s) {
  auto ev = s.events();
  ev.end.on([name] { std::printf("%s end\n", name); });
  ev.close.on([name] { std::printf("%s close\n", name); });
}
template <>
void watch(const char* name, stream::Writable<nx::Buffer>& s) {
  auto ev = s.events();
  ev.finish.on([name] { std::printf("%s finish\n", name); });
  ev.close.on([name] { std::printf("%s close\n", name); });
}

}  // namespace

NX_ORACLE_SCENARIO(stream_end_finish_close) {
  nx::oracle::steps(
      [] {
        auto r = std::make_shared<Idle>();
        watch<stream::Readable<nx::Buffer>>("readable", *r);
        r->resume();
        r->push(nx::Buffer::from("x"));
        r->push(nullptr);
        log("readable pushed");
      },
      [] {
        auto w = std::make_shared<Accept>();
        watch<stream::Writable<nx::Buffer>>("writable", *w);
        (void)w->write(nx::Buffer::from("x"));
        (void)w->end();
        log("writable ended");
      },
      [] {
        auto d = std::make_shared<Both>();
        watch("duplex", *d);
        d->resume();
        d->push(nullptr);
        nx::setImmediate([d] {
          std::printf("duplex ending writable %s %s\n", d->readableEnded() ? "true" : "false",
                      d->destroyed() ? "true" : "false");
          (void)d->end();
        });
      },
      [] {
        auto d = std::make_shared<Both>(stream::DuplexOptions{.allowHalfOpen = false});
        watch("halfclosed", *d);
        std::printf("allowHalfOpen %s\n", d->allowHalfOpen() ? "true" : "false");
        d->resume();
        d->push(nullptr);
      });
  return nx::run();
}
