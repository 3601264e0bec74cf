// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_transform_flush.js.
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;
namespace stream = nx::stream;

namespace {

class Upper final : public stream::Transform<nx::Buffer, nx::Buffer> {
 protected:
  void _transform(nx::Buffer chunk, stream::Callback cb) override {
    std::string s = chunk.toString();
    std::printf("_transform %s\n", s.c_str());
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    push(nx::Buffer::from(s));
    cb();
  }
  void _flush(stream::Callback cb) override {
    log("_flush");
    push(nx::Buffer::from("!"));
    cb();
  }
};

}  // namespace

NX_ORACLE_SCENARIO(stream_transform_flush) {
  auto t = std::make_shared<Upper>();
  auto ev = t->events();
  auto lens = [&](const char* name) {
    std::printf("%s %zu %zu\n", name, t->readableLength(), t->writableLength());
  };
  ev.prefinish.on([&] { lens("prefinish"); });
  ev.finish.on([&] { lens("finish"); });
  ev.end.on([&] { lens("end"); });
  ev.close.on([&] { lens("close"); });
  ev.data.on([](nx::Buffer& d) { std::printf("data %s\n", d.toString().c_str()); });
  bool a = t->write(nx::Buffer::from("a"));
  std::printf("write a %s\n", a ? "true" : "false");
  bool b = t->write(nx::Buffer::from("b"));
  std::printf("write b %s\n", b ? "true" : "false");
  (void)t->end(nx::Buffer::from("c"));
  log("sync end");
  nx::nextTick([] { log("tick"); });
  nx::queueMicrotask([] { log("microtask"); });
  return nx::run();
}
