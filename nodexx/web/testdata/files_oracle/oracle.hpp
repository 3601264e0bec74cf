// SPDX-License-Identifier: MIT
// Test support for the files tests: runs a JS table through node with the npm packages of
// bench/node_modules and returns its output lines.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace nx::web::testing {

inline std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("NX_SOURCE_DIR"); dir && *dir) return dir;
  // Outside ctest: the repository is the first folder above the working directory that holds
  // this script.
  for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "nodexx/web/testdata/files_oracle/pure.js")) return dir;
    if (dir == dir.root_path()) break;
  }
  return std::filesystem::current_path();
}

/// Empty when node and the npm packages are available; else the reason to skip.
inline std::string oracleUnavailable() {
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not on PATH";
  if (!std::filesystem::exists(sourceDir() / "bench/node_modules/send")) {
    return "bench/node_modules is missing (npm ci --prefix bench)";
  }
  return {};
}

/// A JSON string literal for `bytes`, every byte outside printable ASCII as \u00XX (node reads
/// it back as the latin-1 character, as it reads header values).
inline std::string jsonBytes(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// Runs `script` (relative to the repository) with one input line per case; returns node's
/// output lines.
inline std::vector<std::string> runOracle(const std::string& script,
                                          const std::vector<std::string>& input) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("nx_files_oracle_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream f(file, std::ios::binary);
    for (const auto& line : input) f << line << '\n';
  }
  const std::string command = "TZ=UTC NODE_PATH='" + (sourceDir() / "bench/node_modules").string() +
                              "' node '" + (sourceDir() / script).string() + "' '" + file.string() +
                              "'";
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return lines;
  std::string current;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) current.append(buf, n);
  pclose(pipe);
  std::filesystem::remove(file);
  std::size_t start = 0;
  while (start < current.size()) {
    std::size_t nl = current.find('\n', start);
    if (nl == std::string::npos) nl = current.size();
    lines.push_back(current.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace nx::web::testing
