// SPDX-License-Identifier: MIT
// Twin of scenarios/zlib_stream_errors.js.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/nodexx.hpp"
#include "nodexx/zlib/zlib_stream.hpp"
#include "oracle.hpp"

using nx::oracle::log;
using nx::testing::jsonString;

namespace {

namespace zlib = nx::zlib;
using nx::Buffer;
using nx::Encoding;

struct Case {
  std::string label;
  std::function<std::shared_ptr<zlib::ZlibBase>()> make;
  std::vector<Buffer> chunks;
};

void runCase(const std::vector<Case>& cases, std::size_t i) {
  if (i == cases.size()) return;
  const Case& c = cases[i];
  auto stream = c.make();
  auto out = std::make_shared<std::string>();
  const std::string label = c.label;
  stream->events().data.on([out](Buffer& d) { *out += d.toString(Encoding::Latin1); });
  stream->events().end.on([label, out] { log(label + ": end " + jsonString(*out)); });
  stream->events().error.on([label](std::exception_ptr e) {
    std::string errnum = "undefined";
    try {
      std::rethrow_exception(e);
    } catch (const zlib::ZlibError& z) {
      errnum = std::to_string(z.errnum());
    } catch (...) {
    }
    log(label + ": error " + nx::oracle::codeOf(e) + " " + errnum + " " + nx::oracle::messageOf(e));
  });
  stream->events().close.on([label, &cases, i] {
    log(label + ": close");
    runCase(cases, i + 1);
  });
  for (const Buffer& chunk : c.chunks) (void)stream->write(chunk);
  (void)stream->end();
}

}  // namespace

NX_ORACLE_SCENARIO(zlib_stream_errors) {
  const Buffer gz = Buffer::from(
      "1f8b0800000000000003cb48cdc9c95728cf2fca4951c840b0013bcee2ea17000000", Encoding::Hex);
  const Buffer br = Buffer::from("1b1600f88d946ede44558696206c6f350b32b54006543b", Encoding::Hex);
  const Buffer garbage = Buffer::from("garbage!");
  const std::vector<Case> cases = {
      {"gunzip ok", [] { return zlib::createGunzip(); }, {gz.subarray(0, 7), gz.subarray(7)}},
      {"gunzip two members",
       [] { return zlib::createGunzip(); },
       {gz, gz.subarray(0, 20), gz.subarray(20)}},
      {"gunzip garbage", [] { return zlib::createGunzip(); }, {garbage}},
      {"gunzip truncated", [] { return zlib::createGunzip(); }, {gz.subarray(0, 30)}},
      {"inflate garbage", [] { return zlib::createInflate(); }, {garbage}},
      {"unzip garbage",
       [] { return zlib::createUnzip(); },
       {Buffer::from("xx"), Buffer::from("yy")}},
      {"brotli ok", [] { return zlib::createBrotliDecompress(); }, {br}},
      {"brotli garbage", [] { return zlib::createBrotliDecompress(); }, {garbage}},
      {"brotli truncated", [] { return zlib::createBrotliDecompress(); }, {br.subarray(0, 10)}},
      {"gunzip sync finish",
       [] { return zlib::createGunzip({.finishFlush = zlib::Flush::SyncFlush}); },
       {gz.subarray(0, 25)}},
  };
  runCase(cases, 0);
  return nx::run();
}
