// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_pipe_backpressure.js.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

class Source final : public nx::stream::Readable<nx::Buffer> {
 public:
  Source() : Readable(nx::stream::ReadableOptions{.highWaterMark = 6}) {}

 protected:
  void _read(std::size_t) override {
    ++produced_;
    std::printf("_read %d srcLen %zu\n", produced_, readableLength());
    if (produced_ <= 6) {
      push(nx::Buffer::from("ab" + std::to_string(produced_)));
    } else {
      push(nullptr);
    }
  }

 private:
  int produced_ = 0;
};

class SlowSink final : public nx::stream::Writable<nx::Buffer> {
 public:
  SlowSink() : Writable(nx::stream::WritableOptions{.highWaterMark = 5}) {}
  std::vector<nx::stream::Callback> pending;

 protected:
  void _write(nx::Buffer chunk, nx::stream::Callback callback) override {
    std::printf("_write %s dstLen %zu\n", chunk.toString().c_str(), writableLength());
    pending.push_back(std::move(callback));
  }
};

void step(const std::shared_ptr<Source>& src, const std::shared_ptr<SlowSink>& dst) {
  if (!dst->pending.empty()) {
    std::printf("complete srcLen %zu dstLen %zu\n", src->readableLength(), dst->writableLength());
    auto cb = dst->pending.front();
    dst->pending.erase(dst->pending.begin());
    cb();
  }
  if (!dst->writableFinished()) nx::setImmediate([src, dst] { step(src, dst); });
}

}  // namespace

NX_ORACLE_SCENARIO(stream_pipe_backpressure) {
  auto src = std::make_shared<Source>();
  auto dst = std::make_shared<SlowSink>();
  auto se = src->events();
  auto de = dst->events();
  se.pause.on([&] { std::printf("src pause %zu\n", src->readableLength()); });
  se.resume.on([&] { std::printf("src resume %zu\n", src->readableLength()); });
  se.end.on([] { log("src end"); });
  se.close.on([] { log("src close"); });
  de.pipe.on([] { log("dst pipe"); });
  de.unpipe.on([] { log("dst unpipe"); });
  de.drain.on([] { log("dst drain"); });
  de.finish.on([] { log("dst finish"); });
  de.close.on([] { log("dst close"); });

  std::printf("pipe returns dst %s\n", src->pipe(dst) == dst ? "true" : "false");
  nx::setImmediate([src, dst] { step(src, dst); });
  return nx::run();
}
