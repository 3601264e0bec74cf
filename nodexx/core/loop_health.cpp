// SPDX-License-Identifier: MIT
#include "nodexx/core/loop_health.hpp"

#include <uv.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"

namespace nx {
namespace {

// HdrHistogram's layout with a unit of 1: buckets of 256 sub-buckets, the first covering
// [0, 256) exactly, each next one twice the range with half the sub-buckets newly in use.
constexpr int kSubBucketBits = 8;
constexpr std::int64_t kSubBucketCount = std::int64_t{1} << kSubBucketBits;
constexpr int kHalfBits = kSubBucketBits - 1;
constexpr std::int64_t kHalfCount = kSubBucketCount / 2;
// The smallest bucket count whose top bucket reaches kMaxValue: 2^(8 + n - 1) > 2^53 - 1.
constexpr int kBucketCount = 53 - kSubBucketBits + 1;
constexpr std::size_t kCountsLen = static_cast<std::size_t>((kBucketCount + 1) * kHalfCount);

std::size_t indexOf(std::int64_t v) noexcept {
  const auto u = static_cast<std::uint64_t>(v);
  const int bucket = 64 - std::countl_zero(u | (kSubBucketCount - 1)) - kSubBucketBits;
  const auto sub = static_cast<std::int64_t>(u >> bucket);
  return static_cast<std::size_t>((std::int64_t{bucket + 1} << kHalfBits) + sub - kHalfCount);
}

std::int64_t lowestAt(std::size_t index) noexcept {
  int bucket = static_cast<int>(index >> kHalfBits) - 1;
  std::int64_t sub = static_cast<std::int64_t>(index & (kHalfCount - 1)) + kHalfCount;
  if (bucket < 0) {
    sub -= kHalfCount;
    bucket = 0;
  }
  return sub << bucket;
}

std::int64_t highestAt(std::size_t index) noexcept {
  const int bucket = std::max(static_cast<int>(index >> kHalfBits) - 1, 0);
  return lowestAt(index) + (std::int64_t{1} << bucket) - 1;
}

}  // namespace

Histogram::Histogram() : counts_(kCountsLen, 0), min_(std::numeric_limits<std::int64_t>::max()) {}

bool Histogram::record(std::int64_t value) noexcept {
  if (value < 0 || value > kMaxValue) {
    ++exceeds_;
    return false;
  }
  ++counts_[indexOf(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const double delta = static_cast<double>(value) - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (static_cast<double>(value) - mean_);
  return true;
}

void Histogram::reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  min_ = std::numeric_limits<std::int64_t>::max();
  max_ = 0;
  exceeds_ = 0;
  mean_ = 0;
  m2_ = 0;
}

double Histogram::mean() const noexcept {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : mean_;
}

double Histogram::stddev() const noexcept {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::sqrt(m2_ / static_cast<double>(count_));
}

std::int64_t Histogram::percentile(double p) const {
  if (!(p > 0 && p <= 100)) {
    throw RangeError("ERR_OUT_OF_RANGE",
                     "The value of \"percentile\" is out of range. It must "
                     "be > 0 && <= 100. Received " +
                         std::to_string(p));
  }
  if (count_ == 0) return 0;
  // hdr_value_at_percentile's rank: round(p% of count), at least 1.
  const auto rank = std::max<std::int64_t>(
      static_cast<std::int64_t>(p / 100 * static_cast<double>(count_) + 0.5), 1);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highestAt(i), max_);
  }
  return max_;
}

std::map<double, std::int64_t> Histogram::percentiles() const {
  // HdrHistogram's percentile iterator with one tick per half distance, as Node uses it.
  std::map<double, std::int64_t> out;
  if (count_ == 0) {
    out[100] = 0;
    return out;
  }
  double level = 0;
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    cumulative += counts_[i];
    const std::int64_t value = std::min(highestAt(i), max_);
    const double reached = 100.0 * static_cast<double>(cumulative) / static_cast<double>(count_);
    bool first = true;
    while (level <= reached) {
      // After the first level of the last bucket, the iterator ends with 100.
      if (!first && cumulative == count_) break;
      out[level] = value;
      first = false;
      const auto halves = static_cast<std::int64_t>(std::log2(100 / (100.0 - level))) + 1;
      level += 100.0 / std::pow(2.0, static_cast<double>(halves));
    }
    if (cumulative == count_) {
      out[100] = value;
      break;
    }
  }
  return out;
}

struct EventLoopDelayMonitor::Impl {
  uv_timer_t timer{};
  Histogram histogram;
  std::uint64_t intervalMs = 10;
  std::uint64_t prevNs = 0;
  bool enabled = false;
};

EventLoopDelayMonitor monitorEventLoopDelay(EventLoopDelayOptions options) {
  if (options.resolution.count() < 1) {
    throw RangeError("ERR_OUT_OF_RANGE",
                     "The value of \"options.resolution\" is out of range. It must be >= 1. "
                     "Received " +
                         std::to_string(options.resolution.count()));
  }
  auto* impl = new EventLoopDelayMonitor::Impl();
  impl->intervalMs = static_cast<std::uint64_t>(options.resolution.count());
  uv_timer_init(loop().uv(), &impl->timer);
  impl->timer.data = impl;
  return EventLoopDelayMonitor(impl);
}

EventLoopDelayMonitor::EventLoopDelayMonitor(EventLoopDelayMonitor&& other) noexcept
    : impl_(std::exchange(other.impl_, nullptr)) {}

EventLoopDelayMonitor& EventLoopDelayMonitor::operator=(EventLoopDelayMonitor&& other) noexcept {
  if (this != &other) {
    this->~EventLoopDelayMonitor();
    impl_ = std::exchange(other.impl_, nullptr);
  }
  return *this;
}

EventLoopDelayMonitor::~EventLoopDelayMonitor() {
  if (impl_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&impl_->timer),
           [](uv_handle_t* h) { delete static_cast<Impl*>(h->data); });
  impl_ = nullptr;
}

bool EventLoopDelayMonitor::enable() {
  assert(impl_ != nullptr);
  if (impl_->enabled) return false;
  impl_->enabled = true;
  impl_->prevNs = uv_hrtime();
  uv_timer_start(
      &impl_->timer,
      [](uv_timer_t* t) {
        // Node's Histogram::RecordDelta: the time since the previous firing.
        auto* impl = static_cast<Impl*>(t->data);
        const std::uint64_t now = uv_hrtime();
        if (impl->prevNs != 0)
          impl->histogram.record(static_cast<std::int64_t>(now - impl->prevNs));
        impl->prevNs = now;
      },
      impl_->intervalMs, impl_->intervalMs);
  uv_unref(reinterpret_cast<uv_handle_t*>(&impl_->timer));
  return true;
}

bool EventLoopDelayMonitor::disable() {
  assert(impl_ != nullptr);
  if (!impl_->enabled) return false;
  impl_->enabled = false;
  uv_timer_stop(&impl_->timer);
  return true;
}

const Histogram& EventLoopDelayMonitor::histogram() const noexcept {
  assert(impl_ != nullptr);
  return impl_->histogram;
}

void EventLoopDelayMonitor::reset() noexcept {
  assert(impl_ != nullptr);
  impl_->histogram.reset();
}

EventLoopUtilization eventLoopUtilization(const EventLoopUtilization& prev) {
  detail::LoopState& s = loop().state();
  const double idle = static_cast<double>(uv_metrics_idle_time(&s.uv)) / 1e6;
  const double elapsed = static_cast<double>(uv_hrtime() - s.startNs) / 1e6;
  const EventLoopUtilization now{idle, std::max(elapsed - idle, 0.0), 0};
  return eventLoopUtilization(now, prev);
}

EventLoopUtilization eventLoopUtilization(const EventLoopUtilization& util1,
                                          const EventLoopUtilization& util2) noexcept {
  EventLoopUtilization d{util1.idle - util2.idle, util1.active - util2.active, 0};
  const double total = d.idle + d.active;
  d.utilization = total > 0 ? std::clamp(d.active / total, 0.0, 1.0) : 0;
  return d;
}

}  // namespace nx
