// SPDX-License-Identifier: MIT
// Template bodies of MemoryRateLimitStore; included at the bottom of memory_rate_limit_store.hpp.
#pragma once

#include <algorithm>

#include "nodexx/core/errors.hpp"

namespace nx::resilience {

template <RateLimitAlgorithm Algorithm>
MemoryRateLimitStore<Algorithm>::MemoryRateLimitStore(Algorithm algorithm, Options options)
    : algorithm_(std::move(algorithm)), options_(options) {
  if (options_.maxKeys == 0) {
    throw RangeError("ERR_OUT_OF_RANGE", "MemoryRateLimitStore: maxKeys must be >= 1");
  }
}

template <RateLimitAlgorithm Algorithm>
RateLimitResult MemoryRateLimitStore<Algorithm>::consume(std::string_view key, std::int64_t n,
                                                         std::int64_t nowMs) {
  std::int64_t t = advanceTime(nowMs);
  if (auto it = map_.find(key); it != map_.end()) {
    Slot& s = it->second;
    if (&s != head_) {
      unlink(s);
      link(s);
    }
    return toCaller(algorithm_.consume(s.state, t, n), t, nowMs);
  }
  // A new key. When nothing can be taken (n = 0, or more than a fresh state allows) its state
  // would stay fresh: answer without storing it. A negative n throws from peek.
  if (n <= 0 || n > algorithm_.limit()) return toCaller(algorithm_.peek(State{}, t, n), t, nowMs);
  insert(key, t);
  return toCaller(algorithm_.consume(head_->state, t, n), t, nowMs);
}

template <RateLimitAlgorithm Algorithm>
void MemoryRateLimitStore<Algorithm>::reset(std::string_view key) {
  if (auto it = map_.find(key); it != map_.end()) {
    unlink(it->second);
    map_.erase(it);
  }
}

template <RateLimitAlgorithm Algorithm>
RateLimitResult MemoryRateLimitStore<Algorithm>::peek(std::string_view key, std::int64_t n,
                                                      std::int64_t nowMs) const {
  std::int64_t t = timeAt(nowMs);
  auto it = map_.find(key);
  return toCaller(algorithm_.peek(it != map_.end() ? it->second.state : State{}, t, n), t, nowMs);
}

template <RateLimitAlgorithm Algorithm>
std::size_t MemoryRateLimitStore<Algorithm>::sweep(std::int64_t nowMs, std::size_t maxVisits) {
  std::int64_t t = advanceTime(nowMs);
  std::size_t dropped = 0;
  Slot* s = tail_;
  for (std::size_t visits = 0; s != nullptr && visits < maxVisits; ++visits) {
    Slot* newer = s->newer;
    if (algorithm_.isIdle(s->state, t)) {
      extract(*s);  // the returned node handle frees the node
      ++dropped;
    }
    s = newer;
  }
  return dropped;
}

template <RateLimitAlgorithm Algorithm>
void MemoryRateLimitStore<Algorithm>::link(Slot& s) noexcept {
  s.newer = nullptr;
  s.older = head_;
  if (head_ != nullptr) head_->newer = &s;
  head_ = &s;
  if (tail_ == nullptr) tail_ = &s;
}

template <RateLimitAlgorithm Algorithm>
void MemoryRateLimitStore<Algorithm>::unlink(Slot& s) noexcept {
  (s.newer != nullptr ? s.newer->older : head_) = s.older;
  (s.older != nullptr ? s.older->newer : tail_) = s.newer;
  s.newer = s.older = nullptr;
}

template <RateLimitAlgorithm Algorithm>
typename MemoryRateLimitStore<Algorithm>::Map::node_type MemoryRateLimitStore<Algorithm>::extract(
    Slot& s) {
  unlink(s);
  return map_.extract(map_.find(*s.key));
}

template <RateLimitAlgorithm Algorithm>
void MemoryRateLimitStore<Algorithm>::insert(std::string_view key, std::int64_t now) {
  // Make room first: idle keys from the old end (their nodes are reusable as they are), then,
  // if still full, the least recently used key whatever its state.
  std::optional<typename Map::node_type> spare;
  for (std::size_t i = 0;
       i < options_.sweepPerInsert && tail_ != nullptr && algorithm_.isIdle(tail_->state, now);
       ++i) {
    auto node = extract(*tail_);
    if (!spare) spare = std::move(node);
  }
  if (map_.size() >= options_.maxKeys) {
    auto node = extract(*tail_);
    if (!spare) spare = std::move(node);
  }
  typename Map::iterator it;
  if (spare) {
    // Reusing the node keeps its key's buffer and, for states that own memory (the log), the
    // state's buffer: the clear() below keeps capacity where a new State would not.
    spare->key().assign(key);
    if constexpr (requires(State & st) { st.clear(); }) {
      spare->mapped().state.clear();
    } else {
      spare->mapped().state = State{};
    }
    it = map_.insert(std::move(*spare)).position;
  } else {
    it = map_.emplace(std::string(key), Slot{}).first;
  }
  it->second.key = &it->first;
  link(it->second);
}

template <RateLimitAlgorithm Algorithm>
std::int64_t MemoryRateLimitStore<Algorithm>::advanceTime(std::int64_t nowMs) noexcept {
  std::int64_t t = timeAt(nowMs);
  hasTime_ = true;
  lastReading_ = std::clamp(nowMs, kMinTimeMs, kMaxTimeMs);
  storeNow_ = t;
  return t;
}

template <RateLimitAlgorithm Algorithm>
std::int64_t MemoryRateLimitStore<Algorithm>::timeAt(std::int64_t nowMs) const noexcept {
  std::int64_t now = std::clamp(nowMs, kMinTimeMs, kMaxTimeMs);
  if (!hasTime_) return now;
  if (now <= lastReading_) return storeNow_;
  // Forward steps add up; saturate rather than overflow (only after 2^62 ms of steps back).
  std::int64_t step = now - lastReading_;
  return step >= kMaxTimeMs - storeNow_ ? kMaxTimeMs : storeNow_ + step;
}

template <RateLimitAlgorithm Algorithm>
RateLimitResult MemoryRateLimitStore<Algorithm>::toCaller(RateLimitResult r, std::int64_t t,
                                                          std::int64_t nowMs) noexcept {
  // resetMs - t is in [0, 2^62], so this cannot overflow.
  r.resetMs = std::clamp(nowMs, kMinTimeMs, kMaxTimeMs) + (r.resetMs - t);
  return r;
}

}  // namespace nx::resilience
