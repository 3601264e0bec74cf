// SPDX-License-Identifier: MIT
#include "nodexx/resilience/rate_limit_windows.hpp"

#include <algorithm>
#include <cassert>

#include "nodexx/resilience/internal/rate_math.hpp"

namespace nx::resilience {

using internal::clampTime;
using internal::elapsedMs;
using internal::unsignedOf;

namespace {

void checkWindow(std::int64_t limit, std::int64_t windowMs, const char* who) {
  internal::checkConfig(limit >= 1, who, "limit must be >= 1");
  internal::checkConfig(windowMs >= 1, who, "windowMs must be >= 1");
  internal::checkConfig(internal::scaledProduct(limit, windowMs) >= 0, who,
                        "limit times windowMs must be <= 2^61");
}

// How far a backwards step moves a key's stored times: by the whole step, so that no time
// passes during it. 0 for a forward step.
std::int64_t backwardsShift(std::int64_t lastMs, std::int64_t now) noexcept {
  std::int64_t last = clampTime(lastMs);
  return now < last ? last - now : 0;
}

}  // namespace

// ---- FixedWindow ----

FixedWindow::FixedWindow(std::int64_t limit, std::int64_t windowMs)
    : limit_(limit), windowMs_(windowMs) {
  checkWindow(limit, windowMs, "FixedWindow");
}

RateLimitResult FixedWindow::consume(State& s, std::int64_t nowMs, std::int64_t n) const {
  internal::checkCount(n, "FixedWindow::consume");
  std::int64_t now = clampTime(nowMs);
  if (s.count > 0) {
    s.windowStartMs -= backwardsShift(s.lastMs, now);
    if (elapsedMs(now, s.windowStartMs) >= unsignedOf(windowMs_)) s.count = 0;
  }
  if (s.count == 0) s.windowStartMs = now;
  s.lastMs = now;

  RateLimitResult r;
  r.limit = limit_;
  if (n > limit_) {
    r.retryAfterMs = kRetryNever;
  } else if (s.count + n <= limit_) {
    r.allowed = true;
    s.count += n;
  } else {
    r.retryAfterMs = s.windowStartMs + windowMs_ - now;
  }
  r.remaining = limit_ - s.count;
  r.resetMs = s.count > 0 ? s.windowStartMs + windowMs_ : now;
  return r;
}

RateLimitResult FixedWindow::peek(const State& s, std::int64_t nowMs, std::int64_t n) const {
  State copy = s;
  return consume(copy, nowMs, n);
}

bool FixedWindow::isIdle(const State& s, std::int64_t nowMs) const noexcept {
  std::int64_t now = clampTime(nowMs);
  if (s.count == 0) return true;
  std::int64_t start = s.windowStartMs - backwardsShift(s.lastMs, now);
  return elapsedMs(now, start) >= unsignedOf(windowMs_);
}

// ---- SlidingWindowLog ----

// The log as seen at `now` without changing it: every entry's time minus `shift` (a backwards
// step), the first `expired` entries out of the window, `total` the units of the others.
struct SlidingWindowLog::View {
  std::int64_t shift = 0;
  std::size_t expired = 0;
  std::int64_t total = 0;
};

SlidingWindowLog::SlidingWindowLog(std::int64_t limit, std::int64_t windowMs)
    : limit_(limit), windowMs_(windowMs) {
  checkWindow(limit, windowMs, "SlidingWindowLog");
}

SlidingWindowLog::View SlidingWindowLog::view(const State& s, std::int64_t now) const noexcept {
  View v{0, 0, s.total_};
  if (s.size_ == 0) return v;
  v.shift = backwardsShift(s.lastMs_, now);
  // Entries are in time order, so the expired ones are a prefix.
  while (v.expired < s.size_ &&
         elapsedMs(now, s.at(v.expired).atMs - v.shift) >= unsignedOf(windowMs_)) {
    v.total -= s.at(v.expired).count;
    ++v.expired;
  }
  return v;
}

RateLimitResult SlidingWindowLog::decide(const State& s, const View& v, std::int64_t now,
                                         std::int64_t n) const {
  RateLimitResult r;
  r.limit = limit_;
  std::int64_t total = v.total;
  if (n > limit_) {
    r.retryAfterMs = kRetryNever;
  } else if (total + n <= limit_) {
    r.allowed = true;
    total += n;
  } else {
    // n fits once enough of the oldest entries have expired: find the entry whose expiry
    // frees the last unit needed.
    std::int64_t excess = total + n - limit_;
    std::int64_t freed = 0;
    for (std::size_t i = v.expired; i < s.size_; ++i) {
      freed += s.at(i).count;
      if (freed >= excess) {
        r.retryAfterMs = s.at(i).atMs - v.shift + windowMs_ - now;
        break;
      }
    }
  }
  r.remaining = limit_ - total;
  if (r.allowed && n > 0) {
    r.resetMs = now + windowMs_;
  } else if (s.size_ > v.expired) {
    r.resetMs = s.at(s.size_ - 1).atMs - v.shift + windowMs_;
  } else {
    r.resetMs = now;
  }
  return r;
}

RateLimitResult SlidingWindowLog::consume(State& s, std::int64_t nowMs, std::int64_t n) const {
  internal::checkCount(n, "SlidingWindowLog::consume");
  std::int64_t now = clampTime(nowMs);
  View v = view(s, now);
  if (v.shift != 0) {
    for (std::size_t i = 0; i < s.size_; ++i) s.at(i).atMs -= v.shift;
  }
  if (v.expired == s.size_) {
    s.clear();
  } else {
    s.head_ = (s.head_ + v.expired) % s.ring_.size();
    s.size_ -= v.expired;
    s.total_ = v.total;
  }
  s.lastMs_ = now;

  RateLimitResult r = decide(s, View{0, 0, s.total_}, now, n);
  if (!r.allowed || n == 0) return r;
  // One entry per millisecond: requests in the same millisecond add to the newest entry, so
  // the log holds at most `limit` entries (each counts at least one unit).
  if (s.size_ > 0 && s.at(s.size_ - 1).atMs == now) {
    s.at(s.size_ - 1).count += n;
  } else {
    if (s.size_ == s.ring_.size()) {
      std::size_t cap = std::max<std::size_t>(4, 2 * s.ring_.size());
      cap = std::min(cap, static_cast<std::size_t>(limit_));
      assert(cap > s.size_);
      std::vector<Entry> grown(cap);
      for (std::size_t i = 0; i < s.size_; ++i) grown[i] = s.at(i);
      s.ring_ = std::move(grown);
      s.head_ = 0;
    }
    s.at(s.size_) = Entry{now, n};
    ++s.size_;
  }
  s.total_ += n;
  return r;
}

RateLimitResult SlidingWindowLog::peek(const State& s, std::int64_t nowMs, std::int64_t n) const {
  internal::checkCount(n, "SlidingWindowLog::peek");
  std::int64_t now = clampTime(nowMs);
  return decide(s, view(s, now), now, n);
}

bool SlidingWindowLog::isIdle(const State& s, std::int64_t nowMs) const noexcept {
  return view(s, clampTime(nowMs)).expired == s.size_;
}

// ---- SlidingWindowCounter ----

SlidingWindowCounter::SlidingWindowCounter(std::int64_t limit, std::int64_t windowMs)
    : limit_(limit), windowMs_(windowMs) {
  checkWindow(limit, windowMs, "SlidingWindowCounter");
}

namespace {

// Rolls the two windows forward to `now` (or moves them back with a backwards clock), so that
// now lies in [windowStartMs, windowStartMs + windowMs).
void roll(SlidingWindowCounter::State& s, std::int64_t now, std::int64_t windowMs) noexcept {
  if (s.current > 0 || s.previous > 0) {
    s.windowStartMs -= backwardsShift(s.lastMs, now);
    std::uint64_t e = elapsedMs(now, s.windowStartMs);
    if (e >= 2 * unsignedOf(windowMs)) {
      s.current = s.previous = 0;
    } else if (e >= unsignedOf(windowMs)) {
      s.previous = s.current;
      s.current = 0;
      s.windowStartMs += windowMs;
    }
  }
  // A key that holds nothing starts a new phase, exactly as a key never seen.
  if (s.current == 0 && s.previous == 0) s.windowStartMs = now;
  s.lastMs = now;
}

}  // namespace

RateLimitResult SlidingWindowCounter::consume(State& s, std::int64_t nowMs, std::int64_t n) const {
  internal::checkCount(n, "SlidingWindowCounter::consume");
  std::int64_t now = clampTime(nowMs);
  roll(s, now, windowMs_);
  const std::int64_t w = windowMs_;
  const std::int64_t e = now - s.windowStartMs;
  // The estimate times windowMs, so that the comparison is exact in integers.
  std::int64_t used = s.previous * (w - e) + s.current * w;

  RateLimitResult r;
  r.limit = limit_;
  if (n > limit_) {
    r.retryAfterMs = kRetryNever;
  } else if (used + n * w <= limit_ * w) {
    r.allowed = true;
    s.current += n;
    used += n * w;
  } else if (std::int64_t room = limit_ - s.current - n; room >= 0) {
    // Allowed once the previous window's weight has fallen to room · w:
    // previous · (w - x) ≤ room · w, i.e. x ≥ w - ⌊room · w / previous⌋ (previous > 0 here,
    // else it would be allowed now). By the next window's start it is (current + n ≤ limit).
    std::int64_t x = w - room * w / s.previous;
    r.retryAfterMs = s.windowStartMs + std::min(x, w) - now;
  } else {
    // Not before the next window, where previous' = current (> 0 here) and current' = 0:
    // current · (w - x) + n · w ≤ limit · w. By the window after, nothing is left.
    std::int64_t x = w - (limit_ - n) * w / s.current;
    r.retryAfterMs = s.windowStartMs + w + std::min(x, w) - now;
  }
  r.remaining = std::max<std::int64_t>(0, (limit_ * w - used) / w);
  if (s.current > 0) {
    r.resetMs = s.windowStartMs + 2 * w;
  } else if (s.previous > 0) {
    r.resetMs = s.windowStartMs + w;
  } else {
    r.resetMs = now;
  }
  return r;
}

RateLimitResult SlidingWindowCounter::peek(const State& s, std::int64_t nowMs,
                                           std::int64_t n) const {
  State copy = s;
  return consume(copy, nowMs, n);
}

bool SlidingWindowCounter::isIdle(const State& s, std::int64_t nowMs) const noexcept {
  State copy = s;
  roll(copy, clampTime(nowMs), windowMs_);
  return copy.current == 0 && copy.previous == 0;
}

}  // namespace nx::resilience
