// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nodexx/resilience/rate_limit.hpp"

namespace nx::resilience {

/// At most `limit` units per window of `windowMs`. A key's window opens at its first request
/// (while the key holds nothing) and covers [start, start + windowMs): a request at exactly
/// start + windowMs opens the next one. Per-key phases avoid the herd at a global boundary; the
/// cost of fixed windows remains: up to 2·limit can pass in windowMs across a boundary.
///
/// The Redis INCR + PEXPIRE pattern, in memory. Constraint: limit·windowMs ≤ 2^61 (RangeError).
/// Value type, no clock; shared rules in RateLimitAlgorithm.
class FixedWindow {
 public:
  /// Per-key state. A default State is an empty window (a key never seen).
  struct State {
    std::int64_t windowStartMs = 0;
    /// Units taken in the window that starts at windowStartMs.
    std::int64_t count = 0;
    /// Clock reading of the last call; meaningless while count is 0.
    std::int64_t lastMs = 0;
  };

  /// `limit` ≥ 1 units per `windowMs` ≥ 1.
  FixedWindow(std::int64_t limit, std::int64_t windowMs);

  /// Takes n units if count + n ≤ limit in the current window. resetMs is the window's end
  /// (when the key holds nothing); a denied result's retryAfterMs runs to the window's end.
  RateLimitResult consume(State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// What consume would answer, without changing the state.
  RateLimitResult peek(const State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// True when the window has ended or holds nothing.
  bool isIdle(const State& s, std::int64_t nowMs) const noexcept;

  std::int64_t limit() const noexcept { return limit_; }
  std::int64_t windowMs() const noexcept { return windowMs_; }

 private:
  std::int64_t limit_;
  std::int64_t windowMs_;
};

/// The exact sliding window: at most `limit` units in any window (t - windowMs, t]. Keeps a log
/// of the accepted requests of the last windowMs (one entry per distinct millisecond, with its
/// count), so memory per key is O(limit) entries of 16 bytes at worst; prefer
/// SlidingWindowCounter for large limits. A request at exactly t + windowMs no longer sees one
/// made at t.
///
/// The log is a ring buffer that grows by doubling up to `limit` entries and never shrinks, so
/// a key's consume allocates only while its log grows to its busiest size. Value type, no
/// clock; shared rules in RateLimitAlgorithm.
class SlidingWindowLog {
 public:
  /// One millisecond of accepted requests.
  struct Entry {
    std::int64_t atMs;
    std::int64_t count;
  };

  /// Per-key state: the log. A default State is an empty log (a key never seen). Copyable.
  class State {
   public:
    /// Entries held, including any that have expired since the last call.
    std::size_t size() const noexcept { return size_; }
    /// Sum of the entries' counts.
    std::int64_t total() const noexcept { return total_; }
    /// Empties the log and keeps its buffer (a store reuses a slot without allocating).
    void clear() noexcept {
      head_ = size_ = 0;
      total_ = 0;
    }

   private:
    friend class SlidingWindowLog;
    const Entry& at(std::size_t i) const noexcept { return ring_[(head_ + i) % ring_.size()]; }
    Entry& at(std::size_t i) noexcept { return ring_[(head_ + i) % ring_.size()]; }

    std::vector<Entry> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::int64_t total_ = 0;
    std::int64_t lastMs_ = 0;
  };

  /// `limit` ≥ 1 units per `windowMs` ≥ 1; limit·windowMs ≤ 2^61.
  SlidingWindowLog(std::int64_t limit, std::int64_t windowMs);

  /// Drops entries older than the window, then takes n units if total + n ≤ limit. resetMs is
  /// when the newest entry expires; a denied result's retryAfterMs is when enough of the oldest
  /// entries have expired for n to fit.
  RateLimitResult consume(State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// What consume would answer, without changing the state.
  RateLimitResult peek(const State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// True when every entry has expired.
  bool isIdle(const State& s, std::int64_t nowMs) const noexcept;

  std::int64_t limit() const noexcept { return limit_; }
  std::int64_t windowMs() const noexcept { return windowMs_; }

 private:
  struct View;
  View view(const State& s, std::int64_t now) const noexcept;
  RateLimitResult decide(const State& s, const View& v, std::int64_t now, std::int64_t n) const;

  std::int64_t limit_;
  std::int64_t windowMs_;
};

/// The sliding-window counter (Cloudflare's, nginx-like): two counters per key, the current
/// fixed window and the previous one, and the estimate
///     used(t) = previous · (windowMs - e) / windowMs + current,   e = t - currentStart,
/// which assumes the previous window's requests were spread evenly. A request of n is allowed
/// when used(t) + n ≤ limit, evaluated exactly in integers as
///     previous · (windowMs - e) + (current + n) · windowMs ≤ limit · windowMs.
/// Windows are per key, back to back from the key's first request (while it holds nothing).
///
/// Approximation error, against the exact sliding window: none for evenly spread traffic; it
/// admits too much when the previous window's requests came late (worst case, all at its very
/// end: up to 2·limit - 1 within one windowMs) and too little when they came early. Cloudflare
/// measured 0.003% of requests wrongly allowed or limited on real traffic. 32 bytes per key;
/// constraint: 3·limit·windowMs < 2^63 (checked as limit·windowMs ≤ 2^61). Value type, no
/// clock; shared rules in RateLimitAlgorithm.
class SlidingWindowCounter {
 public:
  /// Per-key state. A default State holds nothing (a key never seen).
  struct State {
    std::int64_t windowStartMs = 0;
    /// Units taken in [windowStartMs, windowStartMs + windowMs).
    std::int64_t current = 0;
    /// Units taken in the window before.
    std::int64_t previous = 0;
    /// Clock reading of the last call; meaningless while both counts are 0.
    std::int64_t lastMs = 0;
  };

  /// `limit` ≥ 1 units per `windowMs` ≥ 1.
  SlidingWindowCounter(std::int64_t limit, std::int64_t windowMs);

  /// Rolls the windows forward to nowMs, then takes n units if the estimate allows it.
  /// remaining is ⌊limit - used(t)⌋ after this call; resetMs is when both windows have slid out
  /// (current start + 2·windowMs, or + windowMs when only the previous one holds units); a
  /// denied result's retryAfterMs is the exact first millisecond at which the estimate allows n.
  RateLimitResult consume(State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// What consume would answer, without changing the state.
  RateLimitResult peek(const State& s, std::int64_t nowMs, std::int64_t n = 1) const;
  /// True when both windows have slid out.
  bool isIdle(const State& s, std::int64_t nowMs) const noexcept;

  std::int64_t limit() const noexcept { return limit_; }
  std::int64_t windowMs() const noexcept { return windowMs_; }

 private:
  std::int64_t limit_;
  std::int64_t windowMs_;
};

}  // namespace nx::resilience
