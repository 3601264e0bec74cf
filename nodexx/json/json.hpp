// SPDX-License-Identifier: MIT
// The json module: Value, parse, stringify, Writer and struct mapping (NX_JSON).
#pragma once

#include "nodexx/json/errors.hpp"
#include "nodexx/json/mapping.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"
#include "nodexx/json/writer.hpp"
