// SPDX-License-Identifier: MIT
#include "nodexx/fs/internal/fs_errors.hpp"

#include <fcntl.h>
#include <uv.h>

namespace nx::fs::detail {

FsError::FsError(int uvErr, const char* syscall, const std::string* path, const std::string* dest)
    : UvError(uvErr, syscall, path ? *path : std::string()) {
  // uv_strerror() leaks a heap string for unknown codes; uv_strerror_r() does not.
  char text[128];
  uv_strerror_r(uvErr, text, sizeof text);
  message_ = std::string(uvErrorName(uvErr)) + ": " + text + ", " + syscall;
  if (path) message_ += " '" + *path + "'";
  if (dest) message_ += " -> '" + *dest + "'";
}

std::string inspect(std::string_view s) {
  char quote = '\'';
  if (s.find('\'') != std::string_view::npos) {
    if (s.find('"') == std::string_view::npos) {
      quote = '"';
    } else if (s.find('`') == std::string_view::npos && s.find("${") == std::string_view::npos) {
      quote = '`';
    }
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(1, quote);
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '\b':
        out += "\\b";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      default:
        break;
    }
    if (c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += quote;
    } else if (c < 0x20 || c == 0x7f) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      // C1 control characters (U+0080..U+009F) are escaped too.
      auto d = static_cast<unsigned char>(s[++i]);
      out += {'\\', 'x', kHex[d >> 4], kHex[d & 15]};
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  // ERR_INVALID_ARG_VALUE cuts the inspected form after 128 UTF-16 code units.
  std::size_t units = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if ((c & 0xc0) == 0x80) continue;  // a continuation byte
    units += c >= 0xf0 ? 2 : 1;
    if (units > 128) return out.substr(0, i) + "...";
  }
  return out;
}

std::optional<int> parseFlags(std::string_view f) {
  if (f == "r") return O_RDONLY;
  if (f == "rs" || f == "sr") return O_RDONLY | O_SYNC;
  if (f == "r+") return O_RDWR;
  if (f == "rs+" || f == "sr+") return O_RDWR | O_SYNC;
  if (f == "w") return O_TRUNC | O_CREAT | O_WRONLY;
  if (f == "wx" || f == "xw") return O_TRUNC | O_CREAT | O_WRONLY | O_EXCL;
  if (f == "w+") return O_TRUNC | O_CREAT | O_RDWR;
  if (f == "wx+" || f == "xw+") return O_TRUNC | O_CREAT | O_RDWR | O_EXCL;
  if (f == "a") return O_APPEND | O_CREAT | O_WRONLY;
  if (f == "ax" || f == "xa") return O_APPEND | O_CREAT | O_WRONLY | O_EXCL;
  if (f == "as" || f == "sa") return O_APPEND | O_CREAT | O_WRONLY | O_SYNC;
  if (f == "a+") return O_APPEND | O_CREAT | O_RDWR;
  if (f == "ax+" || f == "xa+") return O_APPEND | O_CREAT | O_RDWR | O_EXCL;
  if (f == "as+" || f == "sa+") return O_APPEND | O_CREAT | O_RDWR | O_SYNC;
  return std::nullopt;
}

}  // namespace nx::fs::detail
