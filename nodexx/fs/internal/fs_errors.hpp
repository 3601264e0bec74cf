// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/errors.hpp"

// The errors and argument rules of Node's fs layer, shared by the fs calls (fs.cpp) and the
// file streams (file_stream_io.cpp).
namespace nx::fs::detail {

/// A UvError whose message is built as Node's C++ layer builds it: the path is quoted even
/// when empty ("open ''"), and a destination follows as " -> 'dest'" (rename).
class FsError final : public UvError {
 public:
  FsError(int uvErr, const char* syscall, const std::string* path = nullptr,
          const std::string* dest = nullptr);
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

/// Node's ERR_INVALID_ARG_VALUE is a TypeError; core has no TypeError class yet.
class TypeError final : public SystemError {
 public:
  using SystemError::SystemError;
  std::string_view name() const noexcept override { return "TypeError"; }
};

/// util.inspect() of a string, as Node's argument errors print it: quotes chosen to avoid
/// escaping, control characters as \xNN, cut after 128 UTF-16 units with "...".
std::string inspect(std::string_view s);

/// Node's stringToFlags(); nullopt for a string Node rejects.
std::optional<int> parseFlags(std::string_view flags);

}  // namespace nx::fs::detail
