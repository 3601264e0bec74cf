// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"

namespace nx::json {

/// A streaming JSON writer appending to a std::string: what res.json() and the mapping layer
/// write through, with no intermediate Value.
///
/// Calls must form one well-formed value: inside an object, key() then exactly one value (or
/// begin*/end* pair) per member; the writer inserts commas, colons and indentation itself.
/// Misuse (a value without a key in an object, unbalanced end*) is not detected and yields
/// malformed output. Formatting and escaping are exactly stringify()'s. The target string must
/// outlive the writer; the writer only appends (reserve() ahead to avoid regrowth).
///
/// ```
/// std::string out;
/// json::Writer w(out);
/// w.beginObject(); w.key("id"); w.value(7); w.key("tags"); w.beginArray(); w.value("a");
/// w.endArray(); w.endObject();  // out == R"({"id":7,"tags":["a"]})"
/// ```
class Writer {
 public:
  /// Appends to `out` (its current contents are kept).
  explicit Writer(std::string& out, const StringifyOptions& options = {}) noexcept;

  void beginObject();
  void endObject();
  void beginArray();
  void endArray();
  /// The next member's name (escaped as a string).
  void key(std::string_view name);

  /// null.
  void null();
  /// null.
  void value(std::nullptr_t) { null(); }
  void value(bool b);
  void value(std::int64_t i);
  void value(std::uint64_t u);
  /// Any other integer type, exactly.
  template <JsonInteger I>
  void value(I i) {
    if constexpr (std::is_signed_v<I>) {
      value(static_cast<std::int64_t>(i));
    } else {
      value(static_cast<std::uint64_t>(i));
    }
  }
  /// As JavaScript prints numbers; NaN and infinities as null.
  void value(double d);
  void value(float f) { value(static_cast<double>(f)); }
  /// A string (escaped; invalid UTF-8 becomes U+FFFD).
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  /// A whole Value (recursively).
  void value(const Value& v);
  /// Pre-serialised JSON inserted verbatim as one value (not validated; indentation of its
  /// inside is not adjusted).
  void rawValue(std::string_view json);

  /// The string written to.
  std::string& output() noexcept { return out_; }

 private:
  void beforeValue();
  void newline();

  std::string& out_;
  int indent_;
  bool escapeLineSeparators_;
  bool needComma_ = false;
  bool afterKey_ = false;
  int depth_ = 0;
};

}  // namespace nx::json
