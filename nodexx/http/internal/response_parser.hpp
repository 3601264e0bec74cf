// SPDX-License-Identifier: MIT
// The HTTP/1.1 response parser of the client: llhttp in response mode (strict) over bytes, with
// no socket, so the client, the tests and the fuzzer drive it the same way. Response heads are
// small and few per connection, so the head is copied into owned strings as it arrives; body
// bytes are handed out as views into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nx::http::detail {

/// A parsed status line and header section.
struct ResponseHead {
  int statusCode = 0;
  std::string statusMessage;
  int httpMajor = 1;
  int httpMinor = 1;
  /// Fields in wire order, names as received (llhttp has validated the bytes).
  std::vector<std::pair<std::string, std::string>> fields;
  /// llhttp's keep-alive verdict for this message (HTTP/1.1 without "Connection: close", or
  /// HTTP/1.0 with "Connection: keep-alive"), and false for a close-delimited body.
  bool keepAlive = false;
  bool chunked = false;
  std::optional<std::uint64_t> contentLength;
  /// 101 Switching Protocols or a 2xx to CONNECT: the bytes after the head are not HTTP.
  bool upgrade = false;
};

/// What the parser reports while it runs; called from inside execute()/finish().
class ResponseSink {
 public:
  /// A 1xx interim response other than 101 (100 Continue, 102, 103 Early Hints).
  virtual void onInformation(ResponseHead& head) { (void)head; }
  /// The final response head. Return false to stop with failure code "ERR_ABORTED_BY_SINK".
  virtual bool onResponse(ResponseHead& head) = 0;
  /// A piece of the de-chunked body; valid only during the call.
  virtual void onBody(std::string_view chunk) = 0;
  /// The final response is complete (the parser pauses right after).
  virtual void onComplete() = 0;

 protected:
  ~ResponseSink() = default;
};

/// Why parsing stopped: llhttp's error name ("HPE_INVALID_CHUNK_SIZE") or one of ours
/// ("HPE_HEADER_OVERFLOW"), and a reason text as Node prints it.
struct ResponseFailure {
  std::string code;
  std::string reason;
};

/// llhttp in HTTP_RESPONSE mode, strict, plus a head size limit. One response per request:
/// after the final response completes, execute() stops (Paused) and reports how many bytes it
/// used; call reset() before parsing the next response on the same connection.
/// Not copyable or movable (llhttp keeps a pointer to it).
class ResponseParser {
 public:
  enum class Status : std::uint8_t {
    Ok,      ///< all bytes used, message not complete yet
    Paused,  ///< the final response completed; `consumed` may be less than the input
    Error,   ///< malformed; see failure()
  };
  struct Result {
    Status status = Status::Ok;
    std::size_t consumed = 0;
  };

  /// `maxHeaderSize` bounds the status line plus all fields (Node's default 16 KiB).
  explicit ResponseParser(ResponseSink& sink, std::uint32_t maxHeaderSize = 16 * 1024);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;
  ~ResponseParser();

  /// Prepares for the response to a new request; `noBody` for a HEAD request (the response
  /// has headers only, whatever Content-Length says).
  void reset(bool noBody = false) noexcept;

  /// Parses `data`; callbacks run on the sink.
  Result execute(const char* data, std::size_t size);
  Result execute(std::string_view data) { return execute(data.data(), data.size()); }

  /// The peer closed the connection: completes a close-delimited body (Paused), or fails with
  /// HPE_INVALID_EOF_STATE if a message was in progress. Ok when nothing had started.
  Result finish();

  /// True once bytes of the response were seen (status line started).
  bool started() const noexcept { return started_; }
  /// True after the final response's head was delivered.
  bool headComplete() const noexcept { return headDone_; }
  /// True after the final response completed.
  bool complete() const noexcept { return complete_; }
  /// The keep-alive verdict: after complete(), whether the connection may carry another
  /// request (false for HTTP/1.0 without keep-alive, "Connection: close", or a body that
  /// ended with the connection).
  bool keepAlive() const noexcept { return head_.keepAlive; }
  /// The failure after Status::Error.
  const ResponseFailure& failure() const noexcept { return failure_; }

  // llhttp callbacks (C trampolines in the .cpp).
  int onMessageBegin() noexcept;
  int onStatus(const char* at, std::size_t n) noexcept;
  int onHeaderField(const char* at, std::size_t n) noexcept;
  int onHeaderValue(const char* at, std::size_t n) noexcept;
  int onHeaderFieldComplete() noexcept;
  int onHeaderValueComplete() noexcept;
  int onHeadersComplete() noexcept;
  int onBody(const char* at, std::size_t n) noexcept;
  int onMessageComplete() noexcept;

 private:
  bool countHead(std::size_t n) noexcept;
  Result fromErrno(int err, const char* data, std::size_t size);

  alignas(8) unsigned char llhttp_[96];
  ResponseSink& sink_;
  std::uint32_t maxHeaderSize_;
  std::uint32_t headBytes_ = 0;
  ResponseHead head_;
  std::string field_;
  std::string value_;
  bool inField_ = false;
  bool noBody_ = false;
  bool started_ = false;
  bool headDone_ = false;
  bool complete_ = false;
  bool interim_ = false;  // the current message is a 1xx
  bool sinkRefused_ = false;
  bool overflow_ = false;
  bool badStatus_ = false;
  bool emptyName_ = false;
  ResponseFailure failure_;
};

}  // namespace nx::http::detail
