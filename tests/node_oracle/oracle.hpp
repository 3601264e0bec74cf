// SPDX-License-Identifier: MIT
// The registry of C++ twins: each twins/<name>.cpp defines NX_ORACLE_SCENARIO(<name>) { ... },
// whose body sets up work and returns nx::run() (the process exit code), as a Node script
// would. main.cpp runs the scenario named by argv[1] in a fresh process.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/timers.hpp"

namespace nx::oracle {

using ScenarioFn = int (*)();

inline std::map<std::string, ScenarioFn, std::less<>>& registry() {
  static std::map<std::string, ScenarioFn, std::less<>> scenarios;
  return scenarios;
}

struct Registrar {
  Registrar(const char* name, ScenarioFn fn) { registry().emplace(name, fn); }
};

/// Prints one line to stdout, like console.log(s).
inline void log(std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

/// Spins for `ms` milliseconds of wall time without yielding to the loop (the JS twins spin on
/// process.hrtime the same way).
inline void busyWait(int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
  }
}

/// Runs each step in its own timer turn, one after the other, each from a 1 ms timer started by
/// the previous step: the order does not depend on scheduling delays. The JS twins define the
/// same `steps(...fns)`.
template <class... F>
void steps(F... fns) {
  struct State {
    std::vector<MoveFunction<void()>> fns;
    std::size_t next = 0;
    static void run(const std::shared_ptr<State>& s) {
      s->fns[s->next++]();
      if (s->next < s->fns.size()) setTimeout([s] { run(s); }, 1);
    }
  };
  auto state = std::make_shared<State>();
  (state->fns.emplace_back(std::move(fns)), ...);
  setTimeout([state] { State::run(state); }, 1);
}

/// The message of an exception (JS `err.message`).
inline std::string messageOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "(unknown exception)";
  }
}

/// The class name of an exception (JS `err.name`): SystemError::name(), else "Error".
inline std::string nameOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.name());
  } catch (...) {
    return "Error";
  }
}

/// The Node-style code of an exception (JS `err.code`), or "undefined".
inline std::string codeOf(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const SystemError& x) {
    return std::string(x.code());
  } catch (...) {
    return "undefined";
  }
}

}  // namespace nx::oracle

/// Defines the scenario `name` (the twin's file name without .cpp, and the .js file's name).
#define NX_ORACLE_SCENARIO(name)                                                     \
  static int nxOracleScenario_##name();                                              \
  static const ::nx::oracle::Registrar nxOracleRegistrar_##name{#name,               \
                                                                 &nxOracleScenario_##name}; \
  static int nxOracleScenario_##name()
