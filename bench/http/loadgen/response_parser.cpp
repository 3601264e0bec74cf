// SPDX-License-Identifier: MIT
#include "response_parser.hpp"

#include <cstring>
#include <string_view>

namespace loadgen {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsLower(std::string_view s, std::string_view lowerCase) {
  if (s.size() != lowerCase.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (lower(s[i]) != lowerCase[i]) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool hasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equalsLower(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The last coding of a Transfer-Encoding list, which decides the framing (RFC 9112 §6.3).
std::string_view lastCoding(std::string_view value) {
  const std::size_t comma = value.rfind(',');
  return trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

// Finds "\r\n" in [p, p + n); returns its offset or npos.
std::size_t findCrlf(const char* p, std::size_t n) {
  const void* q = n >= 2 ? memmem(p, n, "\r\n", 2) : nullptr;
  return q ? static_cast<std::size_t>(static_cast<const char*>(q) - p) : std::string_view::npos;
}

}  // namespace

bool ResponseParser::parseHead(const char* p, std::size_t len) {
  std::string_view head(p, len);
  const std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  // "HTTP/1.x SSS[ reason]"
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[7] < '0' || line[7] > '9' ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    error_ = "bad status line";
    return false;
  }
  status_ = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      error_ = "bad status code";
      return false;
    }
    status_ = status_ * 10 + (line[i] - '0');
  }
  const bool http10 = line[7] == '0';
  bool keepAlive = false;
  close_ = false;
  chunked_ = false;
  hasLength_ = false;
  bool hasEncoding = false;
  remaining_ = 0;

  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    const std::size_t end = head.find("\r\n");
    line = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
    if (line.empty()) break;  // the empty line that ends the head
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error_ = "bad header line";
      return false;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (equalsLower(name, "content-length")) {
      std::uint64_t v = 0;
      if (value.empty() || value.size() > 18) {
        error_ = "bad Content-Length";
        return false;
      }
      for (char c : value) {
        if (c < '0' || c > '9') {
          error_ = "bad Content-Length";
          return false;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (hasLength_ && v != remaining_) {
        error_ = "conflicting Content-Length";
        return false;
      }
      hasLength_ = true;
      remaining_ = v;
    } else if (equalsLower(name, "transfer-encoding")) {
      hasEncoding = true;
      chunked_ = equalsLower(lastCoding(value), "chunked");
    } else if (equalsLower(name, "connection")) {
      close_ = close_ || hasToken(value, "close");
      keepAlive = keepAlive || hasToken(value, "keep-alive");
    }
  }
  if (http10 && !keepAlive) close_ = true;
  if (hasEncoding) {
    // Transfer-Encoding overrides Content-Length; without chunked last, the body would run to
    // the end of the connection.
    if (!chunked_) {
      error_ = "Transfer-Encoding without chunked";
      return false;
    }
    hasLength_ = false;
  }
  return true;
}

ResponseParser::Step ResponseParser::parse(const char* p, std::size_t n) {
  std::size_t used = 0;
  while (true) {
    const char* at = p + used;
    const std::size_t left = n - used;
    switch (state_) {
      case State::kHead: {
        const void* end = left >= 4 ? memmem(at, left, "\r\n\r\n", 4) : nullptr;
        if (!end) {
          if (left > kMaxLine) return fail("head too large", used);
          return {Outcome::kNeedMore, used};
        }
        const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(end) - at) + 4;
        if (len > kMaxLine) return fail("head too large", used);
        if (!parseHead(at, len)) return fail(error_, used);
        used += len;
        if (status_ < 200) continue;  // 1xx: the real response follows
        if (status_ == 204 || status_ == 304) return {Outcome::kComplete, used};
        if (chunked_) {
          state_ = State::kChunkSize;
          continue;
        }
        if (!hasLength_) return fail("no Content-Length or chunked framing", used);
        if (remaining_ == 0) return {Outcome::kComplete, used};
        state_ = State::kBody;
        continue;
      }
      case State::kBody:
      case State::kChunkData: {
        const std::size_t take = remaining_ < left ? static_cast<std::size_t>(remaining_) : left;
        used += take;
        remaining_ -= take;
        if (remaining_ > 0) return {Outcome::kNeedMore, used};
        if (state_ == State::kBody) {
          state_ = State::kHead;
          return {Outcome::kComplete, used};
        }
        state_ = State::kChunkDataEnd;
        continue;
      }
      case State::kChunkDataEnd:
        if (left < 2) return {Outcome::kNeedMore, used};
        if (at[0] != '\r' || at[1] != '\n') return fail("chunk without CRLF", used);
        used += 2;
        state_ = State::kChunkSize;
        continue;
      case State::kChunkSize: {
        const std::size_t eol = findCrlf(at, left);
        if (eol == std::string_view::npos) {
          if (left > kMaxLine) return fail("chunk-size line too long", used);
          return {Outcome::kNeedMore, used};
        }
        std::uint64_t size = 0;
        std::size_t i = 0;
        for (; i < eol; ++i) {
          const char c = lower(at[i]);
          const int d = (c >= '0' && c <= '9')   ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                 : -1;
          if (d < 0) break;
          if (i >= 15) return fail("chunk size too large", used);
          size = size * 16 + static_cast<std::uint64_t>(d);
        }
        // Digits, then nothing, or an extension after optional whitespace and ';'.
        std::size_t j = i;
        while (j < eol && (at[j] == ' ' || at[j] == '\t')) ++j;
        if (i == 0 || (j < eol && at[j] != ';')) return fail("bad chunk size", used);
        used += eol + 2;
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kChunkData;
        continue;
      }
      case State::kTrailer: {
        const std::size_t eol = findCrlf(at, left);
        if (eol == std::string_view::npos) {
          if (left > kMaxLine) return fail("trailer line too long", used);
          return {Outcome::kNeedMore, used};
        }
        used += eol + 2;
        if (eol == 0) {
          state_ = State::kHead;
          return {Outcome::kComplete, used};
        }
        continue;
      }
    }
  }
}

}  // namespace loadgen
