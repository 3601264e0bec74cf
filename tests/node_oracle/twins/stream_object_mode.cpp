// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_object_mode.js.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

namespace stream = nx::stream;

namespace {

const char* b(bool v) { return v ? "true" : "false"; }

struct Item {
  int n;
};

class Idle final : public stream::Readable<Item> {
 protected:
  void _read(std::size_t) override {}
};

class Held final : public stream::Writable<Item> {
 public:
  Held() : Writable(stream::WritableOptions{.highWaterMark = 3}) {}
  std::vector<stream::Callback> held;

 protected:
  void _write(Item, stream::Callback cb) override { held.push_back(std::move(cb)); }
};

void step(const std::shared_ptr<Held>& w) {
  if (!w->held.empty()) {
    auto cb = w->held.front();
    w->held.erase(w->held.begin());
    cb();
    nx::setImmediate([w] { step(w); });
  }
}

}  // namespace

NX_ORACLE_SCENARIO(stream_object_mode) {
  auto r = std::make_shared<Idle>();
  std::printf("default hwm %zu %s\n", r->readableHighWaterMark(), b(r->readableObjectMode()));
  for (int i = 1; i <= 17; ++i) {
    bool ok = r->push(Item{i});
    if (!ok || i == 1) std::printf("push %d %s %zu\n", i, b(ok), r->readableLength());
  }
  auto w = std::make_shared<Held>();
  for (int i = 1; i <= 4; ++i) {
    bool ok = w->write(Item{i});
    std::printf("write %d %s %zu\n", i, b(ok), w->writableLength());
  }
  Held* wp = w.get();  // a shared_ptr in the stream's own listener would be a cycle
  w->events().drain.on([wp] { std::printf("drain %zu\n", wp->writableLength()); });
  auto seen = std::make_shared<std::vector<int>>();
  r->events().data.on([seen](Item& o) {
    seen->push_back(o.n);
    if (seen->size() == 17) {
      std::string all;
      for (int n : *seen) all += (all.empty() ? "" : ",") + std::to_string(n);
      std::printf("read all %s\n", all.c_str());
    }
  });
  nx::setImmediate([w] { step(w); });
  return nx::run();
}
