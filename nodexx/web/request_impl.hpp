// SPDX-License-Identifier: MIT
// Template bodies of web::Request (included at the bottom of request.hpp).
#pragma once

#include "nodexx/json/errors.hpp"
#include "nodexx/json/mapping.hpp"

namespace nx::web {

template <class T>
T Request::bodyAs() const {
  try {
    return json::to<T>(body());
  } catch (const json::MappingError& e) {
    throwMapping(e);
  } catch (const json::TypeError& e) {
    throwMapping(e);
  }
}

}  // namespace nx::web
