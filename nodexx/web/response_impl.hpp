// SPDX-License-Identifier: MIT
// Template bodies of web::Response (included at the bottom of response.hpp).
#pragma once

#include <string>

#include "nodexx/json/mapping.hpp"
#include "nodexx/json/writer.hpp"

namespace nx::web {

template <class T>
requires(!std::is_convertible_v<const T&, const json::Value&>) void Response::json(const T& value) {
  // The struct is written straight through the Writer into the reused per-request buffer: no
  // intermediate json::Value.
  std::string& out = scratch();
  out.clear();
  json::Writer writer(out, jsonOptions());
  json::write(writer, value);
  sendJsonText(out);
}

}  // namespace nx::web
