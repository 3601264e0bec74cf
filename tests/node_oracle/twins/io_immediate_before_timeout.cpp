// SPDX-License-Identifier: MIT
// Twin of scenarios/io_immediate_before_timeout.js: nx::crypto::pbkdf2 settles its promise in
// the thread-pool completion (poll phase) and the reaction runs right after it, as with
// util.promisify(crypto.pbkdf2).
#include <cstdio>

#include "nodexx/core/crypto.hpp"
#include "nodexx/nodexx.hpp"
#include "oracle.hpp"

using nx::oracle::log;

namespace {

void startRound(int n) {
  (void)nx::crypto::pbkdf2("secret", "salt", 1, 32, "sha256").then([n](const nx::Buffer&) {
    std::printf("round %d: completion\n", n);
    nx::setTimeout(
        [n] {
          std::printf("round %d: timeout 0\n", n);
          if (n < 3) startRound(n + 1);
        },
        0);
    nx::setImmediate([n] { std::printf("round %d: immediate\n", n); });
    nx::nextTick([n] { std::printf("round %d: tick\n", n); });
    (void)nx::Promise<>::resolve().then([n] { std::printf("round %d: promise\n", n); });
  });
}

}  // namespace

NX_ORACLE_SCENARIO(io_immediate_before_timeout) {
  startRound(1);
  log("main done");
  return nx::run();
}
