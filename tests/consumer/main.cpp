// SPDX-License-Identifier: MIT
// Uses the installed headers and libraries: a timer, a coroutine and the thread pool.
#include <nodexx/nodexx.hpp>

#include <cstdio>

nx::Promise<> work() {
  int v = co_await nx::threadpool::run([] { return 21 * 2; });
  co_await nx::sleep(1);
  std::printf("consumer ok: %d\n", v);
}

int main() {
  (void)work();
  return nx::run();
}
