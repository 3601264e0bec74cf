// SPDX-License-Identifier: MIT
// Test support for the web module's tests: a fresh loop per test and a synchronous inject().
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include <gtest/gtest.h>

#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/web/app.hpp"
#include "nodexx/web/inject.hpp"

namespace nx::web::testsupport {

class WebTest : public nx::testing::FreshLoop {
 protected:
  /// Runs one injected request to completion (the loop runs until idle).
  nx::web::InjectResponse call(App& app, nx::web::InjectOptions options = {}) {
    std::optional<nx::web::InjectResponse> out;
    std::exception_ptr error;
    (void)nx::web::inject(app, options)
        .then([&](nx::web::InjectResponse& r) { out = std::move(r); },
              [&](std::exception_ptr e) { error = std::move(e); });
    loop.run();
    if (error) std::rethrow_exception(error);
    EXPECT_TRUE(out.has_value()) << "the response never ended";
    return out ? std::move(*out) : nx::web::InjectResponse{};
  }
};

}  // namespace nx::web::testsupport
