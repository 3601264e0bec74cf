// SPDX-License-Identifier: MIT
#include "nodexx/http/internal/request_parser.hpp"

#include <llhttp.h>

#include <cstring>
#include <new>

#include "nodexx/http/headers.hpp"
#include "nodexx/http/internal/byte_scan.hpp"

namespace nx::http::detail {

namespace {

static_assert(sizeof(llhttp_t) <= 96 && alignof(llhttp_t) <= 8, "llhttp_t storage too small");

RequestParser& self(llhttp_t* p) noexcept { return *static_cast<RequestParser*>(p->data); }

int cbMessageBegin(llhttp_t* p) { return self(p).onMessageBegin(); }
int cbMethod(llhttp_t* p, const char* at, size_t n) { return self(p).onMethod(at, n); }
int cbUrl(llhttp_t* p, const char* at, size_t n) { return self(p).onUrl(at, n); }
int cbVersion(llhttp_t* p, const char* at, size_t n) { return self(p).onVersion(at, n); }
int cbHeaderField(llhttp_t* p, const char* at, size_t n) { return self(p).onHeaderField(at, n); }
int cbHeaderValue(llhttp_t* p, const char* at, size_t n) { return self(p).onHeaderValue(at, n); }
int cbHeadersComplete(llhttp_t* p) { return self(p).onHeadersCompleteCb(); }
int cbBody(llhttp_t* p, const char* at, size_t n) { return self(p).onBodyCb(at, n); }
int cbMessageComplete(llhttp_t* p) { return self(p).onMessageCompleteCb(); }

// The field-complete callbacks only mark boundaries: the next span starts a new field/value.
struct FieldMarks {
  static int fieldDone(llhttp_t* p);
  static int valueDone(llhttp_t* p);
};

const llhttp_settings_t& settings() noexcept;

// llhttp's own errors map to 400, except a well-formed version with a major other than 1
// (505, RFC 9110 §15.6.6). llhttp stores the major digit before it checks the version, so a
// malformed one ("HTTP/x.y", "HTTP/1.10", "HTTP/1.2") leaves 0 or 1 there and gets 400.
int statusFor(llhttp_errno_t e, const llhttp_t* p) noexcept {
  return e == HPE_INVALID_VERSION && p->http_major >= 2 ? 505 : 400;
}

llhttp_t* ll(unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<llhttp_t*>(storage));
}
const llhttp_t* ll(const unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<const llhttp_t*>(storage));
}

}  // namespace

// Private access for the boundary callbacks.
struct RequestParserAccess {
  static int fieldDone(RequestParser& r) noexcept;
  static void valueDone(RequestParser& r) noexcept;
};

namespace {

int FieldMarks::fieldDone(llhttp_t* p) { return RequestParserAccess::fieldDone(self(p)); }
int FieldMarks::valueDone(llhttp_t* p) {
  RequestParserAccess::valueDone(self(p));
  return 0;
}

const llhttp_settings_t& settings() noexcept {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t x;
    llhttp_settings_init(&x);
    x.on_message_begin = cbMessageBegin;
    x.on_method = cbMethod;
    x.on_url = cbUrl;
    x.on_version = cbVersion;
    x.on_header_field = cbHeaderField;
    x.on_header_value = cbHeaderValue;
    x.on_header_field_complete = FieldMarks::fieldDone;
    x.on_header_value_complete = FieldMarks::valueDone;
    x.on_headers_complete = cbHeadersComplete;
    x.on_body = cbBody;
    x.on_message_complete = cbMessageComplete;
    return x;
  }();
  return s;
}

}  // namespace

RequestParser::RequestParser(RequestSink& sink, std::uint32_t maxHeaderSize)
    : sink_(sink), maxHeaderSize_(maxHeaderSize) {
  new (llhttp_) llhttp_t;
  reset();
}

RequestParser::~RequestParser() = default;

void RequestParser::reset() noexcept {
  llhttp_t* p = ll(llhttp_);
  llhttp_init(p, HTTP_REQUEST, &settings());
  p->data = this;
  failure_ = {};
  store_.clear();
  base_ = chunkHead_ = nullptr;
  carried_ = 0;
  headEnd_ = urlOff_ = urlLen_ = methodLen_ = trailerBytes_ = 0;
  fields_.clear();
  // Typical requests carry 5 to 15 fields: reserve once so that the list does not grow while
  // a connection serves them.
  try {
    fields_.reserve(kReservedFields);
  } catch (const std::bad_alloc&) {
    // Not fatal: the list grows on demand (onHeaderField reports a failure then).
  }
  contentLength_ = bodyBytes_ = 0;
  maxBody_ = defaultMaxBody_;
  inMessage_ = inHead_ = headComplete_ = false;
  fieldOpen_ = valueStarted_ = haveName_ = versionSeen_ = takeOver_ = false;
  clearTrailers();
}

void RequestParser::releaseStorage() noexcept {
  if (inHead_ && !headComplete_) return;  // a split head is still being collected
  if (headDetached()) {
    // The views of a finished message may point into store_; they are dead once it is idle.
    base_ = nullptr;
    headEnd_ = urlLen_ = methodLen_ = 0;
    fields_.clear();
  }
  std::string().swap(store_);
  // The field list keeps its usual capacity: the next read of a keep-alive connection borrows
  // a pooled object, and re-reserving it there would allocate once per request. Only a list
  // that a large head made grow is given back.
  if (fields_.capacity() > kReservedFields) std::vector<FieldRef>().swap(fields_);
  // Trailer storage exists only after a message that had trailers (the list is allocated first).
  if (trailerFields_.capacity() != 0) [[unlikely]]
    releaseTrailers();
}

void RequestParser::releaseTrailers() noexcept {
  std::string().swap(trailerStore_);
  std::vector<FieldRef>().swap(trailerFields_);
}

void RequestParser::resume() noexcept { llhttp_resume(ll(llhttp_)); }

ParseResult RequestParser::execute(const char* data, std::size_t size) {
  llhttp_t* p = ll(llhttp_);
  if (inHead_ && !headComplete_) {
    chunkHead_ = data;
    carried_ = store_.size();
  }
  failure_ = {};
  // A trailer value may go on at the start of this input only if its last span ended exactly
  // where the previous input did (see onHeaderValue).
  valueMayContinue_ = lastValueEnd_ != nullptr && lastValueEnd_ == inputEnd_;
  lastValueEnd_ = nullptr;
  input_ = data;
  inputEnd_ = data + size;
  llhttp_errno_t err = llhttp_execute(p, data, size);
  if (err == HPE_OK) {
    if (inHead_ && !headComplete_) {
      // The head continues in the next read: keep what arrived so far.
      std::size_t part = static_cast<std::size_t>(data + size - chunkHead_);
      if (carried_ + part > maxHeaderSize_) {
        fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
        return {ParseStatus::Error, size};
      }
      store_.append(chunkHead_, part);
    }
    return {ParseStatus::Ok, size};
  }
  auto consumed = static_cast<std::size_t>(llhttp_get_error_pos(p) - data);
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) return {ParseStatus::Paused, consumed};
  if (failure_.code.empty() && failure_.status == 0 && err == HPE_USER) {
    // The sink stopped the parser and reported the problem itself.
    return {ParseStatus::Error, consumed};
  }
  if (failure_.code.empty()) {
    failure_.code = llhttp_errno_name(err);
    failure_.reason = llhttp_get_error_reason(p) != nullptr ? llhttp_get_error_reason(p) : "";
    failure_.status = statusFor(err, p);
  }
  return {ParseStatus::Error, consumed};
}

std::string_view RequestParser::method() const noexcept {
  return llhttp_method_name(static_cast<llhttp_method_t>(ll(llhttp_)->method));
}
int RequestParser::httpMajor() const noexcept { return ll(llhttp_)->http_major; }
int RequestParser::httpMinor() const noexcept { return ll(llhttp_)->http_minor; }
bool RequestParser::shouldKeepAlive() const noexcept {
  return llhttp_should_keep_alive(ll(llhttp_)) != 0;
}
bool RequestParser::isChunked() const noexcept { return (ll(llhttp_)->flags & F_CHUNKED) != 0; }
bool RequestParser::hasContentLength() const noexcept {
  return (ll(llhttp_)->flags & F_CONTENT_LENGTH) != 0;
}
bool RequestParser::isUpgrade() const noexcept { return ll(llhttp_)->upgrade != 0; }

void RequestParser::detachHead() {
  if (!headComplete_ || headDetached() || base_ == nullptr) return;
  store_.assign(base_, headEnd_);
  base_ = store_.data();
}

int RequestParser::fail(std::string_view code, std::string_view reason, int status) noexcept {
  failure_ = {code, reason, status};
  return HPE_USER;
}

bool RequestParser::noteHeadEnd(const char* end) noexcept {
  std::uint32_t o = offsetOf(end);
  if (o > headEnd_) headEnd_ = o;
  return headEnd_ <= maxHeaderSize_;
}

int RequestParser::onMessageBegin() noexcept {
  inMessage_ = true;
  inHead_ = headComplete_ = false;
  fields_.clear();
  store_.clear();
  base_ = chunkHead_ = nullptr;
  carried_ = 0;
  headEnd_ = urlOff_ = urlLen_ = methodLen_ = trailerBytes_ = 0;
  contentLength_ = bodyBytes_ = 0;
  maxBody_ = defaultMaxBody_;
  fieldOpen_ = valueStarted_ = haveName_ = versionSeen_ = false;
  hostSeen_ = teSeen_ = false;
  expectField_ = -1;
  clearTrailers();
  return 0;
}

int RequestParser::onMethod(const char* at, std::size_t n) noexcept {
  if (!inHead_) {
    inHead_ = true;
    chunkHead_ = at;
    carried_ = 0;
  }
  methodLen_ = offsetOf(at + n);
  if (!noteHeadEnd(at + n)) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  return 0;
}

int RequestParser::onUrl(const char* at, std::size_t n) noexcept {
  if (urlLen_ == 0) urlOff_ = offsetOf(at);
  urlLen_ = offsetOf(at + n) - urlOff_;
  if (!noteHeadEnd(at + n)) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  return 0;
}

int RequestParser::onVersion(const char* at, std::size_t n) noexcept {
  versionSeen_ = true;
  if (!noteHeadEnd(at + n)) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  return 0;
}

int RequestParser::onHeaderField(const char* at, std::size_t n) noexcept {
  if (headComplete_) return onTrailerField(at, n);
  try {
    if (!fieldOpen_) {
      fields_.push_back(FieldRef{offsetOf(at), 0, 0, 0});
      fieldOpen_ = true;
      valueStarted_ = false;
    }
  } catch (const std::bad_alloc&) {
    return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  }
  FieldRef& f = fields_.back();
  f.nameLen = offsetOf(at + n) - f.nameOff;
  haveName_ = true;
  if (!noteHeadEnd(at + n)) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  return 0;
}

int RequestParser::onHeaderValue(const char* at, std::size_t n) noexcept {
  if (headComplete_) return onTrailerValue(at, n);
  // A value with no name before it (": v"): llhttp 8 accepts it and would glue it to the
  // previous field.
  if (fields_.empty() || !haveName_) {
    return fail("HPE_INVALID_HEADER_TOKEN", "Empty header name", 400);
  }
  FieldRef& f = fields_.back();
  if (!valueStarted_) {
    f.valueOff = offsetOf(at);
    valueStarted_ = true;
  }
  f.valueLen = offsetOf(at + n) - f.valueOff;
  if (!noteHeadEnd(at + n)) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  return 0;
}

// Trailer fields (after a chunked body): copied, since they may arrive in any number of reads,
// bounded like a head, and checked (trailerNameDone). Out of line, so that the head's callbacks
// stay as small as they were.
int RequestParser::onTrailerField(const char* at, std::size_t n) noexcept {
  trailerBytes_ += static_cast<std::uint32_t>(n);
  if (trailerBytes_ > maxHeaderSize_) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  try {
    if (!fieldOpen_) {
      fieldOpen_ = true;
      haveName_ = true;
      trailerNameLen_ = 0;
      trailerFields_.push_back(FieldRef{static_cast<std::uint32_t>(trailerStore_.size()), 0, 0, 0});
    }
    trailerStore_.append(at, n);
  } catch (const std::bad_alloc&) {
    return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  }
  trailerFields_.back().nameLen += static_cast<std::uint32_t>(n);
  for (std::size_t i = 0; i < n && trailerNameLen_ < sizeof trailerName_; ++i) {
    trailerName_[trailerNameLen_++] = at[i];
  }
  return 0;
}

int RequestParser::onTrailerValue(const char* at, std::size_t n) noexcept {
  trailerBytes_ += static_cast<std::uint32_t>(n);
  if (trailerBytes_ > maxHeaderSize_) return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  // llhttp 8 accepts obs-fold, reporting the continuation as a second span of the same value.
  // A value resumes legitimately only where a read split it: its previous span ended at the
  // end of the previous input and this one starts the next, with nothing in between. The
  // answer must not depend on where reads split the bytes.
  if (valueStarted_ && !(at == input_ && valueMayContinue_)) {
    return fail("HPE_OBS_FOLD", "Folded trailer values (obs-fold) are not allowed", 400);
  }
  // A value with no name before it (": v"), as in the head.
  if (trailerFields_.empty() || !haveName_) {
    return fail("HPE_INVALID_HEADER_TOKEN", "Empty header name", 400);
  }
  FieldRef& f = trailerFields_.back();
  try {
    if (!valueStarted_) f.valueOff = static_cast<std::uint32_t>(trailerStore_.size());
    trailerStore_.append(at, n);
  } catch (const std::bad_alloc&) {
    return fail("HPE_HEADER_OVERFLOW", "Header overflow", 431);
  }
  f.valueLen += static_cast<std::uint32_t>(n);
  valueStarted_ = true;
  valueMayContinue_ = false;
  lastValueEnd_ = at + n;
  return 0;
}

int RequestParserAccess::fieldDone(RequestParser& r) noexcept {
  r.fieldOpen_ = false;
  r.valueStarted_ = false;
  return r.headComplete_ ? r.trailerNameDone() : 0;
}

int RequestParser::trailerNameDone() noexcept {
  // llhttp 8 reports an empty trailer name (": v") as a zero-length span, as in the head.
  if (trailerFields_.empty() || trailerFields_.back().nameLen == 0) {
    return fail("HPE_INVALID_HEADER_TOKEN", "Empty header name", 400);
  }
  // RFC 9110 §6.5.1: framing fields must not be in trailers. llhttp 8 rejects a
  // Transfer-Encoding there itself; a Content-Length there is a smuggling attempt too (Node's
  // llhttp 9 rejects it).
  if (equalsIgnoreCase(std::string_view(trailerName_, trailerNameLen_), "content-length")) {
    return fail("HPE_INVALID_TRAILER", "Content-Length in the trailer section", 400);
  }
  return 0;
}
void RequestParserAccess::valueDone(RequestParser& r) noexcept {
  r.valueStarted_ = false;
  r.haveName_ = false;
}

int RequestParser::checkTransferEncoding() noexcept {
  // RFC 9112 §6.1/§6.3: chunked must be the final coding of a request (else 400), and a server
  // that does not implement a coding answers 501. nodexx implements chunked only. Every field
  // named Transfer-Encoding counts, also an empty one, which llhttp 8 does not flag.
  bool seen = false, other = false;
  std::string_view last;
  for (const FieldRef& f : fields_) {
    if (f.nameLen != 17 || !equalsIgnoreCase(fieldName(f), "transfer-encoding")) continue;
    seen = true;
    std::string_view v = fieldValue(f);
    while (!v.empty()) {
      std::size_t comma = v.find(',');
      std::string_view token = v.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (!token.empty()) {
        if (!equalsIgnoreCase(token, "chunked")) other = true;
        last = token;
      }
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (!seen) return 0;
  if (!equalsIgnoreCase(last, "chunked")) return 400;
  return other ? 501 : 0;
}

RequestParser::HeadFault RequestParser::headFault() const noexcept {
  // What llhttp 8's strict mode still lets through: a bare LF as a line end, obs-fold (a line
  // starting with SP or HTAB continues the previous one; RFC 9112 §5.2 lets a server reject it,
  // and smuggling defences require it), and extra spaces in the request line. The head is
  // contiguous here, so one pass finds every LF in it, a block at a time.
  const char* const begin = base_;
  const char* const end = base_ + headEnd_;
  // The request line first: it also guarantees a head of at least eight bytes.
  std::uint32_t urlEnd = urlOff_ + urlLen_;
  if (urlOff_ != methodLen_ + 1) return HeadFault::kMalformed;               // "GET  /"
  if (!versionSeen_ || urlEnd + 6 > headEnd_) return HeadFault::kMalformed;  // "GET /" (0.9)
  if (base_[urlEnd] != ' ' || base_[urlEnd + 1] != 'H') return HeadFault::kMalformed;
  HeadFault fault = HeadFault::kNone;
  scan::findEach(begin, end, '\n', [&fault, begin, end](const char* lf) {
    if (lf + 1 < end && (lf[1] == ' ' || lf[1] == '\t')) {
      fault = HeadFault::kObsFold;
    } else if (lf == begin || lf[-1] != '\r') {
      fault = HeadFault::kMalformed;
    }
    return fault != HeadFault::kNone;
  });
  if (fault != HeadFault::kNone) return fault;
  // The line ends that close the head lie past headEnd_: llhttp consumed them, so they are in
  // store_ or the input. After a value (or the ':' of an empty one) come two; an empty last
  // value may already have its own line end inside the head (llhttp reports its span at the
  // next line), and then only the blank line follows.
  if (carried_ == 0 && base_[headEnd_ - 1] != '\n') {
    // The usual case, the head all in this read. Byte by byte, stopping at the first
    // difference, so that nothing past what llhttp parsed is read.
    const char* t = base_ + headEnd_;
    if (t[0] == '\r' && t[1] == '\n' && t[2] == '\r' && t[3] == '\n') return HeadFault::kNone;
  }
  std::uint32_t i = headEnd_;
  if (base_[headEnd_ - 1] != '\n') {
    for (int guard = 0; guard < 64 && headByte(i) != '\r' && headByte(i) != '\n'; ++guard) ++i;
    if (headByte(i) != '\r' || headByte(i + 1) != '\n') return HeadFault::kMalformed;
    i += 2;
  }
  return headByte(i) == '\r' && headByte(i + 1) == '\n' ? HeadFault::kNone : HeadFault::kMalformed;
}

char RequestParser::headByte(std::uint32_t off) const noexcept {
  // Head bytes of earlier reads are in store_; the rest are in the current input.
  if (off < store_.size()) return store_[off];
  return chunkHead_[off - carried_];
}

int RequestParser::onHeadersCompleteCb() noexcept {
  headComplete_ = true;
  if (carried_ == 0) {
    base_ = chunkHead_;
  } else {
    // The head was split across reads: finish the copy in store_ and point the views there.
    if (headEnd_ > carried_) store_.append(chunkHead_, headEnd_ - carried_);
    base_ = store_.data();
  }
  // One pass over the fields: trim, and note the ones the server itself looks at, so that it
  // does not scan the list again for each (hasHost(), expect(), checkTransferEncoding()).
  hostSeen_ = teSeen_ = false;
  expectField_ = -1;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    FieldRef& f = fields_[i];
    if (f.nameLen == 0) return fail("HPE_INVALID_HEADER_TOKEN", "Empty header name", 400);
    // llhttp leaves trailing whitespace in values; RFC 9110 §5.5 excludes it.
    while (f.valueLen > 0 && (base_[f.valueOff + f.valueLen - 1] == ' ' ||
                              base_[f.valueOff + f.valueLen - 1] == '\t')) {
      --f.valueLen;
    }
    std::string_view name = fieldName(f);
    if (name.size() == 4 && equalsIgnoreCase(name, "host")) {
      hostSeen_ = true;
    } else if (name.size() == 6 && expectField_ < 0 && equalsIgnoreCase(name, "expect")) {
      expectField_ = static_cast<int>(i);
    } else if (name.size() == 17 && equalsIgnoreCase(name, "transfer-encoding")) {
      teSeen_ = true;
    }
  }
  // llhttp 8 accepts obs-fold even in strict mode (the value then spans the line end).
  if (HeadFault f = headFault(); f != HeadFault::kNone) [[unlikely]] {
    return f == HeadFault::kObsFold
               ? fail("HPE_OBS_FOLD", "Folded header values (obs-fold) are not allowed", 400)
               : fail("HPE_STRICT", "Malformed request line or line ending", 400);
  }
  llhttp_t* p = ll(llhttp_);
  if (p->http_major != 1) {
    return fail("HPE_INVALID_VERSION", "HTTP version not supported", 505);
  }
  int te = teSeen_ ? checkTransferEncoding() : 0;
  if (te == 400) {
    return fail("HPE_INVALID_TRANSFER_ENCODING",
                "Request has invalid `Transfer-Encoding`: chunked must be last", 400);
  }
  if (te == 501) return fail("HPE_INVALID_TRANSFER_ENCODING", "Unsupported transfer coding", 501);
  contentLength_ = (p->flags & F_CONTENT_LENGTH) != 0 ? p->content_length : 0;
  if (!sink_.onHeadersComplete()) {
    failure_ = {};
    return HPE_USER;
  }
  // 2 tells llhttp that the rest of the input is another protocol: no body, and execute()
  // stops at the end of the head (HPE_PAUSED_UPGRADE).
  return takeOver_ ? 2 : 0;
}

int RequestParser::onBodyCb(const char* at, std::size_t n) noexcept {
  bodyBytes_ += n;
  if (maxBody_ != 0 && bodyBytes_ > maxBody_) {
    return fail("ERR_HTTP_BODY_TOO_LARGE", "Request body larger than maxBodyBytes", 413);
  }
  sink_.onBody(std::string_view(at, n));
  return 0;
}

int RequestParser::onMessageCompleteCb() noexcept {
  inMessage_ = false;
  return sink_.onMessageComplete() ? HPE_PAUSED : 0;
}

}  // namespace nx::http::detail
