// SPDX-License-Identifier: MIT
// Backpressure: a producer that could generate data far faster than the consumer takes it.
// pipeline() connects them; whenever the consumer's buffer reaches its highWaterMark, write()
// returns false, the producer is paused, and it resumes on "drain". Memory stays bounded by the
// two marks (16 KiB each here) however much data flows: compare the totals with the buffer
// sizes printed every 200 ms.
//
//   ./example_backpressure [megabytes=8] [consumer delay ms per write=1]
//
// Typical output:
//
//   producing 8 MiB in 4096-byte chunks; consumer takes one chunk per 1 ms
//   t=  200 ms  produced   688 KiB  consumed   668 KiB  readableLength 16384  writableLength  8192
//   pauses 42 t=  400 ms  produced  1376 KiB  consumed  1348 KiB  readableLength 16384
//   writableLength 16384  pauses 85
//   ...
//   done: 8192 KiB in 2427 ms, producer paused 512 times, max buffered 32768 bytes
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/stream/stream.hpp"

namespace stream = nx::stream;

namespace {

constexpr std::size_t kChunk = 4096;

// Produces `total` bytes as fast as it is asked to.
class Producer final : public stream::Readable<nx::Buffer> {
 public:
  explicit Producer(std::size_t total) : total_(total) {}
  std::size_t produced = 0;

 protected:
  void _read(std::size_t) override {
    // Push until push() says the buffer is full: that is the producer's side of backpressure.
    while (produced < total_) {
      std::size_t n = std::min(kChunk, total_ - produced);
      produced += n;
      if (!push(nx::Buffer::alloc(n, 'x'))) return;
    }
    push(nullptr);
  }

 private:
  std::size_t total_;
};

// Takes `delayMs` per chunk, like a slow disk or a slow client.
class SlowConsumer final : public stream::Writable<nx::Buffer> {
 public:
  explicit SlowConsumer(double delayMs) : delayMs_(delayMs) {}
  std::size_t consumed = 0;

 protected:
  void _write(nx::Buffer chunk, stream::Callback callback) override {
    consumed += chunk.size();
    nx::setTimeout([callback] { callback(); }, delayMs_);
  }

 private:
  double delayMs_;
};

nx::Promise<> run(std::shared_ptr<Producer> producer, std::shared_ptr<SlowConsumer> consumer) {
  auto start = std::chrono::steady_clock::now();
  auto elapsedMs = [start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  };
  int pauses = 0;
  std::size_t maxBuffered = 0;
  producer->events().pause.on([&pauses] { ++pauses; });
  consumer->events().drain.on([&] {
    maxBuffered = std::max(maxBuffered, producer->readableLength() + consumer->writableLength());
  });
  nx::Timeout ticker = nx::setInterval(
      [&] {
        std::size_t buffered = producer->readableLength() + consumer->writableLength();
        maxBuffered = std::max(maxBuffered, buffered);
        std::printf(
            "t=%5lld ms  produced %5zu KiB  consumed %5zu KiB  readableLength %5zu  "
            "writableLength %5zu  pauses %d\n",
            static_cast<long long>(elapsedMs()), producer->produced / 1024,
            consumer->consumed / 1024, producer->readableLength(), consumer->writableLength(),
            pauses);
      },
      200);
  co_await stream::pipeline(producer, consumer);
  nx::clearInterval(ticker);
  std::printf("done: %zu KiB in %lld ms, producer paused %d times, max buffered %zu bytes\n",
              consumer->consumed / 1024, static_cast<long long>(elapsedMs()), pauses, maxBuffered);
  // Bounded memory: the buffers never held more than the two marks plus a chunk each.
  if (maxBuffered > 2 * (16384 + kChunk)) {
    std::printf("unexpected: buffers grew past the high water marks\n");
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const double megabytes = argc > 1 ? std::atof(argv[1]) : 8;
  const double delayMs = argc > 2 ? std::atof(argv[2]) : 1;
  const auto total = static_cast<std::size_t>(megabytes * 1024 * 1024);
  std::printf("producing %g MiB in %zu-byte chunks; consumer takes one chunk per %g ms\n",
              megabytes, kChunk, delayMs);
  auto producer = std::make_shared<Producer>(total);
  auto consumer = std::make_shared<SlowConsumer>(delayMs);
  (void)run(producer, consumer);
  return nx::run();
}
