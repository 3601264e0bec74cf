// SPDX-License-Identifier: MIT
#include "nodexx/json/errors.hpp"

#include <utility>

#include "nodexx/json/value.hpp"

namespace nx::json {

ParseError::ParseError(std::string code, const std::string& message, std::size_t offset)
    : SystemError(std::move(code), message), offset_(offset) {}

MappingError::MappingError(std::string path, std::string_view reason)
    : SystemError(std::string(errc::kMapping), path + ": " + std::string(reason)),
      path_(std::move(path)) {}

std::string_view typeName(Type t) noexcept {
  switch (t) {
    case Type::Null:
      return "null";
    case Type::Bool:
      return "boolean";
    case Type::Number:
      return "number";
    case Type::String:
      return "string";
    case Type::Array:
      return "array";
    case Type::Object:
      return "object";
  }
  return "null";
}

}  // namespace nx::json
