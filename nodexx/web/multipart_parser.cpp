// SPDX-License-Identifier: MIT
#include "nodexx/web/multipart_parser.hpp"

#include <algorithm>
#include <cstring>

namespace nx::web::multipart {

namespace {

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool isTokenChar(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7F) return false;
  return std::strchr("()<>@,;:\\\"/[]?={}", c) == nullptr;
}

std::string_view trimOws(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses `; key=value` parameters after a header's first token, calling `fn(key, value)` with
// the value unquoted (backslash escapes resolved, as busboy does). Returns false on a syntax
// error, which makes the whole header unusable.
template <class Fn>
bool parseParams(std::string_view s, Fn&& fn) {
  std::string value;
  while (true) {
    s = trimOws(s);
    if (s.empty()) return true;
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    s = trimOws(s);
    if (s.empty()) return true;  // a trailing ';' is tolerated
    std::size_t k = 0;
    while (k < s.size() && isTokenChar(s[k])) ++k;
    if (k == 0) return false;
    std::string_view key = s.substr(0, k);
    s.remove_prefix(k);
    s = trimOws(s);
    if (s.empty() || s.front() != '=') return false;
    s.remove_prefix(1);
    s = trimOws(s);
    value.clear();
    if (!s.empty() && s.front() == '"') {
      std::size_t i = 1;
      bool closed = false;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          value.push_back(s[++i]);
        } else if (s[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          value.push_back(s[i]);
        }
      }
      if (!closed) return false;
      s.remove_prefix(i);
    } else {
      std::size_t i = 0;
      while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '\t') ++i;
      if (i == 0) return false;
      value.assign(s.substr(0, i));
      s.remove_prefix(i);
    }
    fn(key, std::string_view(value));
  }
}

}  // namespace

std::string_view errorCode(Error e) noexcept {
  switch (e) {
    case Error::None:
      return "";
    case Error::InvalidBoundary:
      return "invalid_multipart_boundary";
    case Error::UnexpectedEnd:
    case Error::MalformedHeader:
    case Error::MalformedBoundary:
      return "malformed_multipart";
    case Error::FieldNameSize:
      return "limit_field_key";
    case Error::FieldSize:
      return "limit_field_value";
    case Error::Fields:
      return "limit_field_count";
    case Error::FileSize:
      return "limit_file_size";
    case Error::Files:
      return "limit_file_count";
    case Error::Parts:
      return "limit_part_count";
    case Error::HeaderPairs:
      return "limit_header_pairs";
    case Error::HeaderSize:
      return "limit_header_size";
  }
  return "";
}

int errorStatus(Error e) noexcept {
  switch (e) {
    case Error::None:
      return 0;
    case Error::InvalidBoundary:
    case Error::UnexpectedEnd:
    case Error::MalformedHeader:
    case Error::MalformedBoundary:
      return 400;
    default:
      return 413;
  }
}

std::string_view errorMessage(Error e) noexcept {
  switch (e) {
    case Error::None:
      return "";
    case Error::InvalidBoundary:
      return "Multipart boundary missing or invalid";
    case Error::UnexpectedEnd:
      return "Unexpected end of form";
    case Error::MalformedHeader:
      return "Malformed part header";
    case Error::MalformedBoundary:
      return "Malformed multipart delimiter line";
    case Error::FieldNameSize:
      return "Field name too long";
    case Error::FieldSize:
      return "Field value too long";
    case Error::Fields:
      return "Too many fields";
    case Error::FileSize:
      return "File too large";
    case Error::Files:
      return "Too many files";
    case Error::Parts:
      return "Too many parts";
    case Error::HeaderPairs:
      return "Too many part header fields";
    case Error::HeaderSize:
      return "Part header too large";
  }
  return "";
}

std::string_view limitName(Error e) noexcept {
  switch (e) {
    case Error::FieldNameSize:
      return "fieldNameSize";
    case Error::FieldSize:
      return "fieldSize";
    case Error::Fields:
      return "fields";
    case Error::FileSize:
      return "fileSize";
    case Error::Files:
      return "files";
    case Error::Parts:
      return "parts";
    case Error::HeaderPairs:
      return "headerPairs";
    case Error::HeaderSize:
      return "headerSize";
    default:
      return "";
  }
}

bool isValidBoundary(std::string_view b) noexcept {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::strchr("'()+_,-./:=? ", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

Parser::Parser(std::string_view boundary, const Limits& limits) : limits_(limits) {
  if (!isValidBoundary(boundary)) {
    error_ = Error::InvalidBoundary;
    return;
  }
  delimiter_.reserve(4 + boundary.size());
  delimiter_ = "\r\n--";
  delimiter_ += boundary;
  // fail_[m]: the length of the longest proper border of delimiter_[0, m) (KMP). A mismatch
  // after m matched bytes keeps fail_[m] of them as a possible start and releases the rest.
  const std::size_t n = delimiter_.size();
  fail_[0] = 0;
  fail_[1] = 0;
  std::size_t k = 0;
  for (std::size_t i = 1; i < n; ++i) {
    while (k > 0 && delimiter_[i] != delimiter_[k]) k = fail_[k];
    if (delimiter_[i] == delimiter_[k]) ++k;
    fail_[i + 1] = static_cast<std::uint8_t>(k);
  }
  // The body may begin with the first delimiter at once ("--boundary"): act as if the CRLF
  // before it had been seen.
  matched_ = 2;
}

Error Parser::fail(Error e) noexcept {
  if (error_ == Error::None) error_ = e;
  return error_;
}

Error Parser::emitData(std::string_view data, Handler& handler) {
  if (data.empty() || skipPart_ || !inPart_) return Error::None;
  partBytes_ += data.size();
  if (partIsFile_ ? partBytes_ > limits_.fileSize : partBytes_ > limits_.fieldSize)
    return fail(partIsFile_ ? Error::FileSize : Error::FieldSize);
  handler.onPartData(data);
  return Error::None;
}

const char* Parser::scanDelimiter(const char* p, const char* end, bool emit, Handler& handler,
                                  Error& err) {
  const std::size_t n = delimiter_.size();
  const char* ds = p;  // first data byte of this chunk not yet reported
  auto flush = [&](const char* upTo) {
    if (emit && upTo > ds) err = emitData(std::string_view(ds, std::size_t(upTo - ds)), handler);
    ds = upTo;
    return err == Error::None;
  };
  while (p < end) {
    if (matched_ == 0) {
      // Nothing pending: jump to the next CR, the only byte a delimiter can start with.
      const void* q = std::memchr(p, '\r', std::size_t(end - p));
      if (q == nullptr) {
        p = end;
        break;
      }
      p = static_cast<const char*>(q);
      if (!flush(p)) return nullptr;
      matched_ = 1;
      ds = ++p;
      continue;
    }
    const char c = *p;
    if (delimiter_[matched_] != c) {
      // The pending bytes equal delimiter_[0, matched_): release those that can no longer
      // start a delimiter, straight from delimiter_ itself.
      while (matched_ > 0 && delimiter_[matched_] != c) {
        const std::size_t keep = fail_[matched_];
        if (emit) {
          err = emitData(std::string_view(delimiter_.data(), matched_ - keep), handler);
          if (err != Error::None) return nullptr;
        }
        matched_ = keep;
      }
      if (delimiter_[matched_] != c) {
        ++p;  // a plain data byte; ds still points at it
        continue;
      }
    }
    ++matched_;
    ds = ++p;
    if (matched_ == n) {
      matched_ = 0;
      return p;
    }
  }
  flush(p);
  return nullptr;
}

Error Parser::write(std::string_view chunk, Handler& handler) {
  if (error_ != Error::None) return error_;
  const char* p = chunk.data();
  const char* const end = p + chunk.size();
  while (p < end) {
    switch (state_) {
      case State::Preamble:
      case State::Body: {
        const bool body = state_ == State::Body;
        Error err = Error::None;
        const char* after = scanDelimiter(p, end, body, handler, err);
        if (err != Error::None) return fail(err);
        if (after == nullptr) return Error::None;
        p = after;
        if (inPart_) {
          inPart_ = false;
          if (!skipPart_) handler.onPartEnd();
        }
        state_ = State::AfterDelim;
        break;
      }
      case State::AfterDelim: {
        const char c = *p++;
        if (c == '-') {
          state_ = State::AfterDash;
        } else if (c == ' ' || c == '\t') {
          state_ = State::Padding;
        } else if (c == '\r') {
          state_ = State::PaddingCr;
        } else {
          return fail(Error::MalformedBoundary);
        }
        break;
      }
      case State::AfterDash:
        if (*p++ != '-') return fail(Error::MalformedBoundary);
        state_ = State::Epilogue;
        break;
      case State::Padding: {
        const char c = *p++;
        if (c == '\r') {
          state_ = State::PaddingCr;
        } else if (c != ' ' && c != '\t') {
          return fail(Error::MalformedBoundary);
        }
        break;
      }
      case State::PaddingCr:
        if (*p++ != '\n') return fail(Error::MalformedBoundary);
        if (parts_ >= limits_.parts) return fail(Error::Parts);
        ++parts_;
        // The CRLF that ended the delimiter line starts the block, so that a part without
        // header fields ends at the first "\r\n\r\n" just like one with them.
        header_.assign("\r\n");
        state_ = State::Headers;
        break;
      case State::Headers: {
        const std::size_t old = header_.size();
        const std::size_t room = limits_.headerSize + 2 - std::min(old, limits_.headerSize + 2);
        const std::size_t take = std::min<std::size_t>(std::size_t(end - p), room + 1);
        header_.append(p, take);
        const std::size_t from = old >= 3 ? old - 3 : 0;
        const std::size_t t = header_.find("\r\n\r\n", from);
        if (t == std::string::npos) {
          if (header_.size() > limits_.headerSize + 2) return fail(Error::HeaderSize);
          p += take;
          break;
        }
        if (t + 4 > limits_.headerSize + 2) return fail(Error::HeaderSize);
        p += (t + 4) - old;
        header_.resize(t + 4);
        if (Error e = parseHeaders(handler); e != Error::None) return fail(e);
        state_ = State::Body;
        break;
      }
      case State::Epilogue:
        return Error::None;
    }
  }
  return Error::None;
}

Error Parser::parseHeaders(Handler& handler) {
  std::string_view block(header_);
  block = block.substr(2, block.size() - 4);  // without the leading and the final CRLF
  std::string_view disposition, contentType, transfer;
  bool haveDisposition = false, haveType = false, haveTransfer = false;
  std::size_t pairs = 0;
  while (!block.empty()) {
    const std::size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    if (line.empty()) continue;
    if (line.find_first_of("\r\n") != std::string_view::npos) return Error::MalformedHeader;
    if (line.front() == ' ' || line.front() == '\t') {
      // obs-fold: a continuation of the previous field (RFC 5322 folding, accepted by busboy).
      // The recognised fields are short; folding them is not supported beyond this check.
      if (pairs == 0) return Error::MalformedHeader;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return Error::MalformedHeader;
    std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!isTokenChar(c)) return Error::MalformedHeader;
    if (++pairs > limits_.headerPairs) return Error::HeaderPairs;
    std::string_view value = trimOws(line.substr(colon + 1));
    if (!haveDisposition && iequals(name, "content-disposition")) {
      disposition = value;
      haveDisposition = true;
    } else if (!haveType && iequals(name, "content-type")) {
      contentType = value;
      haveType = true;
    } else if (!haveTransfer && iequals(name, "content-transfer-encoding")) {
      transfer = value;
      haveTransfer = true;
    }
  }

  // Content-Disposition: form-data; name="..."; filename="..." (RFC 7578 §4.2). A part that is
  // not form-data, has no name or an unparsable field is skipped, as busboy skips it.
  skipPart_ = true;
  bool haveName = false, haveFilename = false, haveNameExt = false, haveFilenameExt = false;
  name_.clear();
  filename_.clear();
  if (haveDisposition) {
    std::size_t k = 0;
    while (k < disposition.size() && isTokenChar(disposition[k])) ++k;
    if (iequals(disposition.substr(0, k), "form-data")) {
      bool ok = parseParams(disposition.substr(k), [&](std::string_view key, std::string_view v) {
        if (iequals(key, "name") && !haveNameExt) {
          name_.assign(v);
          haveName = true;
        } else if (iequals(key, "name*")) {
          if (auto d = decodeExtValue(v)) {
            name_ = std::move(*d);
            haveName = haveNameExt = true;
          }
        } else if (iequals(key, "filename") && !haveFilenameExt) {
          filename_.assign(v);
          haveFilename = true;
        } else if (iequals(key, "filename*")) {
          if (auto d = decodeExtValue(v)) {
            filename_ = std::move(*d);
            haveFilename = haveFilenameExt = true;
          }
        }
      });
      skipPart_ = !ok || !haveName;
    }
  }
  if (skipPart_) {
    inPart_ = true;
    partIsFile_ = false;
    partBytes_ = 0;
    return Error::None;
  }

  partIsFile_ = haveFilename;
  if (name_.size() > limits_.fieldNameSize) return Error::FieldNameSize;
  std::size_t& count = partIsFile_ ? files_ : fields_;
  if (count >= (partIsFile_ ? limits_.files : limits_.fields))
    return partIsFile_ ? Error::Files : Error::Fields;
  ++count;

  mime_.clear();
  charset_.clear();
  if (haveType) {
    // type "/" subtype, both tokens; anything unparsable falls back to the default.
    std::size_t k = 0;
    while (k < contentType.size() && isTokenChar(contentType[k])) ++k;
    if (k > 0 && k < contentType.size() && contentType[k] == '/') {
      std::size_t j = k + 1;
      while (j < contentType.size() && isTokenChar(contentType[j])) ++j;
      if (j > k + 1) {
        mime_ = lowered(contentType.substr(0, j));
        parseParams(contentType.substr(j), [&](std::string_view key, std::string_view v) {
          if (iequals(key, "charset")) charset_ = lowered(v);
        });
      }
    }
  }
  if (mime_.empty()) mime_ = partIsFile_ ? "application/octet-stream" : "text/plain";
  encoding_ = haveTransfer ? lowered(transfer) : std::string("7bit");

  PartInfo info;
  info.name = name_;
  if (partIsFile_) info.filename = std::string_view(filename_);
  info.mimeType = mime_;
  info.charset = charset_;
  info.encoding = encoding_;
  inPart_ = true;
  partBytes_ = 0;
  handler.onPartBegin(info);
  return Error::None;
}

Error Parser::end(Handler& /*handler*/) {
  if (error_ != Error::None) return error_;
  if (state_ != State::Epilogue) return fail(Error::UnexpectedEnd);
  return Error::None;
}

}  // namespace nx::web::multipart
