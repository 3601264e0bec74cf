// SPDX-License-Identifier: MIT
// libFuzzer target for nx::stream::LineSplitter and its LineDecoder. Byte 0 of the input picks
// maxLineLength (0: the default, else 1..255), bytes 1..4 seed the chunking; the rest is the
// text. The text is fed in random chunks (including empty ones) to a LineDecoder and, through a
// loop, to a LineSplitter stream; both must produce exactly the lines of a simple reference
// splitter (split on "\n", strip one "\r" before it, keep a last line without "\n"), and must
// fail with ERR_STREAM_LINE_TOO_LONG exactly when a line is longer than the limit, after
// emitting every earlier line. A broken invariant prints what failed and traps.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/line_splitter.hpp"
#include "nodexx/stream/pipeline.hpp"

namespace {

using Lines = std::vector<std::string>;

struct Expected {
  Lines lines;
  bool tooLong = false;
};

// The reference: whole-input splitting, no chunk boundaries to get wrong.
Expected reference(const std::string& text, std::size_t max) {
  Expected e;
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = text.find('\n', start);
    bool last = nl == std::string::npos;
    std::string line = text.substr(start, last ? std::string::npos : nl - start);
    if (last && line.empty()) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > max) {
      e.tooLong = true;
      break;
    }
    e.lines.push_back(std::move(line));
    if (last) break;
    start = nl + 1;
  }
  return e;
}

std::uint32_t next(std::uint32_t& s) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

std::vector<std::string> chunk(const std::string& text, std::uint32_t seed) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t n = next(seed) % 9;  // 0..8 bytes, empty chunks included
    if (next(seed) % 16 == 0) n = next(seed) % 300;
    out.push_back(text.substr(pos, n));
    pos += n;
  }
  return out;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "line_splitter_fuzz: %s\n", what);
  __builtin_trap();
}

class Collect final : public nx::stream::Writable<std::string> {
 public:
  Lines lines;

 protected:
  void _write(std::string line, nx::stream::Callback cb) override {
    lines.push_back(std::move(line));
    cb();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::size_t max = data[0] == 0 ? nx::stream::kDefaultMaxLineLength : data[0];
  std::uint32_t seed = (std::uint32_t{data[1]} << 24 | std::uint32_t{data[2]} << 16 |
                        std::uint32_t{data[3]} << 8 | data[4]) |
                       1u;
  const std::string text(reinterpret_cast<const char*>(data + 5), size - 5);
  const Expected want = reference(text, max);
  const std::vector<std::string> chunks = chunk(text, seed);

  // The decoder alone.
  nx::stream::LineDecoder decoder(max);
  Lines got;
  bool ok = true;
  for (const std::string& c : chunks) {
    ok = decoder.write(std::span(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()), got);
    if (!ok) break;
  }
  if (ok) {
    if (auto last = decoder.end()) got.push_back(*last);
  }
  if (ok == want.tooLong) fail("decoder: the too-long verdict differs from the reference");
  if (got != want.lines) fail("decoder: the lines differ from the reference");

  // The stream, on the thread's loop.
  std::vector<nx::Buffer> buffers;
  for (const std::string& c : chunks) buffers.push_back(nx::Buffer::from(c));
  auto src = nx::stream::Readable<nx::Buffer>::from(std::move(buffers));
  auto split = std::make_shared<nx::stream::LineSplitter>(
      nx::stream::LineSplitterOptions{.maxLineLength = max});
  auto sink = std::make_shared<Collect>();
  std::string code = "pending";
  (void)nx::stream::pipeline(src, split, sink)
      .then([&] { code = "ok"; },
            [&](std::exception_ptr e) {
              try {
                std::rethrow_exception(e);
              } catch (const nx::SystemError& x) {
                code = std::string(x.code());
              } catch (...) {
                code = "other";
              }
            });
  nx::loop().run();
  if (want.tooLong ? code != "ERR_STREAM_LINE_TOO_LONG" : code != "ok") {
    fail("stream: the outcome differs from the reference");
  }
  if (!want.tooLong && sink->lines != want.lines) fail("stream: the lines differ");
  // On failure the sink may have seen a prefix of the lines, never more.
  if (want.tooLong) {
    if (sink->lines.size() > want.lines.size()) fail("stream: lines after the error");
    for (std::size_t i = 0; i < sink->lines.size(); ++i) {
      if (sink->lines[i] != want.lines[i]) fail("stream: wrong line before the error");
    }
  }
  return 0;
}
