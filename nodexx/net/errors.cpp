// SPDX-License-Identifier: MIT
#include "nodexx/net/errors.hpp"

#include <uv.h>

namespace nx::net {

NetError::NetError(int uvErr, std::string syscall, std::string address, int port,
                   bool withDescription)
    : UvError(uvErr, syscall), address_(std::move(address)), port_(port) {
  // Appended piece by piece: g++ 12 -O2 reports a false -Wrestrict on chains of
  // std::string operator+ with short literals.
  message_ = syscall;
  message_ += ' ';
  message_ += uvErrorName(uvErr);
  if (withDescription) {
    // uv_strerror() leaks a heap string for unknown codes; uv_strerror_r() does not.
    char text[128];
    uv_strerror_r(uvErr, text, sizeof text);
    message_ += ": ";
    message_ += text;
  }
  if (!address_.empty()) {
    message_ += ' ';
    message_ += address_;
    if (port_ >= 0) {
      message_ += ':';
      message_ += std::to_string(port_);
    }
  }
}

namespace {
std::string lookupCode(int uvErr) {
  if (uvErr == UV_EAI_NONAME || uvErr == UV_EAI_NODATA) return "ENOTFOUND";
  return std::string(uvErrorName(uvErr));
}
}  // namespace

LookupError::LookupError(int uvErr, std::string hostname)
    : SystemError(lookupCode(uvErr), "getaddrinfo " + lookupCode(uvErr) + " " + hostname,
                  std::error_code(-uvErr, std::generic_category())),
      errnum_(uvErr),
      hostname_(std::move(hostname)) {}

SystemError socketClosedError() {
  return SystemError(std::string(codes::kSocketClosed), "Socket is closed");
}

SystemError serverNotRunningError() {
  return SystemError(std::string(codes::kServerNotRunning), "Server is not running.");
}

SystemError serverAlreadyListenError() {
  return SystemError(std::string(codes::kServerAlreadyListen),
                     "Listen method has been called more than once without closing.");
}

RangeError badPortError(long long port) {
  return RangeError(std::string(codes::kSocketBadPort),
                    "Port should be >= 0 and < 65536. Received " + std::to_string(port) + ".");
}

}  // namespace nx::net
