// SPDX-License-Identifier: MIT
#include "nodexx/core/warning.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace nx::process {

void emitWarning(std::string_view message, std::string_view type) {
  std::string line = "(nodexx:" + std::to_string(::getpid()) + ") ";
  line.append(type).append(": ").append(message).push_back('\n');
  // One write so that concurrent warnings do not interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace nx::process
