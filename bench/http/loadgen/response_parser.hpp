// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

namespace loadgen {

/// An incremental parser of HTTP/1.x responses to GET requests on a keep-alive connection:
/// the status line, the header fields (Content-Length, Transfer-Encoding, Connection), and the
/// body framed by Content-Length or chunked coding (chunk extensions and trailers skipped).
/// 1xx responses are skipped; 204 and 304 have no body. A response without either length
/// (a body that ends with the connection) is an error: the generator needs keep-alive.
///
/// The caller owns the bytes: parse() is given the unconsumed bytes of its read buffer and says
/// how many it consumed. A head (or a chunk-size line, or a trailer line) is consumed only once
/// it is complete, so the caller keeps the rest and calls again after the next read; body bytes
/// are consumed as they come, so a body may be larger than the buffer. Never allocates.
class ResponseParser {
 public:
  enum class Outcome {
    kNeedMore,  ///< every complete part was consumed; call again with more bytes
    kComplete,  ///< one whole response ended; status() and close() describe it
    kError,     ///< not a valid response (or one the generator cannot frame); drop the connection
  };
  struct Step {
    Outcome outcome;
    std::size_t used;  ///< bytes consumed from the front of the input
  };

  /// The longest head, chunk-size line or trailer line accepted: a longer one is an error.
  static constexpr std::size_t kMaxLine = 8192;

  /// Parses from `p` (`n` bytes) until one response completes, more bytes are needed, or an
  /// error. After kComplete the parser is ready for the next response.
  Step parse(const char* p, std::size_t n);

  /// The status code of the response that just completed.
  int status() const { return status_; }

  /// Whether the response that just completed ends the connection (`Connection: close`, or
  /// HTTP/1.0 without `Connection: keep-alive`).
  bool close() const { return close_; }

  /// Whether a response is partly consumed (its head was, and its body is not complete).
  bool midResponse() const { return state_ != State::kHead; }

  /// A short reason for the last kError (a string literal).
  const char* error() const { return error_; }

 private:
  enum class State { kHead, kBody, kChunkSize, kChunkData, kChunkDataEnd, kTrailer };

  // Parses a complete head [p, p + len) ending with its empty line; returns false on error.
  bool parseHead(const char* p, std::size_t len);
  Step fail(const char* why, std::size_t used) {
    error_ = why;
    state_ = State::kHead;
    return {Outcome::kError, used};
  }

  State state_ = State::kHead;
  std::uint64_t remaining_ = 0;  // body or chunk bytes still to consume
  int status_ = 0;
  bool close_ = false;
  bool chunked_ = false;
  bool hasLength_ = false;
  const char* error_ = "";
};

}  // namespace loadgen
