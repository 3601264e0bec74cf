// SPDX-License-Identifier: MIT
// Twin of scenarios/fs_stream_destroy.js.
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/fs/read_stream.hpp"
#include "nodexx/fs/write_stream.hpp"
#include "oracle.hpp"

namespace {

using nx::oracle::boolText;
using nx::oracle::readText;
using nx::oracle::Step;

using Next = std::function<void()>;
std::string codeText(const std::exception_ptr& e) {
  if (!e) return "undefined";
  try {
    std::rethrow_exception(e);
  } catch (const nx::SystemError& s) {
    return std::string(s.code());
  }
}

// The events both kinds of stream share with the script's watch().
template <class S>
void watch(const char* name, S* s) {
  auto ev = s->events();
  ev.open.on([name](int) { std::printf("%s open\n", name); });
  ev.ready.on([name] { std::printf("%s ready\n", name); });
  ev.error.on([name](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const nx::SystemError& x) {
      std::printf("%s error %s %s %s\n", name, std::string(x.name()).c_str(),
                  std::string(x.code()).c_str(), x.what());
    }
  });
}

unsigned long long u(std::uint64_t n) { return static_cast<unsigned long long>(n); }

void early(Next next) {
  auto rs = nx::fs::createReadStream("input.bin");
  nx::fs::ReadStream* s = rs.get();
  watch("early", s);
  rs->events().end.on([] { std::printf("early end\n"); });
  rs->events().close.on([s, next] {
    std::printf("early close %s %llu\n", boolText(s->pending()), u(s->bytesRead()));
    next();
  });
  rs->destroy();
  std::printf("early destroyed %s %s\n", boolText(rs->destroyed()), boolText(rs->pending()));
}

void inData(Next next) {
  auto rs = nx::fs::createReadStream("input.bin", {.highWaterMark = 1000});
  nx::fs::ReadStream* s = rs.get();
  watch("inData", s);
  rs->events().end.on([] { std::printf("inData end\n"); });
  rs->events().data.on([s](nx::Buffer& c) {
    std::printf("inData data %zu\n", c.size());
    s->destroy();
  });
  rs->events().close.on([s, next] {
    std::printf("inData close %llu\n", u(s->bytesRead()));
    next();
  });
}

void closeCb(Next next) {
  auto rs = nx::fs::createReadStream("input.bin");
  nx::fs::ReadStream* s = rs.get();
  watch("closeCb", s);
  rs->events().end.on([] { std::printf("closeCb end\n"); });
  rs->events().data.once([s, next](nx::Buffer&) {
    s->close([next](std::exception_ptr e) {
      std::printf("closeCb callback %s\n", codeText(e).c_str());
      next();
    });
  });
  rs->events().close.on([] { std::printf("closeCb close\n"); });
}

void noAutoClose(Next next) {
  auto rs = nx::fs::createReadStream("input.bin", {.start = 0, .end = 9, .autoClose = false});
  nx::fs::ReadStream* s = rs.get();
  watch("noAutoClose", s);
  rs->events().data.on([](nx::Buffer& c) { std::printf("noAutoClose data %zu\n", c.size()); });
  // The next case starts on "close", as in the script (its open would race this fd's close).
  rs->events().close.on([s, next] {
    std::printf("noAutoClose close %s\n", boolText(s->pending()));
    next();
  });
  rs->events().end.on([s, next] {
    std::printf("noAutoClose end\n");
    // Nothing else holds the ended stream (autoClose false): the timer keeps it, as the
    // script's closure does.
    nx::setTimeout(
        [s, keep = s->self()] {
          std::printf("noAutoClose after end %s %s\n", boolText(s->destroyed()),
                      boolText(s->pending()));
          s->close([](std::exception_ptr e) {
            std::printf("noAutoClose callback %s\n", codeText(e).c_str());
          });
        },
        1);
  });
}

void abortSignal(Next next) {
  auto ac = std::make_shared<nx::AbortController>();
  auto rs = nx::fs::createReadStream("input.bin", {}, ac->signal());
  nx::fs::ReadStream* s = rs.get();
  watch("abort", s);
  rs->events().end.on([] { std::printf("abort end\n"); });
  rs->events().open.once([ac](int) { ac->abort(); });
  rs->events().close.on([s, next] {
    std::printf("abort close %s\n", boolText(s->destroyed()));
    next();
  });
}

void heldWrite(Next next) {
  auto ws = nx::fs::createWriteStream("early.bin");
  nx::fs::WriteStream* s = ws.get();
  watch("heldWrite", s);
  ws->events().finish.on([] { std::printf("heldWrite finish\n"); });
  (void)ws->write(nx::Buffer::from("x"), [](std::exception_ptr e) {
    std::printf("heldWrite write cb %s\n", codeText(e).c_str());
  });
  ws->events().close.on([s, next] {
    std::printf("heldWrite close %llu\n", u(s->bytesWritten()));
    next();
  });
  ws->destroy();
}

void inFlight(Next next) {
  auto ws = nx::fs::createWriteStream("big.bin");
  nx::fs::WriteStream* s = ws.get();
  watch("inFlight", s);
  ws->events().finish.on([] { std::printf("inFlight finish\n"); });
  ws->events().open.once([s](int) {
    (void)s->write(nx::Buffer::alloc(8 << 20), [](std::exception_ptr e) {
      std::printf("inFlight write cb %s\n", codeText(e).c_str());
    });
    nx::setImmediate([s] {
      std::printf("inFlight destroy\n");
      s->destroy();
    });
  });
  ws->events().close.on([s, next] {
    std::printf("inFlight close %llu\n", u(s->bytesWritten()));
    next();
  });
}

void wsClose(Next next) {
  auto ws = nx::fs::createWriteStream("closed.bin", {.autoClose = false});
  nx::fs::WriteStream* s = ws.get();
  watch("wsClose", s);
  ws->events().finish.on([] { std::printf("wsClose finish\n"); });
  (void)ws->write(nx::Buffer::from("abc"));
  ws->events().close.on([s] { std::printf("wsClose close %llu\n", u(s->bytesWritten())); });
  ws->close([next] {
    std::printf("wsClose callback %s\n", readText("closed.bin").c_str());
    next();
  });
}

}  // namespace

NX_ORACLE_SCENARIO(fs_stream_destroy) {
  nx::oracle::writePattern("input.bin", 200000);
  nx::oracle::chain(
      {early, inData, closeCb, noAutoClose, abortSignal, heldWrite, inFlight, wsClose});
  return nx::run();
}
