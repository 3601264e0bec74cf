// SPDX-License-Identifier: MIT
// libFuzzer target for nx::web::multipart::Parser. Input: the boundary up to the first LF
// (at most 80 bytes; invalid boundaries are part of the test), then the body. The body is
// parsed whole, one byte at a time (bodies up to 4 KiB) and in pseudo-random chunks, with the
// default limits and with small ones; every split must give the same events and the same
// error, no part may exceed its limit, and every file name must sanitise to a safe name. A
// broken invariant prints what failed and traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/web/multipart_parser.hpp"

#include "fuzz_check.hpp"

namespace {

using nx::fuzz::require;
using nx::fuzz::validUtf8;

namespace mp = nx::web::multipart;

void checkFilename(std::string_view raw) {
  const std::string s = mp::sanitizeFilename(raw);
  require(s.size() <= 255, "sanitised name longer than 255 bytes");
  require(validUtf8(s), "sanitised name is not UTF-8");
  require(s.find_first_of("/\\") == std::string::npos, "sanitised name holds a separator");
  for (char c : s) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "control char");
  if (!s.empty()) {
    require(s.front() != '.' && s.front() != ' ', "sanitised name starts with dot or space");
    require(s.back() != '.' && s.back() != ' ', "sanitised name ends with dot or space");
  }
  require(mp::sanitizeFilename(s) == s, "sanitising is not idempotent");
  const std::string e = mp::escapeFilename(raw);
  for (char c : e) require(c >= 0x20 && c < 0x7F, "escaped name not printable ASCII");
}

// Records events with merged data, and checks per-part limits as they happen.
class Recorder : public mp::Handler {
 public:
  explicit Recorder(const mp::Limits& l) : limits_(l) {}
  std::string log;
  void onPartBegin(const mp::PartInfo& p) override {
    require(!open_, "part began inside a part");
    require(p.name.size() <= limits_.fieldNameSize, "field name over its limit");
    open_ = true;
    file_ = p.isFile();
    bytes_ = 0;
    log += "\x01";
    log += p.name;
    log += '\x02';
    if (p.filename) {
      log += *p.filename;
      checkFilename(*p.filename);
    }
    log += '\x02';
    log += p.mimeType;
    log += '\x02';
    log += p.encoding;
    log += '\x03';
  }
  void onPartData(std::string_view d) override {
    require(open_, "data outside a part");
    require(!d.empty(), "empty data event");
    bytes_ += d.size();
    require(bytes_ <= (file_ ? limits_.fileSize : limits_.fieldSize), "part over its limit");
    log += d;
  }
  void onPartEnd() override {
    require(open_, "end outside a part");
    open_ = false;
    log += '\x04';
  }

 private:
  mp::Limits limits_;
  std::size_t bytes_ = 0;
  bool open_ = false;
  bool file_ = false;
};

struct Outcome {
  mp::Error error;
  std::string log;
};

Outcome run(std::string_view boundary, std::string_view body, const mp::Limits& limits,
            const std::vector<std::size_t>& cuts) {
  mp::Parser parser(boundary, limits);
  Recorder rec(limits);
  mp::Error err = mp::Error::None;
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut < at || cut > body.size()) continue;
    err = parser.write(body.substr(at, cut - at), rec);
    at = cut;
    if (err != mp::Error::None) break;
  }
  if (err == mp::Error::None) err = parser.write(body.substr(at), rec);
  if (err == mp::Error::None) err = parser.end(rec);
  require(parser.partCount() <= limits.parts, "more parts than the limit");
  require(parser.fileCount() <= limits.files, "more files than the limit");
  require(parser.fieldCount() <= limits.fields, "more fields than the limit");
  return {err, std::move(rec.log)};
}

void checkAllSplits(std::string_view boundary, std::string_view body, const mp::Limits& limits) {
  const Outcome whole = run(boundary, body, limits, {});
  if (whole.error != mp::Error::None) {
    require(mp::errorStatus(whole.error) == 400 || mp::errorStatus(whole.error) == 413,
            "error without a 400/413 status");
    require(!mp::errorCode(whole.error).empty(), "error without a code");
  }
  if (body.size() <= 4096) {
    std::vector<std::size_t> each;
    for (std::size_t i = 1; i < body.size(); ++i) each.push_back(i);
    const Outcome bytes = run(boundary, body, limits, each);
    require(bytes.error == whole.error, "byte-wise split changed the error");
    // On error the events before it may differ in where data was cut; compare only success.
    if (whole.error == mp::Error::None)
      require(bytes.log == whole.log, "byte-wise split changed events");
  }
  std::uint64_t h = 1469598103934665603ull;
  for (char c : body) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::vector<std::size_t> cuts;
  std::size_t at = 0;
  while (!body.empty()) {
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    at += 1 + h % 97;
    if (at >= body.size()) break;
    cuts.push_back(at);
  }
  const Outcome chunked = run(boundary, body, limits, cuts);
  require(chunked.error == whole.error, "random split changed the error");
  if (whole.error == mp::Error::None)
    require(chunked.log == whole.log, "random split changed events");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t lf = all.find('\n');
  if (lf == std::string_view::npos || lf > 80) return 0;
  std::string_view boundary = all.substr(0, lf);
  std::string_view body = all.substr(lf + 1);
  checkFilename(body.substr(0, 300));
  (void)mp::decodeExtValue(body.substr(0, 300));
  checkAllSplits(boundary, body, mp::Limits{});
  mp::Limits small;
  small.fieldNameSize = 16;
  small.fieldSize = 64;
  small.fields = 8;
  small.fileSize = 256;
  small.files = 4;
  small.parts = 16;
  small.headerPairs = 8;
  small.headerSize = 256;
  checkAllSplits(boundary, body, small);
  return 0;
}
