// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

/// The `vary` package: adding field names to a `Vary` response header. Pure functions.
namespace nx::web {

/// vary.append(header, field): the value of a `Vary` header that already reads `header` ("" if
/// absent) after adding the comma-separated field names in `field`. Names already present
/// (compared case-insensitively) are not repeated; `*` in either argument makes the result
/// `*`; names keep the spelling they were given. Throws nx::SystemError
/// ERR_INVALID_ARG_VALUE ("field argument contains an invalid header name") if a name in
/// `field` is not an RFC 9110 token.
std::string varyAppend(std::string_view header, std::string_view field);

}  // namespace nx::web
