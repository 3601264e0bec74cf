// SPDX-License-Identifier: MIT
// Interoperability with node itself: what nodexx compresses, node decompresses, and the other
// way round. Each test runs `node -e` as a separate process over files and is skipped when
// node is not installed.
#include "nodexx/zlib/zlib.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/zlib/zlib_stream.hpp"

namespace nx {
namespace {

bool haveNode() { return std::system("node --version > /dev/null 2>&1") == 0; }

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nx-zlib-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

void writeFile(const std::string& path, const Buffer& b) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Buffer readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Buffer::from(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

/// Runs `node -e js` with `input` on stdin and returns its stdout (nullopt if node failed).
std::optional<Buffer> runNode(const std::string& js, const Buffer& input) {
  const std::string in = tempPath("in"), out = tempPath("out"), script = tempPath("script.js");
  writeFile(in, input);
  writeFile(script, Buffer::from(js));
  const int rc = std::system(("node " + script + " < " + in + " > " + out).c_str());
  std::optional<Buffer> result;
  if (rc == 0) result = readFile(out);
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(script.c_str());
  return result;
}

/// A node script that applies zlib.<fn>Sync(stdin, opts) and writes the result to stdout.
std::string nodeFilter(const std::string& fn, const std::string& opts = "{}") {
  return "const z = require('zlib'); const fs = require('fs');\n"
         "const input = fs.readFileSync(0);\n"
         "fs.writeSync(1, z." +
         fn + "Sync(input, " + opts + "));\n";
}

Buffer sample(std::size_t size) {
  Buffer b = Buffer::allocUnsafe(size);
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    // Mostly letters with runs, so every format has something to compress.
    b[i] = static_cast<std::uint8_t>("abcdefgh \n{}\":,0123"[(x >> 16) % 20]);
  }
  return b;
}

class ZlibNodeTest : public nx::testing::FreshLoop {
 protected:
  void SetUp() override {
    if (!haveNode()) GTEST_SKIP() << "node is not installed";
  }
  const Buffer input = sample(300 * 1000);
};

TEST_F(ZlibNodeTest, NodeDecompressesWhatNodexxCompresses) {
  struct Case {
    const char* name;
    Buffer compressed;
    const char* nodeFn;
  } cases[] = {
      {"gzip", zlib::gzipSync(input), "gunzip"},
      {"gzip level 1", zlib::gzipSync(input, {.level = 1}), "gunzip"},
      {"deflate level 9", zlib::deflateSync(input, {.level = 9}), "inflate"},
      {"deflateRaw", zlib::deflateRawSync(input), "inflateRaw"},
      {"deflate via unzip", zlib::deflateSync(input), "unzip"},
      {"brotli", zlib::brotliCompressSync(input, {.params = {.quality = 5}}), "brotliDecompress"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto out = runNode(nodeFilter(c.nodeFn), c.compressed);
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(*out, input);
  }
}

TEST_F(ZlibNodeTest, NodexxDecompressesWhatNodeCompresses) {
  auto gz = runNode(nodeFilter("gzip", "{level: 9}"), input);
  auto df = runNode(nodeFilter("deflate", "{level: 1, memLevel: 9}"), input);
  auto raw = runNode(nodeFilter("deflateRaw", "{windowBits: 10}"), input);
  auto br = runNode(
      nodeFilter("brotliCompress", "{params: {[z.constants.BROTLI_PARAM_QUALITY]: 11}}"), input);
  ASSERT_TRUE(gz && df && raw && br);
  EXPECT_EQ(zlib::gunzipSync(*gz), input);
  EXPECT_EQ(zlib::unzipSync(*gz), input);
  EXPECT_EQ(zlib::inflateSync(*df), input);
  EXPECT_EQ(zlib::inflateRawSync(*raw, {.windowBits = 10}), input);
  EXPECT_EQ(zlib::brotliDecompressSync(*br), input);
  // The bytes themselves may differ: node bundles Chromium's zlib, which finds other matches.
}

/// Compresses `input` with a nodexx stream: 10 KB writes, a SyncFlush after the first.
Promise<Buffer> compressWithStream(std::shared_ptr<zlib::ZlibBase> s, Buffer input) {
  std::vector<Buffer> out;
  // Wait for "end" (the last output), not only for "finish" (the last input).
  auto ended = Promise<>::withResolvers();
  s->events().data.on([&out](Buffer& chunk) { out.push_back(chunk); });
  s->events().end.once([ended] { ended.resolve(); });
  for (std::size_t off = 0; off < input.size(); off += 10000) {
    co_await s->write(
        input.subarray(static_cast<std::ptrdiff_t>(off), static_cast<std::ptrdiff_t>(off + 10000)));
    if (off == 0) s->flush(zlib::Flush::SyncFlush);
  }
  co_await s->end();
  co_await ended.promise;
  co_return Buffer::concat(out);
}

Promise<Buffer> decompressWithStream(std::shared_ptr<zlib::ZlibBase> s, Buffer input) {
  std::vector<Buffer> out;
  auto ended = Promise<>::withResolvers();
  s->events().data.on([&out](Buffer& chunk) { out.push_back(chunk); });
  s->events().end.once([ended] { ended.resolve(); });
  co_await s->end(std::move(input));
  co_await ended.promise;
  co_return Buffer::concat(out);
}

TEST_F(ZlibNodeTest, StreamsInteroperateWithNodesStreams) {
  Promise<Buffer> gz = compressWithStream(zlib::createGzip(), input);
  Promise<Buffer> br =
      compressWithStream(zlib::createBrotliCompress({.params = {.quality = 4}}), input);
  run();
  ASSERT_TRUE(gz.isFulfilled() && br.isFulfilled());
  auto fromNode = [&](const Promise<Buffer>& p, const char* fn) {
    return runNode(nodeFilter(fn), p.state()->value.value());
  };
  EXPECT_EQ(fromNode(gz, "gunzip"), input);
  EXPECT_EQ(fromNode(br, "brotliDecompress"), input);
  // Node's streams, flushed after the first write, decompressed by ours.
  const std::string nodeStream =
      "const z = require('zlib'); const fs = require('fs');\n"
      "const input = fs.readFileSync(0); const out = [];\n"
      "const s = z.createDeflate();\n"
      "s.on('data', (d) => out.push(d)); s.on('end', () => fs.writeSync(1, Buffer.concat(out)));\n"
      "s.write(input.subarray(0, 1000)); s.flush(() => { s.end(input.subarray(1000)); });\n";
  auto df = runNode(nodeStream, input);
  ASSERT_TRUE(df.has_value());
  Promise<Buffer> back = decompressWithStream(zlib::createInflate(), *df);
  run();
  ASSERT_TRUE(back.isFulfilled());
  EXPECT_EQ(back.state()->value.value(), input);
}

}  // namespace
}  // namespace nx
