// SPDX-License-Identifier: MIT
// Twin of scenarios/fs_stream_range.js.
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/fs/read_stream.hpp"
#include "nodexx/fs/write_stream.hpp"
#include "oracle.hpp"

namespace {

using nx::oracle::boolText;
using nx::oracle::readText;
using nx::oracle::Step;

void watchRead(const char* name, const std::shared_ptr<nx::fs::ReadStream>& rs,
               std::function<void()> next) {
  std::printf("%s pending %s\n", name, boolText(rs->pending()));
  nx::fs::ReadStream* s = rs.get();
  auto ev = rs->events();
  ev.open.on([name, s](int) { std::printf("%s open number %s\n", name, boolText(s->pending())); });
  ev.ready.on([name] { std::printf("%s ready\n", name); });
  ev.data.on([name, s](nx::Buffer& c) {
    std::printf("%s data %zu %d %d %llu\n", name, c.size(), int{c[0]}, int{c[c.size() - 1]},
                static_cast<unsigned long long>(s->bytesRead()));
  });
  ev.end.on([name, s] {
    std::printf("%s end %llu\n", name, static_cast<unsigned long long>(s->bytesRead()));
  });
  ev.error.on([name](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const nx::UvError& u) {
      std::printf("%s error %s %s %s\n", name, std::string(u.code()).c_str(),
                  std::string(u.syscall()).c_str(), u.what());
    }
  });
  ev.close.on([name, s, next] {
    std::printf("%s close %s %s\n", name, boolText(s->pending()), boolText(s->destroyed()));
    next();
  });
}

void write(std::function<void()> next) {
  auto ws = nx::fs::createWriteStream("output.bin", {.highWaterMark = 4});
  nx::fs::WriteStream* s = ws.get();
  std::printf("write pending %s\n", boolText(ws->pending()));
  auto ev = ws->events();
  ev.open.on([s](int) { std::printf("write open number %s\n", boolText(s->pending())); });
  ev.ready.on([] { std::printf("write ready\n"); });
  ev.drain.on([] { std::printf("write drain\n"); });
  ev.finish.on([s] {
    std::printf("write finish %llu\n", static_cast<unsigned long long>(s->bytesWritten()));
  });
  ev.close.on([s, next] {
    std::printf("write close %s %s\n", boolText(s->pending()), readText("output.bin").c_str());
    next();
  });
  std::printf("write write %s\n", boolText(ws->write(nx::Buffer::from("abc"))));
  std::printf("write write %s\n", boolText(ws->write(nx::Buffer::from("defg"))));
  (void)ws->end(nx::Buffer::from("hij"));
}

}  // namespace

NX_ORACLE_SCENARIO(fs_stream_range) {
  nx::oracle::writePattern("input.bin", 1000);
  nx::oracle::chain({
      [](auto next) {
        watchRead(
            "range",
            nx::fs::createReadStream("input.bin", {.start = 100, .end = 799, .highWaterMark = 256}),
            next);
      },
      [](auto next) {
        watchRead(
            "pastEof",
            nx::fs::createReadStream("input.bin", {.start = 990, .end = 5000, .highWaterMark = 4}),
            next);
      },
      [](auto next) {
        watchRead("oneByte", nx::fs::createReadStream("input.bin", {.start = 999, .end = 999}),
                  next);
      },
      [](auto next) {
        watchRead("whole", nx::fs::createReadStream("input.bin", {.highWaterMark = 300}), next);
      },
      [](auto next) { watchRead("missing", nx::fs::createReadStream("missing.bin"), next); },
      [](auto next) { write(next); },
  });
  return nx::run();
}
