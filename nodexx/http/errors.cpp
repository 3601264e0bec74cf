// SPDX-License-Identifier: MIT
#include "nodexx/http/errors.hpp"

#include <cstdio>

#include "nodexx/http/status.hpp"

namespace nx::http {

ParseError::ParseError(std::string code, const std::string& reason, int status,
                       std::size_t bytesParsed)
    : SystemError(std::move(code), reason), status_(status), bytesParsed_(bytesParsed) {}

namespace {

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string problemJson(int status, std::string_view code, std::string_view detail) {
  std::string out;
  out.reserve(96 + detail.size());
  out += R"({"type":"about:blank","title":)";
  appendJsonString(out, statusText(status));
  out += R"(,"status":)";
  out += std::to_string(status);
  out += R"(,"detail":)";
  appendJsonString(out, detail);
  out += R"(,"code":)";
  appendJsonString(out, code);
  out += '}';
  return out;
}

std::string_view problemCode(int status) noexcept {
  switch (status) {
    case 400:
      return "bad_request";
    case 408:
      return "request_timeout";
    case 413:
      return "payload_too_large";
    case 417:
      return "expectation_failed";
    case 431:
      return "request_header_fields_too_large";
    case 500:
      return "internal_server_error";
    case 501:
      return "not_implemented";
    case 505:
      return "http_version_not_supported";
    default:
      return "error";
  }
}

}  // namespace nx::http
