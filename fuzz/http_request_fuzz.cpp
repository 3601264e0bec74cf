// SPDX-License-Identifier: MIT
// libFuzzer target for the HTTP/1.1 request parser (nodexx/http/internal/request_parser.hpp):
// arbitrary bytes, parsed once whole and once cut into pieces at offsets taken from the first
// input bytes, with the head detached and the piece scribbled over after each piece (what the
// server does with its shared read buffer). Invariants, each a trap when broken:
//   1. no crash, no sanitizer report;
//   2. limits: no reported head is larger than maxHeaderSize, no body larger than maxBodyBytes;
//   3. the same result whatever the split: identical event logs; when one run fails, the
//      other fails at the same point too, with the same error, except that a head which is
//      both oversized and malformed may be reported as either (431 or the syntax error).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/http/internal/server_parser_driver.hpp"

namespace {

constexpr std::uint32_t kMaxHead = 512;
constexpr std::uint64_t kMaxBody = 2048;

using nx::http::detail::RecordingSink;

struct Outcome {
  std::string log;
  std::string prefix;  // the log without a final "error ..." line
  std::string error;   // that line, or empty
};

Outcome run(std::string_view input, const std::vector<std::size_t>& cuts, bool pause) {
  RecordingSink s(kMaxHead, kMaxBody);
  s.pauseEach = pause;
  Outcome o;
  o.log = s.run(input, cuts);
  if (s.headBytes > kMaxHead * (s.messages + 1) || s.bodyTotal > kMaxBody * (s.messages + 1)) {
    std::fprintf(stderr, "limit exceeded: head %zu body %zu\n", s.headBytes, s.bodyTotal);
    std::abort();
  }
  std::size_t last = o.log.rfind("error ");
  if (last != std::string::npos && o.log.find('\n', last) == o.log.size() - 1) {
    o.prefix = o.log.substr(0, last);
    o.error = o.log.substr(last);
  } else {
    o.prefix = o.log;
  }
  return o;
}

bool isOverflow(const std::string& e) { return e.find("HPE_HEADER_OVERFLOW") != std::string::npos; }

void compare(const Outcome& a, const Outcome& b) {
  bool same = a.log == b.log;
  if (!same && !a.error.empty() && !b.error.empty() &&
      (isOverflow(a.error) || isOverflow(b.error))) {
    // Which error wins for an oversized malformed head depends on where the input was cut.
    same =
        a.prefix.substr(0, a.prefix.rfind("head ")) == b.prefix.substr(0, b.prefix.rfind("head "));
  }
  if (!same) {
    std::fprintf(stderr, "split changed the result\n--- whole\n%s--- split\n%s", a.log.c_str(),
                 b.log.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // Byte 0: how many cuts (0..7); bytes 1..n: where (scaled to the rest).
  std::size_t ncuts = data[0] % 8;
  if (size < 1 + ncuts) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1 + ncuts), size - 1 - ncuts);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < ncuts; ++i) {
    std::size_t c = input.empty() ? 0 : data[1 + i] * input.size() / 256;
    if (cuts.empty() || c > cuts.back()) cuts.push_back(c);
  }
  Outcome whole = run(input, {}, false);
  compare(whole, run(input, cuts, false));
  // Pausing at every message end (the server's pipelining) must not change anything either.
  compare(whole, run(input, cuts, true));
  return 0;
}
