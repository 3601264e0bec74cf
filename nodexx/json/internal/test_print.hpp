// SPDX-License-Identifier: MIT
// GoogleTest printing of Values (as their JSON text), for the module's tests only.
#pragma once

#include <ostream>

#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"

namespace nx::json {

inline void PrintTo(const Value& v, std::ostream* os) { *os << stringify(v); }

}  // namespace nx::json
