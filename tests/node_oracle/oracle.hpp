// SPDX-License-Identifier: MIT
// The registry of C++ twins: each twins/<name>.cpp defines NX_ORACLE_SCENARIO(<name>) { ... },
// whose body sets up work and returns nx::run() (the process exit code), as a Node script
// would. main.cpp runs the scenario named by argv[1] in a fresh process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
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

/// A JS boolean as console.log prints it.
inline const char* boolText(bool b) { return b ? "true" : "false"; }

/// The bytes of the file at `path` (empty when it cannot be read).
inline std::string readText(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Writes `size` bytes of the fs scenarios' pattern (byte i is (i * 7 + i / 251) & 0xff) to
/// `path`, as the JS twins do before they stream the file.
inline void writePattern(const char* path, std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A step of chain(): does its work, then calls `next` (at most once) to start the next step.
using Step = std::function<void(std::function<void()>)>;

namespace detail {
inline void runStep(const std::shared_ptr<const std::vector<Step>>& steps, std::size_t i) {
  if (i == steps->size()) return;
  (*steps)[i]([steps, i] { runStep(steps, i + 1); });
}
}  // namespace detail

/// Runs `steps` one after the other, each started by the previous one's `next`. The steps stay
/// alive while a `next` that can still be called does.
inline void chain(std::vector<Step> steps) {
  detail::runStep(std::make_shared<const std::vector<Step>>(std::move(steps)), 0);
}

}  // namespace nx::oracle

/// Defines the scenario `name` (the twin's file name without .cpp, and the .js file's name).
#define NX_ORACLE_SCENARIO(name)                                                                  \
  static int nxOracleScenario_##name();                                                           \
  static const ::nx::oracle::Registrar nxOracleRegistrar_##name{#name, &nxOracleScenario_##name}; \
  static int nxOracleScenario_##name()
