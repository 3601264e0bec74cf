// SPDX-License-Identifier: MIT
// Test and fuzz support: drives RequestParser over a byte string in given pieces and records
// what it reported as text, so that runs with different splits can be compared.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/http/internal/request_parser.hpp"

namespace nx::http::detail {

class RecordingSink final : public RequestSink {
 public:
  explicit RecordingSink(std::uint32_t maxHeaderSize = 16 * 1024, std::uint64_t maxBody = 0)
      : parser(*this, maxHeaderSize) {
    parser.setDefaultMaxBodyBytes(maxBody);
    parser.reset();
  }

  bool onHeadersComplete() override {
    log += "head " + std::string(parser.method()) + " " + std::string(parser.url()) + " " +
           std::to_string(parser.httpMajor()) + "." + std::to_string(parser.httpMinor()) +
           (parser.shouldKeepAlive() ? " ka" : " close") + "\n";
    for (const FieldRef& f : parser.fields()) {
      log +=
          "  " + std::string(parser.fieldName(f)) + ": " + std::string(parser.fieldValue(f)) + "\n";
    }
    headBytes += parser.headSize();
    return true;
  }
  void onBody(std::string_view chunk) override {
    body.append(chunk);
    bodyTotal += chunk.size();
  }
  bool onMessageComplete() override {
    log += "body " + std::to_string(body.size()) + " " + body + "\nend\n";
    body.clear();
    ++messages;
    return pauseEach;
  }

  /// Feeds `input` cut at `cuts` (sorted offsets); returns the log plus the final outcome.
  /// After each piece the head is detached and the piece's memory scribbled over, which is
  /// what the server does with its shared read buffer.
  std::string run(std::string_view input, const std::vector<std::size_t>& cuts) {
    std::size_t start = 0;
    std::vector<std::size_t> ends(cuts);
    ends.push_back(input.size());
    std::string carry;
    for (std::size_t end : ends) {
      if (end < start || end > input.size()) continue;
      std::string piece = carry + std::string(input.substr(start, end - start));
      carry.clear();
      start = end;
      std::size_t off = 0;
      while (off < piece.size() || piece.empty()) {
        ParseResult r = parser.execute(piece.data() + off, piece.size() - off);
        if (r.status == ParseStatus::Error) {
          log += "error " + std::string(parser.failure().code) + " " +
                 std::to_string(parser.failure().status) + "\n";
          return log;
        }
        parser.detachHead();
        if (r.status == ParseStatus::Paused) {
          parser.resume();
          off += r.consumed;
          if (parser.isUpgrade()) {
            log += "upgrade\n";
            return log;
          }
          continue;
        }
        break;
      }
      std::fill(piece.begin(), piece.end(), '#');
    }
    if (parser.inMessage()) log += "incomplete\n";
    return log;
  }

  RequestParser parser;
  std::string log;
  std::string body;
  std::size_t bodyTotal = 0;
  std::size_t headBytes = 0;
  std::size_t messages = 0;
  bool pauseEach = false;
};

}  // namespace nx::http::detail
