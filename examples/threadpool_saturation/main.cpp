// SPDX-License-Identifier: MIT
// The thread pool has UV_THREADPOOL_SIZE threads (default 4), shared by fs, DNS, crypto and
// compression. Queue more CPU-heavy jobs than that and they finish in batches: the rest wait
// for a free thread. Try it with different sizes:
//
//   UV_THREADPOOL_SIZE=1 ./example_threadpool_saturation   # one at a time: at T, 2T, 3T ... 8T
//   UV_THREADPOOL_SIZE=4 ./example_threadpool_saturation   # batches: four at T, four at 2T
//
// Typical output with 4 threads on a machine with 4 or more cores (T = the time of one job):
//
//   thread pool: 4 threads, 8 pbkdf2 jobs of 100000 iterations each
//   job 1 finished at  101 ms
//   job 2 finished at  101 ms
//   job 3 finished at  102 ms
//   job 4 finished at  102 ms
//   job 5 finished at  203 ms
//   ...
//
// On fewer cores than threads the threads of a batch share the cores, so a batch takes longer
// (on 2 cores, a batch of four takes ~2 T), but jobs still finish four at a time.
#include <chrono>
#include <cstdio>

#include "nodexx/core/crypto.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/threadpool.hpp"

namespace {

constexpr int kJobs = 8;
constexpr int kIterations = 100'000;  // ~100 ms of CPU for one PBKDF2-SHA512 hash

// crypto.pbkdf2() hashes on the thread pool; the loop thread only waits for the result.
nx::Promise<> job(int id, std::chrono::nanoseconds start) {
  co_await nx::crypto::pbkdf2("secret", "salt", kIterations, 64, "sha512");
  const double ms = (nx::process::hrtime() - start).count() / 1e6;
  std::printf("job %d finished at %4.0f ms\n", id, ms);
}

}  // namespace

int main() {
  std::printf("thread pool: %zu threads, %d pbkdf2 jobs of %d iterations each\n",
              nx::threadpool::size(), kJobs, kIterations);
  const auto start = nx::process::hrtime();
  for (int id = 1; id <= kJobs; ++id) (void)job(id, start);
  return nx::run();
}
