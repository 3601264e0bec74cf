// SPDX-License-Identifier: MIT
// libFuzzer target for the HTTP client's response parser (llhttp in response mode, strict, with
// a head limit). Byte 0: bit 0 = the request was HEAD, bits 1-7 = a split stride; the rest is
// what the server sent, then EOF. The bytes are parsed three ways (in one piece, one byte at a
// time, in stride-sized pieces); every way must reach the same outcome (status code, body,
// completion, error code). Each outcome must be sane: the body never exceeds the input, an error
// has a code, a completed message has a status in 100..999. A broken invariant traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "nodexx/http/internal/response_parser.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;

using nx::http::detail::ResponseHead;
using nx::http::detail::ResponseParser;
using nx::http::detail::ResponseSink;

struct Outcome final : ResponseSink {
  void onInformation(ResponseHead& head) override {
    require(head.statusCode >= 100 && head.statusCode < 200, "interim status out of range");
    ++interim;
  }
  bool onResponse(ResponseHead& head) override {
    require(head.statusCode >= 100 && head.statusCode <= 999, "status out of range");
    status = head.statusCode;
    fields = head.fields.size();
    for (const auto& [name, value] : head.fields) {
      require(!name.empty(), "empty field name");
      require(value.find_first_of("\r\n") == std::string::npos, "CR or LF in a field value");
    }
    return true;
  }
  void onBody(std::string_view chunk) override { body.append(chunk); }
  void onComplete() override { ++completions; }

  int interim = 0;
  int status = 0;
  std::size_t fields = 0;
  std::string body;
  int completions = 0;
  std::string error;
  bool keepAlive = false;
};

Outcome run(std::string_view bytes, bool head, std::size_t stride) {
  Outcome o;
  ResponseParser parser(o, 1024);
  parser.reset(head);
  bool stopped = false;
  for (std::size_t i = 0; i < bytes.size() && !stopped; i += stride) {
    auto piece = bytes.substr(i, stride);
    auto r = parser.execute(piece);
    require(r.consumed <= piece.size(), "consumed more than given");
    if (r.status == ResponseParser::Status::Error) {
      require(!parser.failure().code.empty(), "error without a code");
      o.error = parser.failure().code;
      stopped = true;
    } else if (r.status == ResponseParser::Status::Paused) {
      stopped = true;
    }
  }
  if (!stopped) {
    auto r = parser.finish();
    if (r.status == ResponseParser::Status::Error) o.error = parser.failure().code;
  }
  if (o.completions) {
    require(o.completions == 1, "more than one completion");
    require(parser.complete(), "completion not recorded");
    o.keepAlive = parser.keepAlive();
  }
  require(o.body.size() <= bytes.size(), "body larger than the input");
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool head = data[0] & 1;
  const std::size_t stride = (data[0] >> 1) + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = run(bytes, head, bytes.size() ? bytes.size() : 1);
  Outcome bytewise = run(bytes, head, 1);
  Outcome strided = run(bytes, head, stride);
  for (const Outcome* o : {&bytewise, &strided}) {
    // llhttp reports a header span when it ends or when the input does, so the head limit
    // trips at a split-dependent byte, and another error further on may win in one piece.
    if (!o->error.empty() || !whole.error.empty()) {
      if (o->error == "HPE_HEADER_OVERFLOW" || whole.error == "HPE_HEADER_OVERFLOW") {
        require(!o->error.empty() && !whole.error.empty(), "overflow only when split");
        continue;
      }
    }
    require(o->status == whole.status, "status differs with splitting");
    require(o->body == whole.body, "body differs with splitting");
    require(o->completions == whole.completions, "completion differs with splitting");
    require(o->error == whole.error, "error differs with splitting");
    require(o->interim == whole.interim, "interim count differs with splitting");
    require(o->keepAlive == whole.keepAlive, "keep-alive differs with splitting");
  }
  if (head) require(whole.body.empty(), "a HEAD response had a body");
  return 0;
}
