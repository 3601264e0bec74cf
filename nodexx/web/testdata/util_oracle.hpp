// SPDX-License-Identifier: MIT
#pragma once

// Test support for the header utilities (accepts, cookie, qs, ...): runs a table of cases
// through a script in this folder with `node`, against the npm packages Express uses
// (bench/node_modules), and hands back one JSON value per case. Included by the *_test.cpp
// files only.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"

namespace nx::web::testutil {

/// The repository root: NX_SOURCE_DIR, or derived from this file's path.
inline std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("NX_SOURCE_DIR"); dir && *dir) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

/// Why the oracle cannot run (node missing, packages missing), or nullopt when it can.
inline std::optional<std::string> oracleUnavailable() {
  if (std::system("node --version > /dev/null 2>&1") != 0) {
    return "node is not on PATH; the npm oracle needs Node.js";
  }
  if (!std::filesystem::is_directory(sourceDir() / "bench" / "node_modules")) {
    return "bench/node_modules is missing (run `npm ci --prefix bench`)";
  }
  return std::nullopt;
}

/// JSON text of `v` exactly as JSON.stringify writes it (U+2028/2029 raw).
inline std::string jsJson(const json::Value& v) {
  json::StringifyOptions o;
  o.escapeLineSeparators = false;
  return json::stringify(v, o);
}

/// Runs nodexx/web/testdata/<script> on `cases` (a JSON array) and returns the lines it
/// printed, one per case.
inline std::vector<std::string> runOracle(std::string_view script, const json::Value& cases) {
  const auto file =
      std::filesystem::temp_directory_path() /
      ("nx_util_oracle_" + std::to_string(::getpid()) + "_" + std::string(script) + ".json");
  std::ofstream(file) << jsJson(cases);
  const auto root = sourceDir();
  const std::string command =
      "NODE_PATH='" + (root / "bench" / "node_modules").string() + "' node '" +
      (root / "nodexx" / "web" / "testdata" / std::string(script)).string() + "' '" +
      file.string() + "'";
  std::vector<std::string> lines;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe != nullptr) {
    std::string line;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, pipe) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        lines.push_back(std::move(line));
        line.clear();
      }
    }
    pclose(pipe);
  }
  std::filesystem::remove(file);
  return lines;
}

/// `v` with object members reordered as a JavaScript object enumerates them (canonical array
/// index keys first, ascending; then the others in insertion order), recursively.
inline json::Value jsOrdered(const json::Value& v) {
  auto indexOf = [](std::string_view k) -> std::optional<std::uint64_t> {
    if (k.empty() || k.size() > 10 || (k.size() > 1 && k[0] == '0')) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : k) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n >= 4294967295u) return std::nullopt;
    return n;
  };
  if (v.isArray()) {
    json::Array a;
    for (const auto& e : v.asArray()) a.push_back(jsOrdered(e));
    return json::Value(std::move(a));
  }
  if (!v.isObject()) return v;
  std::vector<std::pair<std::uint64_t, const json::Object::Member*>> idx;
  std::vector<const json::Object::Member*> rest;
  for (const auto& m : v.asObject()) {
    if (auto n = indexOf(m.first)) {
      idx.emplace_back(*n, &m);
    } else {
      rest.push_back(&m);
    }
  }
  std::stable_sort(idx.begin(), idx.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  json::Object out;
  for (const auto& [n, m] : idx) out.append(m->first, jsOrdered(m->second));
  for (const auto* m : rest) out.append(m->first, jsOrdered(m->second));
  return json::Value(std::move(out));
}

/// Compares `mine[i]` (already JSON text) with node's line i; returns the number of
/// mismatches and reports each through `report(i, node, mine)`.
template <typename Report>
std::size_t compareLines(const std::vector<std::string>& node, const std::vector<std::string>& mine,
                         Report&& report) {
  std::size_t failures = 0;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const std::string& expected = i < node.size() ? node[i] : std::string("<missing>");
    if (expected != mine[i]) {
      ++failures;
      report(i, expected, mine[i]);
    }
  }
  return failures;
}

}  // namespace nx::web::testutil
