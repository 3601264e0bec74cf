// SPDX-License-Identifier: MIT
#include "nodexx/json/writer.hpp"

#include <algorithm>
#include <charconv>

#include "nodexx/json/internal/text.hpp"

namespace nx::json {

Writer::Writer(std::string& out, const StringifyOptions& options) noexcept
    : out_(out),
      indent_(std::clamp(options.indent, 0, 10)),
      escapeLineSeparators_(options.escapeLineSeparators) {}

void Writer::newline() {
  out_.push_back('\n');
  out_.append(static_cast<std::size_t>(depth_ * indent_), ' ');
}

void Writer::beforeValue() {
  if (afterKey_) {
    afterKey_ = false;
    return;
  }
  if (needComma_) out_.push_back(',');
  if (indent_ != 0 && depth_ > 0) newline();
}

void Writer::beginObject() {
  beforeValue();
  out_.push_back('{');
  ++depth_;
  needComma_ = false;
}

void Writer::endObject() {
  --depth_;
  // needComma_ is false only when nothing was written since beginObject: `{}` stays compact,
  // as JSON.stringify writes it.
  if (needComma_ && indent_ != 0) newline();
  out_.push_back('}');
  needComma_ = true;
}

void Writer::beginArray() {
  beforeValue();
  out_.push_back('[');
  ++depth_;
  needComma_ = false;
}

void Writer::endArray() {
  --depth_;
  if (needComma_ && indent_ != 0) newline();
  out_.push_back(']');
  needComma_ = true;
}

void Writer::key(std::string_view name) {
  if (needComma_) out_.push_back(',');
  if (indent_ != 0) newline();
  detail::appendString(out_, name, escapeLineSeparators_);
  out_.push_back(':');
  if (indent_ != 0) out_.push_back(' ');
  afterKey_ = true;
  needComma_ = false;
}

void Writer::null() {
  beforeValue();
  out_.append("null");
  needComma_ = true;
}

void Writer::value(bool b) {
  beforeValue();
  out_.append(b ? "true" : "false");
  needComma_ = true;
}

void Writer::value(std::int64_t i) {
  beforeValue();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  out_.append(buf, r.ptr);
  needComma_ = true;
}

void Writer::value(std::uint64_t u) {
  beforeValue();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, u);
  out_.append(buf, r.ptr);
  needComma_ = true;
}

void Writer::value(double d) {
  beforeValue();
  detail::appendDouble(out_, d);
  needComma_ = true;
}

void Writer::value(std::string_view s) {
  beforeValue();
  detail::appendString(out_, s, escapeLineSeparators_);
  needComma_ = true;
}

void Writer::rawValue(std::string_view json) {
  beforeValue();
  out_.append(json);
  needComma_ = true;
}

void Writer::value(const Value& v) {
  switch (v.type()) {
    case Type::Null:
      null();
      return;
    case Type::Bool:
      value(v.asBool());
      return;
    case Type::Number:
      if (v.isInt64()) {
        value(v.asInt64());
      } else if (v.isUint64()) {
        value(v.asUint64());
      } else {
        value(v.asDouble());
      }
      return;
    case Type::String:
      value(v.asString());
      return;
    case Type::Array:
      beginArray();
      for (const Value& e : v.asArray()) value(e);
      endArray();
      return;
    case Type::Object:
      beginObject();
      for (const auto& [k, e] : v.asObject()) {
        key(k);
        value(e);
      }
      endObject();
      return;
  }
}

namespace {

// A lower bound of the compact output size, so that the string is allocated once instead of
// growing through every power of two (a measured 2x for megabyte documents, where each step
// copies and faults in fresh pages). Strings count unescaped, other scalars 4 bytes.
std::size_t sizeHint(const Value& v) noexcept {
  switch (v.type()) {
    case Type::String:
      return v.asString().size() + 2;
    case Type::Array: {
      std::size_t n = 2;
      for (const Value& e : v.asArray()) n += sizeHint(e) + 1;
      return n;
    }
    case Type::Object: {
      std::size_t n = 2;
      for (const auto& [k, e] : v.asObject()) n += k.size() + 4 + sizeHint(e);
      return n;
    }
    default:
      return 4;
  }
}

}  // namespace

std::string stringify(const Value& value, const StringifyOptions& options) {
  std::string out;
  if (value.isArray() || value.isObject()) out.reserve(sizeHint(value) + sizeHint(value) / 8);
  Writer w(out, options);
  w.value(value);
  return out;
}

}  // namespace nx::json
