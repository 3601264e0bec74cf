// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace nx::process {

/// Prints a process warning to stderr as Node does: "(nodexx:PID) Type: message". Any thread.
void emitWarning(std::string_view message, std::string_view type = "Warning");

}  // namespace nx::process
