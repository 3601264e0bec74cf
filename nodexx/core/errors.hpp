// SPDX-License-Identifier: MIT
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace nx {

/// The one exception type of the library: a std::system_error with a Node-style string code
/// ("ENOENT", "ERR_INVALID_ARG_VALUE", "ABORT_ERR"). what() is the Node-formatted message,
/// e.g. "ENOENT: no such file or directory, open 'x'".
class SystemError : public std::system_error {
 public:
  /// `code` is the stable string code; `ec` the OS/libuv error when there is one.
  SystemError(std::string code, const std::string& message, std::error_code ec = {});

  /// The Node-style code, compare with a string literal: `e.code() == "ENOENT"`. Hides
  /// std::system_error::code(); the std::error_code is errorCode().
  std::string_view code() const noexcept { return code_; }
  const std::error_code& errorCode() const noexcept { return std::system_error::code(); }
  /// The Node-style class name ("Error", "AbortError", "RangeError", ...).
  virtual std::string_view name() const noexcept { return "Error"; }
  /// The message alone (std::system_error would append the error_code's text).
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string code_;
  std::string message_;
};

/// A libuv or errno failure. code() is the errno name ("ECONNREFUSED"); syscall() and path()
/// say what failed, as Node's error properties do.
class UvError : public SystemError {
 public:
  /// `uvErr` is a negative libuv error (-errno on Unix).
  UvError(int uvErr, std::string syscall, std::string path = {});
  int errnum() const noexcept { return errnum_; }
  std::string_view syscall() const noexcept { return syscall_; }
  std::string_view path() const noexcept { return path_; }

 private:
  int errnum_;
  std::string syscall_;
  std::string path_;
};

/// Thrown where an operation was cancelled through an AbortSignal: code "ABORT_ERR", message
/// "The operation was aborted" (Node's AbortError).
class AbortError : public SystemError {
 public:
  explicit AbortError(const std::string& message = "The operation was aborted");
  std::string_view name() const noexcept override { return "AbortError"; }
};

/// The reason of AbortSignal::timeout(): name "TimeoutError", code "ABORT_ERR" (the DOMException
/// Node uses), message "The operation was aborted due to timeout".
class TimeoutError : public SystemError {
 public:
  explicit TimeoutError(const std::string& message = "The operation was aborted due to timeout");
  std::string_view name() const noexcept override { return "TimeoutError"; }
};

/// Rejection of Promise::any when every input rejected; errors() holds them in input order.
class AggregateError : public SystemError {
 public:
  explicit AggregateError(std::vector<std::exception_ptr> errors,
                          const std::string& message = "All promises were rejected");
  std::string_view name() const noexcept override { return "AggregateError"; }
  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }

 private:
  std::vector<std::exception_ptr> errors_;
};

/// Argument errors, as Node's ERR_INVALID_ARG_VALUE / ERR_OUT_OF_RANGE ("RangeError").
class RangeError : public SystemError {
 public:
  using SystemError::SystemError;
  std::string_view name() const noexcept override { return "RangeError"; }
};

/// "Name: message" for any exception, the way Node prints an uncaught error's first line.
std::string describe(const std::exception_ptr& e);

/// The libuv name of a negative error code ("ENOENT"); "UNKNOWN" if libuv has none.
std::string_view uvErrorName(int uvErr) noexcept;

}  // namespace nx
