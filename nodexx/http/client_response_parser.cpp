// SPDX-License-Identifier: MIT
// The response parser of internal/response_parser.hpp (at the module top level so that the
// module glob compiles it).
#include "nodexx/http/internal/response_parser.hpp"

#include <llhttp.h>

#include <new>

namespace nx::http::detail {
namespace {

static_assert(sizeof(llhttp_t) <= 96 && alignof(llhttp_t) <= 8, "llhttp_t storage too small");

ResponseParser& self(llhttp_t* p) noexcept { return *static_cast<ResponseParser*>(p->data); }

const llhttp_settings_t& settings() noexcept {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t x;
    llhttp_settings_init(&x);
    x.on_message_begin = [](llhttp_t* p) { return self(p).onMessageBegin(); };
    x.on_status = [](llhttp_t* p, const char* at, size_t n) { return self(p).onStatus(at, n); };
    x.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
      return self(p).onHeaderField(at, n);
    };
    x.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
      return self(p).onHeaderValue(at, n);
    };
    x.on_header_field_complete = [](llhttp_t* p) { return self(p).onHeaderFieldComplete(); };
    x.on_header_value_complete = [](llhttp_t* p) { return self(p).onHeaderValueComplete(); };
    x.on_headers_complete = [](llhttp_t* p) { return self(p).onHeadersComplete(); };
    x.on_body = [](llhttp_t* p, const char* at, size_t n) { return self(p).onBody(at, n); };
    x.on_message_complete = [](llhttp_t* p) { return self(p).onMessageComplete(); };
    return x;
  }();
  return s;
}

llhttp_t* ll(unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<llhttp_t*>(storage));
}

}  // namespace

ResponseParser::ResponseParser(ResponseSink& sink, std::uint32_t maxHeaderSize)
    : sink_(sink), maxHeaderSize_(maxHeaderSize) {
  auto* p = new (llhttp_) llhttp_t;
  llhttp_init(p, HTTP_RESPONSE, &settings());
  p->data = this;
}

ResponseParser::~ResponseParser() { ll(llhttp_)->~llhttp_t(); }

void ResponseParser::reset(bool noBody) noexcept {
  auto* p = ll(llhttp_);
  llhttp_reset(p);
  p->data = this;
  noBody_ = noBody;
  started_ = headDone_ = complete_ = interim_ = sinkRefused_ = overflow_ = badStatus_ = emptyName_ =
      false;
  inField_ = false;
  headBytes_ = 0;
  head_ = ResponseHead();
  field_.clear();
  value_.clear();
  failure_ = ResponseFailure();
}

bool ResponseParser::countHead(std::size_t n) noexcept {
  headBytes_ += static_cast<std::uint32_t>(n);
  if (headBytes_ > maxHeaderSize_) {
    overflow_ = true;
    return false;
  }
  return true;
}

int ResponseParser::onMessageBegin() noexcept {
  started_ = true;
  head_ = ResponseHead();
  headBytes_ = 0;
  field_.clear();
  value_.clear();
  return 0;
}

int ResponseParser::onStatus(const char* at, std::size_t n) noexcept {
  if (!countHead(n)) return -1;
  head_.statusMessage.append(at, n);
  return 0;
}

int ResponseParser::onHeaderField(const char* at, std::size_t n) noexcept {
  // Four bytes of framing (": " and CRLF) per field count towards the limit, as on the wire.
  if (!countHead(n + (field_.empty() ? 4 : 0))) return -1;
  field_.append(at, n);
  return 0;
}

int ResponseParser::onHeaderValue(const char* at, std::size_t n) noexcept {
  if (!countHead(n)) return -1;
  value_.append(at, n);
  return 0;
}

int ResponseParser::onHeaderFieldComplete() noexcept { return 0; }

int ResponseParser::onHeaderValueComplete() noexcept {
  if (field_.empty()) {
    // llhttp 8 lets ": value" through right after an obs-fold line; a field needs a name.
    emptyName_ = true;
    return -1;
  }
  // llhttp accepts obs-fold in responses (RFC 9112 5.2 lets a user agent replace it with
  // spaces); replace it here so that no CR or LF ever reaches a Headers value.
  for (char& c : value_) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  head_.fields.emplace_back(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  return 0;
}

int ResponseParser::onHeadersComplete() noexcept {
  auto* p = ll(llhttp_);
  head_.statusCode = llhttp_get_status_code(p);
  head_.httpMajor = llhttp_get_http_major(p);
  head_.httpMinor = llhttp_get_http_minor(p);
  head_.chunked = (p->flags & F_CHUNKED) != 0;
  if (p->flags & F_CONTENT_LENGTH) head_.contentLength = p->content_length;
  head_.keepAlive = llhttp_should_keep_alive(p) != 0;
  head_.upgrade = head_.statusCode == 101;
  if (head_.statusCode < 100 || head_.statusCode > 999) {
    // llhttp 8 accepts "HTTP/1.1  200" (status 0) and "099"; newer llhttp, as in Node 20,
    // rejects them, and so do we.
    badStatus_ = true;
    return -1;
  }
  if (head_.statusCode >= 100 && head_.statusCode < 200 && head_.statusCode != 101) {
    interim_ = true;
    sink_.onInformation(head_);
    return 1;  // an interim response never has a body (RFC 9110 15.2), whatever it says
  }
  headDone_ = true;
  if (!sink_.onResponse(head_)) {
    sinkRefused_ = true;
    return -1;
  }
  // 1 tells llhttp that this message has no body: the response to HEAD, and 304 whatever its
  // Content-Length says (as Node's parserOnIncomingClient).
  return noBody_ || head_.statusCode == 304 ? 1 : 0;
}

int ResponseParser::onBody(const char* at, std::size_t n) noexcept {
  sink_.onBody(std::string_view(at, n));
  return 0;
}

int ResponseParser::onMessageComplete() noexcept {
  if (interim_) {
    interim_ = false;  // a 1xx: the final response follows on the same connection
    return 0;
  }
  complete_ = true;
  // The verdict after the body: a close-delimited body never allows reuse.
  head_.keepAlive = llhttp_should_keep_alive(ll(llhttp_)) != 0;
  sink_.onComplete();
  return HPE_PAUSED;
}

ResponseParser::Result ResponseParser::fromErrno(int err, const char* data, std::size_t size) {
  auto* p = ll(llhttp_);
  if (err == HPE_OK) return {Status::Ok, size};
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    const char* pos = llhttp_get_error_pos(p);
    std::size_t used = pos && data && pos >= data ? static_cast<std::size_t>(pos - data) : size;
    if (used > size) used = size;
    return {Status::Paused, used};
  }
  if (overflow_) {
    failure_ = {"HPE_HEADER_OVERFLOW", "Header overflow"};
  } else if (emptyName_) {
    failure_ = {"HPE_INVALID_HEADER_TOKEN", "Invalid header field name"};
  } else if (badStatus_) {
    failure_ = {"HPE_INVALID_STATUS", "Invalid status code"};
  } else if (sinkRefused_) {
    failure_ = {"ERR_ABORTED_BY_SINK", "Response rejected"};
  } else {
    const char* reason = llhttp_get_error_reason(p);
    failure_ = {llhttp_errno_name(static_cast<llhttp_errno_t>(err)), reason ? reason : ""};
  }
  const char* pos = llhttp_get_error_pos(p);
  std::size_t used = pos && data && pos >= data ? static_cast<std::size_t>(pos - data) : 0;
  return {Status::Error, used > size ? size : used};
}

ResponseParser::Result ResponseParser::execute(const char* data, std::size_t size) {
  if (complete_) return {Status::Paused, 0};
  if (!failure_.code.empty()) return {Status::Error, 0};
  if (size > 0) started_ = true;
  return fromErrno(llhttp_execute(ll(llhttp_), data, size), data, size);
}

ResponseParser::Result ResponseParser::finish() {
  if (complete_) return {Status::Paused, 0};
  if (!failure_.code.empty()) return {Status::Error, 0};
  int err = llhttp_finish(ll(llhttp_));
  if (err == HPE_OK && !started_) return {Status::Ok, 0};
  if (err == HPE_OK && !complete_) {
    // Nothing pending in llhttp but the response never completed (EOF right after a 1xx).
    failure_ = {"HPE_INVALID_EOF_STATE", "Invalid EOF state"};
    return {Status::Error, 0};
  }
  return fromErrno(err, nullptr, 0);
}

}  // namespace nx::http::detail
