// SPDX-License-Identifier: MIT
#pragma once

// Test support for the header utilities (accepts, cookie, qs, ...): runs a table of cases
// through a script in this folder with `node`, against the npm packages Express uses
// (bench/node_modules), and hands back one JSON value per case. Included by the *_test.cpp
// files only.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nodexx/core/internal/node_runner.hpp"
#include "nodexx/json/parse.hpp"
#include "nodexx/json/stringify.hpp"
#include "nodexx/json/value.hpp"

namespace nx::web::testutil {

/// Why the oracle cannot run (node missing, packages missing), or nullopt when it can.
inline std::optional<std::string> oracleUnavailable() {
  if (!nx::testing::hasNode()) return "node is not on PATH; the npm oracle needs Node.js";
  if (!std::filesystem::is_directory(nx::testing::npmModules())) {
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
  const nx::testing::TempFile file("nx_util_oracle_" + std::string(script), jsJson(cases));
  return nx::testing::runNode(
             {.script = "nodexx/web/testdata/" + std::string(script), .args = {file.path()}})
      .lines();
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

/// Runs nodexx/web/testdata/<script> on `cases` and expects node's line i to equal `mine[i]`
/// (JSON text), reporting each case that differs with both lines.
inline void expectSameAsNode(std::string_view script, const json::Value& cases,
                             const std::vector<std::string>& mine) {
  const std::vector<std::string> node = runOracle(script, cases);
  ASSERT_EQ(node.size(), mine.size()) << "node printed a different number of lines";
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (node[i] != mine[i]) {
      ADD_FAILURE() << jsJson(cases[i]) << "\n  node:   " << node[i] << "\n  nodexx: " << mine[i];
    }
  }
}

}  // namespace nx::web::testutil
