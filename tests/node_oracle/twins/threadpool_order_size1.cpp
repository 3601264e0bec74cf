// SPDX-License-Identifier: MIT
// Twin of scenarios/threadpool_order_size1.js (run with UV_THREADPOOL_SIZE=1).
#include <cstdio>

#include "nodexx/core/crypto.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

NX_ORACLE_SCENARIO(threadpool_order_size1) {
  for (int i = 0; i < 6; ++i) {
    (void)nx::crypto::pbkdf2("password", "salt", 20000, 32, "sha256").then([i](nx::Buffer& key) {
      if (i == 0) {
        std::printf("job %d done key %s\n", i, key.toString(nx::Encoding::Hex).c_str());
      } else {
        std::printf("job %d done\n", i);
      }
    });
  }
  log("submitted 6 jobs");
  return nx::run();
}
