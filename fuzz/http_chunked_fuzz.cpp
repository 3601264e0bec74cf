// SPDX-License-Identifier: MIT
// libFuzzer target for chunked request bodies: the input is the body of a request sent with
// `Transfer-Encoding: chunked`, parsed by RequestParser (llhttp, strict) whole and in pieces, and
// compared with a small reference decoder written from RFC 9112 §7.1 (without BWS around
// extensions and without the one grammar llhttp 8 rejects, see reference()):
//   - whenever the reference accepts the input (a complete, valid chunked body), the parser
//     must deliver exactly the same bytes and complete the message;
//   - splitting the input never changes what the parser delivers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/http/internal/server_parser_driver.hpp"

namespace {

using nx::http::detail::RecordingSink;

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool isTokenChar(char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

/// The decoded body if `in` is exactly one valid chunked body (chunk-size without leading
/// whitespace, extensions `;token[=token]`, no trailer fields), else nullopt.
std::optional<std::string> reference(std::string_view in) {
  std::string out;
  std::size_t p = 0;
  while (true) {
    std::size_t start = p;
    std::uint64_t size = 0;
    while (p < in.size() && isHex(in[p])) {
      if (p - start >= 15) return std::nullopt;  // keep sizes far from overflow
      size = size * 16 + static_cast<std::uint64_t>(std::stoi(std::string(1, in[p]), nullptr, 16));
      ++p;
    }
    if (p == start) return std::nullopt;
    while (p < in.size() && in[p] == ';') {
      ++p;
      std::size_t t = p;
      while (p < in.size() && isTokenChar(in[p])) ++p;
      if (p == t) return std::nullopt;
      if (p < in.size() && in[p] == '=') {
        ++p;
        t = p;
        while (p < in.size() && isTokenChar(in[p])) ++p;
        if (p == t) return std::nullopt;
        // llhttp 8 rejects any extension after one with a value (";a=1;b"); valid per RFC
        // 9112, but refusing it is the safe direction. The reference stays out of that case.
        if (p < in.size() && in[p] == ';') return std::nullopt;
      }
    }
    if (in.substr(p, 2) != "\r\n") return std::nullopt;
    p += 2;
    if (size == 0) break;
    if (in.size() - p < size + 2) return std::nullopt;
    out.append(in.substr(p, size));
    p += size;
    if (in.substr(p, 2) != "\r\n") return std::nullopt;
    p += 2;
  }
  if (in.substr(p) != "\r\n") return std::nullopt;
  return out;
}

struct Parsed {
  std::string body;
  bool complete = false;
  bool error = false;
};

Parsed parse(std::string_view body, const std::vector<std::size_t>& cuts) {
  static const std::string head =
      "POST /upload HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string input = head + std::string(body);
  std::vector<std::size_t> shifted;
  for (std::size_t c : cuts) shifted.push_back(c + head.size());
  RecordingSink s;
  std::string log = s.run(input, shifted);
  Parsed r;
  // The outcome is the log's last line ("error <code> <status>"); body bytes may contain the
  // same text, so only the last line counts.
  std::size_t last = log.size() < 2 ? std::string::npos : log.rfind('\n', log.size() - 2);
  last = last == std::string::npos ? 0 : last + 1;
  r.error = log.compare(last, 6, "error ") == 0;
  r.complete = s.messages >= 1;
  std::size_t b = log.find("body ");
  if (b != std::string::npos) {
    std::size_t sp = log.find(' ', b + 5);
    std::size_t n = std::strtoull(log.c_str() + b + 5, nullptr, 10);
    r.body = log.substr(sp + 1, n);
  }
  return r;
}

[[noreturn]] void fail(const char* what, std::string_view in) {
  std::fprintf(stderr, "%s for input of %zu bytes\n", what, in.size());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t cut = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  Parsed whole = parse(in, {});
  Parsed split = parse(in, {std::min(cut, in.size()), std::min(cut * 3, in.size())});
  if (whole.body != split.body || whole.complete != split.complete || whole.error != split.error) {
    fail("split changed the decoded body", in);
  }
  std::optional<std::string> ref = reference(in);
  if (ref) {
    if (whole.error || !whole.complete) fail("parser rejected a valid chunked body", in);
    if (whole.body != *ref) fail("parser decoded a different body", in);
  }
  return 0;
}
