// SPDX-License-Identifier: MIT
// Test support for the files tests (sendFile, serveStatic, range, fresh, etag): a folder per
// test, and a JS table run through node with the npm packages of bench/node_modules.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/internal/node_runner.hpp"

namespace nx::web::testing {

using nx::testing::jsonBytes;

/// Writes `content` to `p` (binary), creating the folders above it.
inline void writeFile(const std::filesystem::path& p, std::string_view content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

/// An empty folder for the running test: <temp>/<prefix>_<pid>_<test name>.
inline std::filesystem::path freshTestDir(std::string_view prefix) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (std::string(prefix) + "_" + std::to_string(::getpid()) + "_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

/// The open descriptors of this process that point at `file`.
inline int openDescriptorsOf(const std::filesystem::path& file) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(e.path(), ec) == file && !ec) ++n;
  }
  return n;
}

/// Empty when node and the npm packages are available; else the reason to skip.
inline std::string oracleUnavailable() {
  if (!nx::testing::hasNode()) return "node is not on PATH";
  if (!std::filesystem::exists(nx::testing::npmModules() / "send")) {
    return "bench/node_modules is missing (npm ci --prefix bench)";
  }
  return {};
}

/// Runs `script` (relative to the repository) in UTC (dates) with `args` and then a file of
/// `input`, one line per case; returns node's output lines.
inline std::vector<std::string> runOracle(const std::string& script,
                                          const std::vector<std::string>& input,
                                          std::vector<std::string> args = {}) {
  std::string text;
  for (const auto& line : input) text += line + '\n';
  const nx::testing::TempFile file("nx_files_oracle", text);
  args.push_back(file.path());
  return nx::testing::runNode({.script = script, .args = std::move(args), .env = "TZ=UTC"}).lines();
}

}  // namespace nx::web::testing
