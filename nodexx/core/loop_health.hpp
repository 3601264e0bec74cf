// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

namespace nx {

/// A log-linear (HdrHistogram-style) histogram of non-negative integers, meant for
/// nanosecond durations: fixed memory (about 48 KiB), O(1) record(), every value kept with a
/// relative precision of 1/128 (< 0.8%). count, min, max, mean and stddev are exact. Values
/// from 0 to kMaxValue (2^53-1, Number.MAX_SAFE_INTEGER, as Node's histograms) are recorded;
/// others are counted by exceeds(). A value type; not thread-safe (use one per thread or guard
/// it).
class Histogram {
 public:
  static constexpr std::int64_t kMaxValue = (std::int64_t{1} << 53) - 1;

  Histogram();

  /// Adds one value; false (and exceeds() grows) if it is negative or above kMaxValue.
  bool record(std::int64_t value) noexcept;
  /// Forgets every value.
  void reset() noexcept;

  /// The number of recorded values.
  std::int64_t count() const noexcept { return count_; }
  /// The smallest recorded value; INT64_MAX when empty (as Node's histogram.min).
  std::int64_t min() const noexcept { return min_; }
  /// The largest recorded value; 0 when empty.
  std::int64_t max() const noexcept { return max_; }
  /// The arithmetic mean; NaN when empty (as Node).
  double mean() const noexcept;
  /// The population standard deviation; NaN when empty (as Node).
  double stddev() const noexcept;
  /// The number of values that could not be recorded (out of range).
  std::int64_t exceeds() const noexcept { return exceeds_; }
  /// The value at percentile `p` in (0, 100]: the highest value equivalent (within the
  /// precision) to the value at rank round(p/100 * count), capped at max(); 0 when empty.
  /// Throws RangeError ERR_OUT_OF_RANGE for `p` outside (0, 100], as Node does.
  std::int64_t percentile(double p) const;
  /// Percentile → value at HdrHistogram's reporting levels (0, 50, 75, 87.5, ..., 100), as
  /// Node's histogram.percentiles; {100: 0} when empty.
  std::map<double, std::int64_t> percentiles() const;

 private:
  std::vector<std::int64_t> counts_;
  std::int64_t count_ = 0;
  std::int64_t min_;
  std::int64_t max_ = 0;
  std::int64_t exceeds_ = 0;
  double mean_ = 0;  // Welford's running mean and sum of squared deviations
  double m2_ = 0;
};

/// Options of monitorEventLoopDelay().
struct EventLoopDelayOptions {
  /// Sampling interval; at least 1 ms.
  std::chrono::milliseconds resolution{10};
};

/// Samples the event loop's delay, as perf_hooks.monitorEventLoopDelay(): while enabled, an
/// unref'd libuv timer fires every `resolution` and records, in nanoseconds, the time since
/// its previous firing (Node's measure: an idle loop records about `resolution`; a loop
/// blocked for 200 ms records about 200 ms). Starts disabled. Never keeps the loop alive.
/// Move-only; loop-affine; destroy it before its loop.
class EventLoopDelayMonitor {
 public:
  EventLoopDelayMonitor(EventLoopDelayMonitor&& other) noexcept;
  EventLoopDelayMonitor& operator=(EventLoopDelayMonitor&& other) noexcept;
  EventLoopDelayMonitor(const EventLoopDelayMonitor&) = delete;
  EventLoopDelayMonitor& operator=(const EventLoopDelayMonitor&) = delete;
  ~EventLoopDelayMonitor();

  /// Starts sampling; false if already enabled. The first interval starts now (time spent
  /// disabled is not recorded).
  bool enable();
  /// Stops sampling; false if not enabled. Recorded values stay.
  bool disable();

  /// The samples, in nanoseconds.
  const Histogram& histogram() const noexcept;
  std::int64_t count() const noexcept { return histogram().count(); }
  std::int64_t min() const noexcept { return histogram().min(); }
  std::int64_t max() const noexcept { return histogram().max(); }
  double mean() const noexcept { return histogram().mean(); }
  double stddev() const noexcept { return histogram().stddev(); }
  std::int64_t exceeds() const noexcept { return histogram().exceeds(); }
  std::int64_t percentile(double p) const { return histogram().percentile(p); }
  std::map<double, std::int64_t> percentiles() const { return histogram().percentiles(); }
  /// Forgets the samples; sampling continues if enabled.
  void reset() noexcept;

 private:
  struct Impl;
  friend EventLoopDelayMonitor monitorEventLoopDelay(EventLoopDelayOptions options);
  explicit EventLoopDelayMonitor(Impl* impl) noexcept : impl_(impl) {}
  Impl* impl_ = nullptr;  // freed in the timer's close callback
};

/// Creates a (disabled) delay monitor on the current loop. Throws RangeError
/// ERR_OUT_OF_RANGE when `options.resolution` is below 1 ms.
EventLoopDelayMonitor monitorEventLoopDelay(EventLoopDelayOptions options = {});

/// Time the current loop spent idle (waiting for I/O in the poll phase) and active since it
/// was created, in milliseconds, as performance.eventLoopUtilization() reports.
struct EventLoopUtilization {
  double idle = 0;
  double active = 0;
  /// active / (idle + active), in [0, 1]; 0 when both are 0.
  double utilization = 0;
};

/// The current loop's utilisation since `prev` (a value this function returned earlier);
/// with no argument, since the loop was created. Loop thread only.
EventLoopUtilization eventLoopUtilization(const EventLoopUtilization& prev = {});
/// The difference `util1 - util2` of two earlier results.
EventLoopUtilization eventLoopUtilization(const EventLoopUtilization& util1,
                                          const EventLoopUtilization& util2) noexcept;

}  // namespace nx
