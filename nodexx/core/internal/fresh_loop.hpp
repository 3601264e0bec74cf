// SPDX-License-Identifier: MIT
// Test support: each test gets its own loop as the thread's current loop, and a clean exit code.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"

namespace nx::testing {

class FreshLoop : public ::testing::Test {
 protected:
  FreshLoop() { process::exitCode = 0; }
  ~FreshLoop() override { process::exitCode = 0; }

  /// Records what happened, in order.
  void mark(std::string what) { log.push_back(std::move(what)); }

  Loop loop;
  LoopScope scope{loop};
  std::vector<std::string> log;
};

}  // namespace nx::testing
