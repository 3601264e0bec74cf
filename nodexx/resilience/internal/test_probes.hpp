// SPDX-License-Identifier: MIT
// Test support for the resilience tests: tasks held until the test releases them, and how a
// promise settled. Tests only.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::resilience::testing {

/// Tasks that run until the test opens their gate, recording what ran and how many at once.
struct Probe {
  int active = 0;
  int maxActive = 0;
  std::vector<int> started;
  std::map<int, Promise<>::Resolvers> gates;

  /// A task that records its start, waits for open(id) and resolves with `id`.
  auto task(int id) {
    return [this, id]() -> Promise<int> {
      ++active;
      maxActive = std::max(maxActive, active);
      started.push_back(id);
      auto gate = Promise<>::withResolvers();
      gates.emplace(id, gate);
      co_await gate.promise;
      --active;
      co_return id;
    };
  }
  /// Lets the started task `id` finish.
  void open(int id) {
    auto it = gates.find(id);
    ASSERT_NE(it, gates.end()) << "task " << id << " has not started";
    it->second.resolve();
    gates.erase(it);
  }
};

/// The SystemError code `e` holds, or its what() for another exception.
inline std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& s) {
    return std::string(s.code());
  } catch (const std::exception& s) {
    return s.what();
  }
}

/// How a promise settled.
struct Outcome {
  bool settled = false;
  std::optional<int> value;
  std::string error;  // the SystemError code, or what()
};

/// Records in `o` how `p` settles; `o` must outlive the promise's settlement.
inline void watch(Promise<int> p, Outcome& o) {
  (void)p.then(
      [&o](int v) {
        o.settled = true;
        o.value = v;
      },
      [&o](std::exception_ptr e) {
        o.settled = true;
        o.error = codeOf(e);
      });
}

}  // namespace nx::resilience::testing
