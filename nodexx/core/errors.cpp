// SPDX-License-Identifier: MIT
#include "nodexx/core/errors.hpp"

#include <uv.h>

namespace nx {

SystemError::SystemError(std::string code, const std::string& message, std::error_code ec)
    : std::system_error(ec, message), code_(std::move(code)), message_(message) {}

static std::string uvMessage(int uvErr, const std::string& syscall, const std::string& path) {
  std::string m = std::string(uvErrorName(uvErr)) + ": " + uv_strerror(uvErr);
  if (!syscall.empty()) m += ", " + syscall;
  if (!path.empty()) m += " '" + path + "'";
  return m;
}

UvError::UvError(int uvErr, std::string syscall, std::string path)
    : SystemError(std::string(uvErrorName(uvErr)), uvMessage(uvErr, syscall, path),
                  std::error_code(-uvErr, std::generic_category())),
      errnum_(uvErr),
      syscall_(std::move(syscall)),
      path_(std::move(path)) {}

AbortError::AbortError(const std::string& message) : SystemError("ABORT_ERR", message) {}

TimeoutError::TimeoutError(const std::string& message) : SystemError("ABORT_ERR", message) {}

AggregateError::AggregateError(std::vector<std::exception_ptr> errors, const std::string& message)
    : SystemError("ERR_AGGREGATE", message), errors_(std::move(errors)) {}

std::string describe(const std::exception_ptr& e) {
  if (!e) return "Error: (no exception)";
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& err) {
    return std::string(err.name()) + ": " + err.what();
  } catch (const std::exception& err) {
    return std::string("Error: ") + err.what();
  } catch (...) {
    return "Error: exception of unknown type";
  }
}

std::string_view uvErrorName(int uvErr) noexcept {
  // uv_err_name() leaks a heap string for unknown codes; uv_err_name_r() does not.
  thread_local char buf[64];
  uv_err_name_r(uvErr, buf, sizeof buf);
  return buf;
}

}  // namespace nx
