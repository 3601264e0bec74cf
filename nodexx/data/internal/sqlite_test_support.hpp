// SPDX-License-Identifier: MIT
// Shared by the sqlite_*_test.cpp files: a fixture with a fresh loop and a temporary folder.
#pragma once

#include <stdlib.h>

#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/fresh_loop.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"

// ASSERT_* returns from the function, which a coroutine cannot do.
#define NX_CO_ASSERT(cond)                         \
  do {                                             \
    if (!(cond)) {                                 \
      ADD_FAILURE() << "assertion failed: " #cond; \
      co_return;                                   \
    }                                              \
  } while (0)

namespace nx::data::sqlite::test {

/// "code|message" of the error `p` rejects with, "(fulfilled)" if it fulfills.
template <class T>
Promise<std::string> codeOf(Promise<T> p) {
  try {
    co_await std::move(p);
  } catch (const SystemError& e) {
    co_return std::string(e.code()) + "|" + e.what();
  } catch (const std::exception& e) {
    co_return std::string("std::exception|") + e.what();
  }
  co_return "(fulfilled)";
}

/// A fresh loop per test and an empty temporary folder, removed afterwards.
class Fixture : public nx::testing::FreshLoop {
 protected:
  Fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nx-sqlite-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~Fixture() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string at(const std::string& name) const { return dir_ + "/" + name; }

  /// Runs the coroutine `body` returns until the loop is empty and expects it fulfilled.
  template <class F>
  void runAsync(F body) {
    Promise<> p = body();
    nx::run();
    ASSERT_TRUE(p.isFulfilled()) << (p.isRejected() ? describe(p.state()->error)
                                                    : std::string("still pending"));
  }

  std::string dir_;
};

}  // namespace nx::data::sqlite::test
