// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_flowing_paused.js.
#include <cstdio>
#include <memory>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

const char* b(bool v) { return v ? "true" : "false"; }
const char* flowing(const std::optional<bool>& f) { return !f ? "null" : (*f ? "true" : "false"); }

class Counter final : public nx::stream::Readable<nx::Buffer> {
 public:
  Counter() : Readable(nx::stream::ReadableOptions{.highWaterMark = 8}) {}

 protected:
  void _read(std::size_t size) override {
    ++n_;
    std::printf("_read %zu %zu\n", size, readableLength());
    if (n_ <= 4) push(nx::Buffer::from("c" + std::to_string(n_)));
  }

 private:
  int n_ = 0;
};

}  // namespace

NX_ORACLE_SCENARIO(stream_flowing_paused) {
  auto r = std::make_shared<Counter>();
  auto ev = r->events();
  ev.pause.on([&] { std::printf("pause event %s\n", flowing(r->readableFlowing())); });
  ev.resume.on([&] { std::printf("resume event %s\n", flowing(r->readableFlowing())); });
  ev.end.on([&] { std::printf("end %s\n", b(r->readableEnded())); });
  ev.close.on([] { log("close"); });
  std::printf("flowing0 %s %s\n", flowing(r->readableFlowing()), b(r->isPaused()));
  ev.data.on([&](nx::Buffer& chunk) {
    std::string s = chunk.toString();
    std::printf("data %s %zu\n", s.c_str(), r->readableLength());
    if (s == "c2") {
      r->pause();
      std::printf("paused %s %s\n", flowing(r->readableFlowing()), b(r->isPaused()));
      nx::setImmediate([&] {
        std::printf("buffered %zu\n", r->readableLength());
        r->resume();
        std::printf("resumed %s %s\n", flowing(r->readableFlowing()), b(r->isPaused()));
      });
    }
    if (s == "c4") r->push(nullptr);
  });
  std::printf("flowing1 %s\n", flowing(r->readableFlowing()));
  return nx::run();
}
