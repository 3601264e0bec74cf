// SPDX-License-Identifier: MIT
// Test support for the fs tests: the properties Node's fs errors expose, read from one of ours
// to compare field by field with what node prints; open descriptors; test file contents.
#pragma once

#include <dirent.h>

#include <cstddef>
#include <exception>
#include <ostream>
#include <string>

#include "nodexx/core/errors.hpp"

namespace nx::testing {

/// The properties Node's errors expose (err.name, err.code, err.syscall, err.message, err.path).
struct ErrorFields {
  std::string name, code, syscall, message, path;
  friend std::ostream& operator<<(std::ostream& os, const ErrorFields& f) {
    return os << "{" << f.name << " | " << f.code << " | " << f.syscall << " | " << f.message
              << " | " << f.path << "}";
  }
};

/// The fields of the error `e` holds; name "(fulfilled)" and nothing else for no error.
inline ErrorFields fieldsOf(const std::exception_ptr& e) {
  if (!e) return {"(fulfilled)", "", "", "", ""};
  try {
    std::rethrow_exception(e);
  } catch (const UvError& u) {
    return {std::string(u.name()), std::string(u.code()), std::string(u.syscall()), u.what(),
            std::string(u.path())};
  } catch (const SystemError& s) {
    return {std::string(s.name()), std::string(s.code()), "", s.what(), ""};
  } catch (const std::exception& x) {
    return {"std::exception", "", "", x.what(), ""};
  }
}

/// Descriptors open in this process (entries of /proc/self/fd, minus the one listing it).
inline int openFdCount() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(d);
    --n;
  }
  return n;
}

/// `size` bytes of a fixed pattern that does not repeat every 256 bytes, from offset `seed`.
inline std::string pattern(std::size_t size, std::size_t seed = 0) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    s[i] = static_cast<char>(((i + seed) * 7 + (i + seed) / 251) & 0xff);
  }
  return s;
}

}  // namespace nx::testing
