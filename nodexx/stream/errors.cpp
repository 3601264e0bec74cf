// SPDX-License-Identifier: MIT
#include "nodexx/stream/errors.hpp"

#include <string>

namespace nx::stream::errors {

SystemError prematureClose() {
  return SystemError(std::string(kPrematureClose), "Premature close");
}

SystemError writeAfterEnd() { return SystemError(std::string(kWriteAfterEnd), "write after end"); }

SystemError pushAfterEof() {
  return SystemError(std::string(kPushAfterEof), "stream.push() after EOF");
}

SystemError destroyed(std::string_view method) {
  return SystemError(std::string(kDestroyed),
                     "Cannot call " + std::string(method) + " after a stream was destroyed");
}

SystemError multipleCallback() {
  return SystemError(std::string(kMultipleCallback), "Callback called multiple times");
}

SystemError alreadyFinished(std::string_view method) {
  return SystemError(std::string(kAlreadyFinished),
                     "Cannot call " + std::string(method) + " after a stream was finished");
}

SystemError cannotPipe() {
  return SystemError(std::string(kCannotPipe), "Cannot pipe, not readable");
}

SystemError methodNotImplemented(std::string_view method) {
  return SystemError(std::string(kMethodNotImplemented),
                     "The " + std::string(method) + " method is not implemented");
}

SystemError nullValues() {
  return SystemError(std::string(kNullValues), "May not write null values to stream");
}

SystemError unshiftAfterEnd() {
  return SystemError(std::string(kUnshiftAfterEnd), "stream.unshift() after end event");
}

AbortError abortError() { return AbortError(); }

SystemError lineTooLong(std::size_t maxLineLength) {
  return SystemError(std::string(kLineTooLong), "Line exceeds the maximum length of " +
                                                    std::to_string(maxLineLength) + " bytes");
}

}  // namespace nx::stream::errors
