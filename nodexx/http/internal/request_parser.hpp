// SPDX-License-Identifier: MIT
// The HTTP/1.1 request parser: llhttp (strict mode) over bytes, with no socket. The server's
// connections drive it, and so do the tests and fuzzers, directly.
//
// The head (request line and header fields) is recorded as offsets, never as copies: while a
// head arrives in one read, the views point into the read buffer; when it is split across reads,
// or when the request stays in flight past the read (detachHead()), the head bytes are copied once
// into this parser's own storage, and only the base pointer changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nx::http::detail {

/// One header field as offsets into the head block.
struct FieldRef {
  std::uint32_t nameOff = 0;
  std::uint32_t nameLen = 0;
  std::uint32_t valueOff = 0;
  std::uint32_t valueLen = 0;
};

/// What the parser reports while it runs. Called from inside execute().
class RequestSink {
 public:
  /// The head is complete: head(), fields(), method and version are readable. Return false to
  /// stop parsing with an error already reported by the sink (the parser returns Error with
  /// failure() status 0).
  virtual bool onHeadersComplete() = 0;
  /// A piece of the (de-chunked) body. Views are valid only during the call.
  virtual void onBody(std::string_view chunk) = 0;
  /// The message is complete. Return true to pause: execute() returns Paused with the bytes
  /// after this message unconsumed; call resume() before the next execute().
  virtual bool onMessageComplete() = 0;

 protected:
  ~RequestSink() = default;
};

/// A parse failure: llhttp's error name ("HPE_INVALID_METHOD") or one of ours, its reason, and
/// the status the server answers with (400, 413, 431, 501, 505).
struct ParseFailure {
  std::string_view code;
  std::string_view reason;
  int status = 0;
};

enum class ParseStatus : std::uint8_t { Ok, Paused, Error };

struct ParseResult {
  ParseStatus status = ParseStatus::Ok;
  std::size_t consumed = 0;  ///< bytes of the input that were parsed
};

/// llhttp in request mode, strict, plus the server's own rules: a head size limit, a body size
/// limit, Transfer-Encoding codings other than chunked (501) and HTTP major versions other than 1
/// (505). CONNECT and Upgrade requests are parsed like others; whether the connection changes
/// hands is the sink's decision (takeOver()). Not copyable or movable (llhttp keeps a pointer to
/// it).
class RequestParser {
 public:
  explicit RequestParser(RequestSink& sink, std::uint32_t maxHeaderSize = 16 * 1024);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;
  ~RequestParser();

  /// Parses `data`. Callbacks run on the sink. Returns Ok when every byte was consumed, Paused
  /// when the sink paused at a message end (consumed < size), Error on a malformed message
  /// (failure() says why; the parser is then dead until reset()).
  ParseResult execute(const char* data, std::size_t size);
  /// Continues after Paused.
  void resume() noexcept;
  /// Back to the initial state (a fresh connection); keeps the storage's capacity.
  void reset() noexcept;
  /// Frees the storage kept for split heads (an idle connection holds none).
  void releaseStorage() noexcept;

  /// The last failure (valid after execute() returned Error).
  const ParseFailure& failure() const noexcept { return failure_; }

  // The current message's head; valid from onHeadersComplete until the next message begins.
  std::string_view method() const noexcept;
  std::string_view url() const noexcept { return view(urlOff_, urlLen_); }
  int httpMajor() const noexcept;
  int httpMinor() const noexcept;
  /// llhttp's keep-alive verdict (HTTP/1.1 unless "Connection: close", 1.0 with keep-alive).
  bool shouldKeepAlive() const noexcept;
  bool isChunked() const noexcept;
  bool hasContentLength() const noexcept;
  /// The Content-Length value (when hasContentLength()).
  std::uint64_t contentLength() const noexcept { return contentLength_; }
  /// llhttp's verdict at headers-complete: CONNECT, or `Connection: upgrade` with `Upgrade`.
  bool isUpgrade() const noexcept;
  /// Called by the sink from onHeadersComplete: the bytes after this head belong to another
  /// protocol (an accepted Upgrade or CONNECT). llhttp then skips the body, and execute() returns
  /// Paused with `consumed` at the end of the head; the parser is done until reset() (which
  /// alone clears this).
  void takeOver() noexcept { takeOver_ = true; }
  /// The current message's trailer fields (chunked bodies), valid once the message is complete
  /// and until the next one begins. Names as received; values without surrounding whitespace.
  const std::vector<FieldRef>& trailerFields() const noexcept { return trailerFields_; }
  std::string_view trailerName(const FieldRef& f) const noexcept {
    return std::string_view(trailerStore_).substr(f.nameOff, f.nameLen);
  }
  std::string_view trailerValue(const FieldRef& f) const noexcept {
    // llhttp leaves trailing whitespace in values (RFC 9110 §5.5 excludes it): trimmed here,
    // when read, rather than for every field of every head.
    std::string_view v = std::string_view(trailerStore_).substr(f.valueOff, f.valueLen);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  }
  const std::vector<FieldRef>& fields() const noexcept { return fields_; }
  std::string_view fieldName(const FieldRef& f) const noexcept {
    return view(f.nameOff, f.nameLen);
  }
  std::string_view fieldValue(const FieldRef& f) const noexcept {
    return view(f.valueOff, f.valueLen);
  }
  /// Head bytes (request line through the last field value).
  std::size_t headSize() const noexcept { return headEnd_; }
  /// Whether the head has a Host field (valid from headers-complete on).
  bool hasHost() const noexcept { return hostSeen_; }
  /// The first Expect field's value, or nullopt (valid from headers-complete on).
  std::optional<std::string_view> expect() const noexcept {
    if (expectField_ < 0) return std::nullopt;
    return fieldValue(fields_[static_cast<std::size_t>(expectField_)]);
  }
  /// True if the head currently lives in this parser's storage (not in the caller's buffer).
  bool headDetached() const noexcept { return base_ == store_.data() && !store_.empty(); }
  /// Copies the head into the parser's storage if it still points into the caller's buffer,
  /// so that the views outlive that buffer. Call before the buffer is reused.
  void detachHead();

  /// Body bytes allowed for the current message (0 = unlimited). Exceeding it is an Error
  /// with status 413. Reset to the default at each message.
  void setMaxBodyBytes(std::uint64_t n) noexcept { maxBody_ = n; }
  void setDefaultMaxBodyBytes(std::uint64_t n) noexcept { defaultMaxBody_ = n; }
  std::uint64_t maxBodyBytes() const noexcept { return maxBody_; }
  std::uint64_t bodyBytes() const noexcept { return bodyBytes_; }
  /// True between the start of a message and its end (bytes of it were seen).
  bool inMessage() const noexcept { return inMessage_; }
  bool headComplete() const noexcept { return headComplete_; }

  // llhttp callbacks (C linkage trampolines live in the .cpp).
  int onMessageBegin() noexcept;
  int onMethod(const char* at, std::size_t n) noexcept;
  int onUrl(const char* at, std::size_t n) noexcept;
  int onVersion(const char* at, std::size_t n) noexcept;
  int onHeaderField(const char* at, std::size_t n) noexcept;
  int onHeaderValue(const char* at, std::size_t n) noexcept;
  int onHeadersCompleteCb() noexcept;
  int onBodyCb(const char* at, std::size_t n) noexcept;
  int onMessageCompleteCb() noexcept;

  friend struct RequestParserAccess;

 private:
  static constexpr std::size_t kReservedFields = 16;
  std::string_view view(std::uint32_t off, std::uint32_t len) const noexcept {
    return len == 0 ? std::string_view() : std::string_view(base_ + off, len);
  }
  std::uint32_t offsetOf(const char* p) const noexcept {
    return static_cast<std::uint32_t>(carried_ + static_cast<std::size_t>(p - chunkHead_));
  }
  bool noteHeadEnd(const char* end) noexcept;  // false when the head is too large
  int fail(std::string_view code, std::string_view reason, int status) noexcept;
  int checkTransferEncoding() noexcept;
  // What the strictness pass over a complete head found: nothing, a folded line (obs-fold),
  // or a malformed request line or line end.
  enum class HeadFault : std::uint8_t { kNone, kObsFold, kMalformed };
  HeadFault headFault() const noexcept;
  char headByte(std::uint32_t off) const noexcept;
  int trailerNameDone() noexcept;
  [[gnu::noinline, gnu::cold]] void releaseTrailers() noexcept;
  [[gnu::noinline]] int onTrailerField(const char* at, std::size_t n) noexcept;
  [[gnu::noinline]] int onTrailerValue(const char* at, std::size_t n) noexcept;
  void clearTrailers() noexcept {
    if (!trailerFields_.empty()) {
      trailerFields_.clear();
      trailerStore_.clear();
    }
  }

  alignas(8) unsigned char llhttp_[96];
  RequestSink& sink_;
  std::uint32_t maxHeaderSize_;
  ParseFailure failure_;
  std::string store_;                // head bytes carried across reads / detached heads
  const char* base_ = nullptr;       // where offsets point: the caller's buffer or store_
  const char* chunkHead_ = nullptr;  // head start within the current input
  const char* input_ = nullptr;      // the current input
  const char* inputEnd_ = nullptr;
  const char* lastValueEnd_ = nullptr;  // end of the last trailer value span in this input
  bool valueMayContinue_ = false;       // that span ended where the previous input did
  std::size_t carried_ = 0;             // head bytes already in store_ before chunkHead_
  std::uint32_t headEnd_ = 0;
  std::uint32_t urlOff_ = 0, urlLen_ = 0;
  std::uint32_t methodLen_ = 0;
  std::uint32_t trailerBytes_ = 0;
  // The current trailer field's name, enough of it to recognise the framing fields.
  char trailerName_[16] = {};
  std::uint8_t trailerNameLen_ = 0;
  std::vector<FieldRef> fields_;
  // Trailer fields, copied (they arrive after the head, in any number of reads); empty and
  // unallocated for the messages that have none.
  std::vector<FieldRef> trailerFields_;
  std::string trailerStore_;
  std::uint64_t contentLength_ = 0;
  std::uint64_t bodyBytes_ = 0;
  std::uint64_t maxBody_ = 0;
  std::uint64_t defaultMaxBody_ = 0;
  bool inMessage_ = false;
  bool inHead_ = false;  // head bytes have been seen for the current message
  bool headComplete_ = false;
  bool fieldOpen_ = false;
  bool haveName_ = false;
  bool versionSeen_ = false;
  bool hostSeen_ = false;
  bool teSeen_ = false;
  int expectField_ = -1;
  bool valueStarted_ = false;
  bool takeOver_ = false;
};

}  // namespace nx::http::detail
