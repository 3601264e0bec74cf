// SPDX-License-Identifier: MIT
// Twin of scenarios/stream_pipeline_error.js.
#include <cstdio>
#include <memory>
#include <string>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::oracle::messageOf;
namespace stream = nx::stream;

namespace {

std::string why(const std::exception_ptr& e) { return e ? messageOf(e) : "null"; }

class Numbers final : public stream::Readable<int> {
 public:
  Numbers() : Readable(stream::ReadableOptions{.highWaterMark = 2}) {}

 protected:
  void _read(std::size_t) override {
    if (++n_ <= 10) push(n_);
  }
  void _destroy(std::exception_ptr err, stream::Callback cb) override {
    std::printf("src _destroy %s\n", why(err).c_str());
    cb(err);
  }

 private:
  int n_ = 0;
};

class Double final : public stream::Transform<int, int> {
 protected:
  void _transform(int chunk, stream::Callback cb) override {
    push(chunk * 2);
    cb();
  }
  void _destroy(std::exception_ptr err, stream::Callback cb) override {
    std::printf("double _destroy %s\n", why(err).c_str());
    cb(err);
  }
};

class Failing final : public stream::Transform<int, int> {
 protected:
  void _transform(int chunk, stream::Callback cb) override {
    std::printf("failing sees %d\n", chunk);
    if (chunk == 6) {
      cb(nx::SystemError("ERR_TEST", "boom at 6"));
      return;
    }
    push(chunk);
    cb();
  }
  void _destroy(std::exception_ptr err, stream::Callback cb) override {
    std::printf("failing _destroy %s\n", why(err).c_str());
    cb(err);
  }
};

class Sink final : public stream::Writable<int> {
 protected:
  void _write(int chunk, stream::Callback cb) override {
    std::printf("dst got %d\n", chunk);
    cb();
  }
  void _destroy(std::exception_ptr err, stream::Callback cb) override {
    std::printf("dst _destroy %s\n", why(err).c_str());
    cb(nx::SystemError("ERR_TEST", "dst teardown failed"));
  }
};

template <class S>
void watch(const char* name, const std::shared_ptr<S>& s) {
  auto ev = static_cast<stream::StreamBase&>(*s).events();
  ev.close.on([name] { std::printf("%s close\n", name); });
  ev.error.on(
      [name](std::exception_ptr& e) { std::printf("%s error %s\n", name, why(e).c_str()); });
}

}  // namespace

NX_ORACLE_SCENARIO(stream_pipeline_error) {
  auto src = std::make_shared<Numbers>();
  auto dbl = std::make_shared<Double>();
  auto failing = std::make_shared<Failing>();
  auto dst = std::make_shared<Sink>();
  watch("src", src);
  watch("double", dbl);
  watch("failing", failing);
  watch("dst", dst);
  (void)stream::pipeline(src, dbl, failing, dst)
      .then([] { log("resolved"); },
            [](std::exception_ptr e) { std::printf("rejected %s\n", why(e).c_str()); });
  return nx::run();
}
