// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace loadgen {

/// A log-linear histogram of durations in nanoseconds, in the manner of HdrHistogram: values
/// below 128 ns are exact, and every power of two above is split into 128 equal buckets, so a
/// reported value is within 1/256 (0.4 %) of the recorded one. Values from 0 to 2^40 ns
/// (about 18 minutes) are kept; larger ones are counted in the top bucket. Recording is a few
/// integer operations and never allocates (the buckets are a fixed 35 KiB array). Not
/// thread-safe: one histogram belongs to one thread.
class Histogram {
 public:
  /// Adds one value (ns; negative values count as 0).
  void record(std::int64_t ns) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
    ++counts_[std::min(indexOf(v), kBuckets - 1)];
    ++total_;
    sum_ += v;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }

  /// Adds every value of `other` (same bucket layout).
  void add(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  /// The number of recorded values.
  std::uint64_t count() const { return total_; }

  /// The largest recorded value, exact (ns); 0 when empty.
  std::uint64_t max() const { return max_; }

  /// The smallest recorded value, exact (ns); 0 when empty.
  std::uint64_t min() const { return total_ ? min_ : 0; }

  /// The arithmetic mean (ns); 0 when empty.
  double mean() const { return total_ ? static_cast<double>(sum_) / total_ : 0.0; }

  /// The value at percentile `p` (0 to 100, ns): the middle of the bucket holding the
  /// ceil(p/100 × count)-th smallest value, clamped to [min, max] so that p100 is the exact
  /// maximum. 0 when empty.
  double percentile(double p) const {
    if (total_ == 0) return 0.0;
    const auto rank = std::max<std::uint64_t>(
        // The epsilon keeps 99.9 % of 4000 at rank 3996: 0.999 × 4000 is a hair above it in
        // binary floating point.
        1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_) - 1e-9)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const double mid =
            static_cast<double>(lowerBound(i)) + static_cast<double>(width(i) - 1) / 2.0;
        return std::clamp(mid, static_cast<double>(min()), static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

  /// How many recorded values are at least `ns` (exact at bucket boundaries, otherwise counts
  /// the whole bucket holding `ns`).
  std::uint64_t countAtOrAbove(std::uint64_t ns) const {
    std::uint64_t n = 0;
    for (std::size_t i = std::min(indexOf(ns), kBuckets - 1); i < kBuckets; ++i) n += counts_[i];
    return n;
  }

 private:
  static constexpr unsigned kSubBits = 7;  // 128 buckets per power of two
  static constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
  static constexpr unsigned kMaxBits = 40;
  static constexpr std::size_t kBuckets = (kMaxBits - kSubBits) * kSub + 2 * kSub;

  // Below 128 the index is the value. Above, `shift` drops all but the top 8 bits, whose value
  // (128 to 255) picks the bucket within the power of two: index = shift × 128 + top bits,
  // which continues the exact range without a gap.
  static std::size_t indexOf(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - (kSubBits + 1);
    return static_cast<std::size_t>(shift * kSub + (v >> shift));
  }
  static unsigned shiftOf(std::size_t i) { return i < 2 * kSub ? 0 : (i / kSub) - 1; }
  static std::uint64_t width(std::size_t i) { return std::uint64_t{1} << shiftOf(i); }
  static std::uint64_t lowerBound(std::size_t i) {
    const unsigned shift = shiftOf(i);
    return (static_cast<std::uint64_t>(i) - shift * kSub) << shift;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

}  // namespace loadgen
