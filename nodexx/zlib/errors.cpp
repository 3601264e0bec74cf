// SPDX-License-Identifier: MIT
#include "nodexx/zlib/errors.hpp"

namespace nx::zlib {

ZlibError::ZlibError(std::string code, const std::string& message, int errnum)
    : SystemError(std::move(code), message), errnum_(errnum) {}

}  // namespace nx::zlib
