// SPDX-License-Identifier: MIT
// Streams a large CSV through a pipeline in constant memory, as Node's stream.pipeline does:
//
//   generate (Readable, rows made lazily)            bytes
//   → LineSplitter                                   bytes → lines
//   → parse (Transform, one Order per row)           lines → objects
//   → filter and compute (Transform)                 objects → objects
//   → serialise (Transform, rows batched to 64 KiB)  objects → bytes
//   → gzip (zlib on the thread pool)                 bytes → bytes
//   → fs.createWriteStream                           bytes → file
//
// Every stage holds at most its high water mark, and a stage that falls behind pauses the
// ones before it (backpressure), so the resident memory stays flat whatever the input size.
// The RSS is sampled during the run and printed with the totals:
//
//   ./example_csv_pipeline                      # 2 GB of CSV (the default)
//   ./example_csv_pipeline --bytes 200M         # 200 MB; k, M and G are powers of 1000
//   ./example_csv_pipeline --bytes 20000000 --keep --out /tmp/orders.csv.gz
//
// The output is a gzip file of the kept rows with their totals; it is deleted at the end
// unless --keep is given. Exit code 1 on an error (printed).
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/fs/fs.hpp"
#include "nodexx/fs/write_stream.hpp"
#include "nodexx/stream/duplex.hpp"
#include "nodexx/stream/line_splitter.hpp"
#include "nodexx/stream/pipeline.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/zlib/zlib_stream.hpp"

namespace {

using nx::Buffer;
namespace stream = nx::stream;

struct Config {
  std::uint64_t bytes = 2'000'000'000;  // CSV to generate
  std::string out;                      // empty: a temporary file
  bool keep = false;
};

/// Counters shared by the stages (all on the loop thread).
struct Stats {
  std::uint64_t rowsGenerated = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t rowsParsed = 0;
  std::uint64_t rowsKept = 0;
  std::uint64_t bytesSerialised = 0;
  std::size_t rssStart = 0;
  std::size_t rssMaxSampled = 0;
};

/// One parsed CSV row.
struct Order {
  std::uint64_t id = 0;
  std::string customer;
  std::string region;
  std::string product;
  std::uint32_t quantity = 0;
  std::uint64_t unitPriceCents = 0;
  std::uint64_t totalCents = 0;  // set by the compute stage
};

/// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or 0.
std::size_t procStatusBytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::strtoull(line.c_str() + n + 1, nullptr, 10) * 1024;  // reported in kB
    }
  }
  return 0;
}

std::size_t peakRss() {
  if (std::size_t hwm = procStatusBytes("VmHWM")) return hwm;
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::size_t>(ru.ru_maxrss) * 1024;
}

double mb(std::uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

/// The source: CSV text made on demand, one batch of rows per _read(), so only what the next
/// stage asked for exists. Deterministic (a fixed pseudo-random sequence).
class OrderGenerator final : public stream::Readable<Buffer> {
 public:
  OrderGenerator(std::uint64_t targetBytes, Stats& stats)
      : target_(targetBytes), stats_(stats), started_(nx::process::hrtime()) {}

 protected:
  void _read(std::size_t) override {
    if (stats_.bytesIn >= target_) {
      push(nullptr);
      return;
    }
    std::string batch;
    batch.reserve(kBatchBytes + 256);
    if (stats_.bytesIn == 0) {
      batch += "order_id,created_at,customer,region,product,quantity,unit_price_cents\n";
    }
    char row[256];
    while (batch.size() < kBatchBytes && stats_.bytesIn + batch.size() < target_) {
      const std::uint64_t id = ++stats_.rowsGenerated;
      const std::uint64_t r = next();
      const std::uint64_t t = id * 7;  // seconds after the first order
      const int n = std::snprintf(
          row, sizeof row,
          "%llu,2026-11-%02llu "
          "%02llu:%02llu:%02llu,customer-%06llu@example.com,%s,sku-%05llu,%llu,%llu\n",
          static_cast<unsigned long long>(id),
          static_cast<unsigned long long>(1 + (t / 86400) % 28),
          static_cast<unsigned long long>((t / 3600) % 24),
          static_cast<unsigned long long>((t / 60) % 60), static_cast<unsigned long long>(t % 60),
          static_cast<unsigned long long>(r % 1'000'000), kRegions[(r >> 20) % kRegionCount],
          static_cast<unsigned long long>((r >> 24) % 100'000),
          static_cast<unsigned long long>((r >> 40) % 10),
          static_cast<unsigned long long>(99 + (r >> 44) % 99'901));
      batch.append(row, static_cast<std::size_t>(n));
    }
    stats_.bytesIn += batch.size();
    reportProgress();
    push(Buffer::from(batch));
  }

 private:
  static constexpr std::size_t kBatchBytes = 64 * 1024;
  static constexpr std::size_t kRegionCount = 6;
  static constexpr const char* kRegions[kRegionCount] = {"eu-west-1", "us-east-1", "ap-south-1",
                                                         "sa-east-1", "test",      "af-south-1"};

  std::uint64_t next() noexcept {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

  // One line per tenth of the input, with the resident memory at that moment.
  void reportProgress() {
    const std::uint64_t tenth = stats_.bytesIn * 10 / target_;
    if (tenth <= lastTenth_) return;
    lastTenth_ = tenth;
    const double seconds = static_cast<double>((nx::process::hrtime() - started_).count()) / 1e9;
    std::printf("  %3llu%%  %9.1f MB in  %11llu rows  rss %6.1f MB  %7.1f s\n",
                static_cast<unsigned long long>(tenth * 10), mb(stats_.bytesIn),
                static_cast<unsigned long long>(stats_.rowsGenerated),
                mb(nx::process::memoryUsage().rss), seconds);
    std::fflush(stdout);
  }

  std::uint64_t target_;
  Stats& stats_;
  std::chrono::nanoseconds started_;
  std::uint64_t state_ = 0x9E3779B97F4A7C15ULL;
  std::uint64_t lastTenth_ = 0;
};

/// Splits `line` at commas into exactly `N` fields; false if the count differs.
template <std::size_t N>
bool splitFields(std::string_view line, std::string_view (&fields)[N]) {
  std::size_t i = 0;
  while (i < N) {
    const std::size_t comma = line.find(',');
    fields[i++] = line.substr(0, comma);
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return i == N && fields[N - 1].find(',') == std::string_view::npos;
}

template <class T>
bool parseNumber(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

/// lines → Order objects. The header is skipped; a malformed row fails the pipeline with a
/// clear error naming the row.
class CsvParser final : public stream::Transform<std::string, Order> {
 public:
  explicit CsvParser(Stats& stats) : stats_(stats) {}

 protected:
  void _transform(std::string line, stream::Callback callback) override {
    if (++lineNo_ == 1) {  // the header
      callback();
      return;
    }
    std::string_view f[7];
    Order o;
    if (!splitFields(line, f) || !parseNumber(f[0], o.id) || !parseNumber(f[5], o.quantity) ||
        !parseNumber(f[6], o.unitPriceCents)) {
      callback(nx::SystemError("ERR_CSV_MALFORMED_ROW",
                               "Malformed CSV row " + std::to_string(lineNo_) + ": " + line));
      return;
    }
    o.customer = f[2];
    o.region = f[3];
    o.product = f[4];
    ++stats_.rowsParsed;
    push(std::move(o));
    callback();
  }

 private:
  Stats& stats_;
  std::uint64_t lineNo_ = 0;
};

/// Drops test traffic and empty orders, and computes each order's total with the region's VAT.
class ComputeTotals final : public stream::Transform<Order, Order> {
 public:
  explicit ComputeTotals(Stats& stats) : stats_(stats) {}

 protected:
  void _transform(Order o, stream::Callback callback) override {
    if (o.region != "test" && o.quantity > 0) {
      const std::uint64_t vatPercent = o.region.starts_with("eu-") ? 20 : 0;
      o.totalCents = o.quantity * o.unitPriceCents * (100 + vatPercent) / 100;
      ++stats_.rowsKept;
      push(std::move(o));
    }
    callback();
  }

 private:
  Stats& stats_;
};

/// Order objects → CSV bytes. Rows are batched into 64 KiB buffers: one tiny chunk per row
/// would cost gzip one thread-pool round trip per row.
class Serialiser final : public stream::Transform<Order, Buffer> {
 public:
  explicit Serialiser(Stats& stats) : stats_(stats) {
    batch_ = "order_id,customer,region,product,quantity,total_cents\n";
  }

 protected:
  void _transform(Order o, stream::Callback callback) override {
    char row[256];
    const int n =
        std::snprintf(row, sizeof row, "%llu,%s,%s,%s,%u,%llu\n",
                      static_cast<unsigned long long>(o.id), o.customer.c_str(), o.region.c_str(),
                      o.product.c_str(), o.quantity, static_cast<unsigned long long>(o.totalCents));
    batch_.append(row, static_cast<std::size_t>(n));
    if (batch_.size() >= kBatchBytes) pushBatch();
    callback();
  }
  void _flush(stream::Callback callback) override {
    pushBatch();
    callback();
  }

 private:
  static constexpr std::size_t kBatchBytes = 64 * 1024;
  void pushBatch() {
    if (batch_.empty()) return;
    stats_.bytesSerialised += batch_.size();
    push(Buffer::from(batch_));
    batch_.clear();
  }
  Stats& stats_;
  std::string batch_;
};

std::optional<std::uint64_t> parseSize(std::string_view s) {
  std::uint64_t scale = 1;
  if (!s.empty()) {
    switch (s.back()) {
      case 'k':
      case 'K':
        scale = 1'000;
        break;
      case 'm':
      case 'M':
        scale = 1'000'000;
        break;
      case 'g':
      case 'G':
        scale = 1'000'000'000;
        break;
      default:
        break;
    }
    if (scale != 1) s.remove_suffix(1);
  }
  std::uint64_t n = 0;
  if (!parseNumber(s, n) || n == 0) return std::nullopt;
  return n * scale;
}

nx::Promise<> runPipeline(Config config) {
  Stats stats;
  stats.rssStart = nx::process::memoryUsage().rss;
  stats.rssMaxSampled = stats.rssStart;
  // Sample the resident memory while the pipeline runs (unref'd: it never keeps the loop up).
  nx::Timeout sampler = nx::setInterval(
      [&stats] {
        stats.rssMaxSampled = std::max(stats.rssMaxSampled, nx::process::memoryUsage().rss);
      },
      100);
  sampler.unref();

  std::printf("csv_pipeline: %.1f MB of CSV → parse → filter/compute → serialise → gzip → %s\n",
              mb(config.bytes), config.out.c_str());
  const auto started = nx::process::hrtime();
  auto source = std::make_shared<OrderGenerator>(config.bytes, stats);
  auto lines = std::make_shared<stream::LineSplitter>();
  auto parse = std::make_shared<CsvParser>(stats);
  auto compute = std::make_shared<ComputeTotals>(stats);
  auto serialise = std::make_shared<Serialiser>(stats);
  auto gzip = nx::zlib::createGzip();
  auto output = nx::fs::createWriteStream(config.out);
  bool ok = true;
  try {
    co_await stream::pipeline(source, lines, parse, compute, serialise, gzip, output);
  } catch (...) {
    ok = false;
    std::fprintf(stderr, "csv_pipeline failed: %s\n",
                 nx::describe(std::current_exception()).c_str());
    nx::process::exitCode = 1;
  }
  nx::clearInterval(sampler);
  const double seconds = static_cast<double>((nx::process::hrtime() - started).count()) / 1e9;

  std::printf("rows generated   %12llu\n", static_cast<unsigned long long>(stats.rowsGenerated));
  std::printf("rows parsed      %12llu\n", static_cast<unsigned long long>(stats.rowsParsed));
  std::printf("rows written     %12llu  (test traffic and empty orders dropped)\n",
              static_cast<unsigned long long>(stats.rowsKept));
  std::printf("bytes in         %12.1f MB of CSV\n", mb(stats.bytesIn));
  std::printf("bytes serialised %12.1f MB of CSV\n", mb(stats.bytesSerialised));
  std::printf("bytes out        %12.1f MB gzip (%.1fx smaller)\n", mb(output->bytesWritten()),
              output->bytesWritten() > 0 ? static_cast<double>(stats.bytesSerialised) /
                                               static_cast<double>(output->bytesWritten())
                                         : 0.0);
  std::printf("elapsed          %12.2f s  (%.1f MB/s of input)\n", seconds,
              seconds > 0 ? mb(stats.bytesIn) / seconds : 0.0);
  std::printf("rss              start %.1f MB, max sampled %.1f MB, peak (VmHWM) %.1f MB\n",
              mb(stats.rssStart), mb(stats.rssMaxSampled), mb(peakRss()));

  if (config.keep && ok) {
    std::printf("output           %s (kept)\n", config.out.c_str());
  } else {
    try {
      co_await nx::fs::unlink(config.out);
      std::printf("output           %s (deleted; --keep keeps it)\n", config.out.c_str());
    } catch (...) {
      // A failed pipeline may not have created the file.
    }
  }
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--bytes N[k|M|G]] [--out PATH] [--keep]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--keep") {
      config.keep = true;
    } else if (arg == "--bytes" && i + 1 < argc) {
      auto n = parseSize(argv[++i]);
      if (!n) return usage(argv[0]);
      config.bytes = *n;
    } else if (arg == "--out" && i + 1 < argc) {
      config.out = argv[++i];
    } else {
      return usage(argv[0]);
    }
  }
  if (config.out.empty()) {
    char tmpl[] = "/tmp/csv_pipeline-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0) {
      std::perror("mkstemp");
      return 1;
    }
    ::close(fd);
    config.out = std::string(tmpl);
  }
  (void)runPipeline(std::move(config));
  return nx::run();
}
