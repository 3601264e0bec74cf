// SPDX-License-Identifier: MIT
// Twin of scenarios/threadpool_size4.js (run with UV_THREADPOOL_SIZE=4).
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "nodexx/core/crypto.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(threadpool_size4) {
  // The scenario's locals outlive the loop run, so callbacks may refer to them.
  std::vector<int> done;
  std::set<std::string> keys;
  for (int i = 0; i < 6; ++i) {
    (void)nx::crypto::pbkdf2("password", "salt", 20000, 32, "sha256")
        .then([i, &done, &keys](nx::Buffer& key) {
          if (done.empty()) {
            std::printf("first completion is one of jobs 0-3: %s\n", i < 4 ? "true" : "false");
          }
          done.push_back(i);
          keys.insert(key.toString(nx::Encoding::Hex));
          if (done.size() == 6) {
            std::vector<int> sorted = done;
            std::sort(sorted.begin(), sorted.end());
            std::string list;
            for (int j : sorted) list += (list.empty() ? "" : ",") + std::to_string(j);
            std::printf("completed: %s\n", list.c_str());
            std::printf("distinct keys: %zu\n", keys.size());
          }
        });
  }
  log("submitted 6 jobs");
  return nx::run();
}
