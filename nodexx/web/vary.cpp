// SPDX-License-Identifier: MIT
#include "nodexx/web/vary.hpp"

#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/internal/util_text.hpp"

namespace nx::web {
namespace {

// The package's list split: commas separate, spaces before a name are skipped, spaces after
// it are dropped; empty entries are kept (so "a,,b" has an empty name, which is invalid).
template <typename Fn>
void forEachField(std::string_view header, Fn&& fn) {
  std::size_t start = 0, end = 0;
  for (std::size_t i = 0; i < header.size(); ++i) {
    switch (header[i]) {
      case ' ':
        if (start == end) start = end = i + 1;
        break;
      case ',':
        fn(header.substr(start, end - start));
        start = end = i + 1;
        break;
      default:
        end = i + 1;
        break;
    }
  }
  fn(header.substr(start, end - start));
}

}  // namespace

std::string varyAppend(std::string_view header, std::string_view field) {
  if (field.empty()) throw SystemError("ERR_INVALID_ARG_VALUE", "field argument is required");
  std::vector<std::string_view> fields;
  forEachField(field, [&](std::string_view f) { fields.push_back(f); });
  for (std::string_view f : fields) {
    if (!detail::isTokenString(f)) {
      throw SystemError("ERR_INVALID_ARG_VALUE", "field argument contains an invalid header name");
    }
  }
  if (header == "*") return std::string(header);

  std::vector<std::string_view> present;
  bool star = false;
  forEachField(header, [&](std::string_view f) {
    if (f == "*") star = true;
    present.push_back(f);
  });
  for (std::string_view f : fields) {
    if (f == "*") star = true;
  }
  if (star) return "*";

  std::string val(header);
  for (std::string_view f : fields) {
    bool seen = false;
    for (std::string_view p : present) {
      if (detail::equalsIgnoreCase(p, f)) {
        seen = true;
        break;
      }
    }
    if (seen) continue;
    present.push_back(f);
    if (!val.empty()) val.append(", ");
    val.append(f);
  }
  return val;
}

}  // namespace nx::web
