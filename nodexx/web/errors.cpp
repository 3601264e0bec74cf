// SPDX-License-Identifier: MIT
#include "nodexx/web/errors.hpp"

#include <cctype>

#include "nodexx/http/status.hpp"

namespace nx::web {

namespace {
int clampStatus(int status) noexcept { return status >= 400 && status <= 599 ? status : 500; }
}  // namespace

HttpError::HttpError(int status, std::string code, std::string message)
    : SystemError(std::move(code), message), status_(clampStatus(status)) {}

HttpError::HttpError(int status, std::string code, std::string message,
                     std::vector<FieldError> errors)
    : SystemError(std::move(code), message),
      status_(clampStatus(status)),
      errors_(std::move(errors)) {}

HttpError::HttpError(int status)
    : HttpError(status, problemCode(clampStatus(status)),
                std::string(http::statusText(clampStatus(status)))) {}

HttpError& HttpError::setHeader(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string problemCode(int status) {
  std::string_view text = http::statusText(status);
  if (text.empty()) return "error";
  std::string code;
  code.reserve(text.size());
  bool underscore = false;
  for (char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      if (underscore && !code.empty()) code.push_back('_');
      underscore = false;
      code.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    } else if (ch != '\'') {
      underscore = true;
    }
  }
  return code;
}

}  // namespace nx::web
