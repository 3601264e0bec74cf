// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_write_drain.js.
#include <cstdio>
#include <string>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

const char* b(bool v) { return v ? "true" : "false"; }

class SlowSink final : public nx::stream::Writable<nx::Buffer> {
 public:
  SlowSink() : Writable(nx::stream::WritableOptions{.highWaterMark = 10}) {}
  std::vector<nx::stream::Callback> pending;

 protected:
  void _write(nx::Buffer chunk, nx::stream::Callback callback) override {
    std::printf("_write %s %zu\n", chunk.toString().c_str(), writableLength());
    pending.push_back(std::move(callback));
  }
  void _final(nx::stream::Callback callback) override {
    std::printf("_final %zu\n", writableLength());
    callback();
  }
};

void step(const std::shared_ptr<SlowSink>& w) {
  if (!w->pending.empty()) {
    log("complete");
    auto cb = w->pending.front();
    w->pending.erase(w->pending.begin());
    cb();
    nx::setImmediate([w] { step(w); });
    return;
  }
  if (!w->writableEnded()) {
    bool ok = w->write(nx::Buffer::from("lm"));
    std::printf("write5 %s %zu\n", b(ok), w->writableLength());
    (void)w->end(nx::Buffer::from("n"));
    std::printf("ended %s %s\n", b(w->writableEnded()), b(w->writableFinished()));
    nx::setImmediate([w] { step(w); });
  }
}

}  // namespace

NX_ORACLE_SCENARIO(stream_write_drain) {
  auto w = std::make_shared<SlowSink>();
  auto ev = w->events();
  ev.drain.on(
      [&] { std::printf("drain %zu %s\n", w->writableLength(), b(w->writableNeedDrain())); });
  ev.finish.on([&] { std::printf("finish %s\n", b(w->writableFinished())); });
  ev.close.on([&] { std::printf("close %s\n", b(w->destroyed())); });

  bool r1 = w->write(nx::Buffer::from("abcd"));
  std::printf("write1 %s %zu\n", b(r1), w->writableLength());
  bool r2 = w->write(nx::Buffer::from("efgh"));
  std::printf("write2 %s %zu\n", b(r2), w->writableLength());
  bool r3 = w->write(nx::Buffer::from("ij"));
  std::printf("write3 %s %zu %s\n", b(r3), w->writableLength(), b(w->writableNeedDrain()));
  bool r4 = w->write(nx::Buffer::from("k"), [](std::exception_ptr) { log("cb k"); });
  std::printf("write4 %s %zu\n", b(r4), w->writableLength());
  nx::setImmediate([w] { step(w); });
  return nx::run();
}
