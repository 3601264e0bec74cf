// SPDX-License-Identifier: MIT
#pragma once

// In-process requests for tests: `testing::inject(app, {...})` runs a request through a
// web::App with no socket (Fastify's inject). The implementation is the web layer's in-memory
// transport, declared in nodexx/web/inject.hpp; this header gives it its public name.
#include "nodexx/web/inject.hpp"

namespace nx::testing {

/// See web::InjectOptions: method, url, headers, body, remoteAddress, encrypted, maxBodyBytes.
using web::InjectOptions;
/// See web::InjectResponse: status, headers, body, header(name), json().
using web::InjectResponse;
/// See web::inject: runs one request through `app` in memory; resolves with the response.
using web::inject;

}  // namespace nx::testing
