// SPDX-License-Identifier: MIT
// node_oracle_twins <scenario>: runs one C++ twin and exits with its code.
// node_oracle_twins --list: prints the registered scenario names.
#include <cstdio>
#include <cstring>

#include "oracle.hpp"

int main(int argc, char** argv) {
  auto& scenarios = nx::oracle::registry();
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& [name, fn] : scenarios) std::puts(name.c_str());
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <scenario> | --list\n", argv[0]);
    return 2;
  }
  auto it = scenarios.find(argv[1]);
  if (it == scenarios.end()) {
    std::fprintf(stderr, "unknown scenario '%s' (see --list)\n", argv[1]);
    return 2;
  }
  return it->second();
}
