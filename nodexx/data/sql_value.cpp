// SPDX-License-Identifier: MIT
#include "nodexx/data/sql_value.hpp"

#include "nodexx/core/errors.hpp"

namespace nx::data {

namespace {

[[noreturn]] void wrongType(const char* wanted) {
  throw SystemError("ERR_INVALID_ARG_TYPE", std::string("The SQL value is not ") + wanted);
}

}  // namespace

void SqlValue::throwOutOfRange() {
  throw RangeError("ERR_OUT_OF_RANGE",
                   "The value is out of range: SQLite integers are signed 64-bit");
}

std::int64_t SqlValue::asInt64() const {
  if (auto* p = std::get_if<std::int64_t>(&v_)) return *p;
  wrongType("an INTEGER");
}

double SqlValue::asDouble() const {
  if (auto* p = std::get_if<double>(&v_)) return *p;
  wrongType("a REAL");
}

const std::string& SqlValue::asText() const {
  if (auto* p = std::get_if<std::string>(&v_)) return *p;
  wrongType("TEXT");
}

const Blob& SqlValue::asBlob() const {
  if (auto* p = std::get_if<Blob>(&v_)) return *p;
  wrongType("a BLOB");
}

}  // namespace nx::data
