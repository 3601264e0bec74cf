// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "nodexx/resilience/rate_limit.hpp"

namespace nx::resilience {

/// A RateLimitStore in this process's memory: a hash map from key to the algorithm's State,
/// for one loop (not thread-safe; one store per worker, or a shared store in Redis later).
///
/// Cost: consume on a known key is one hash lookup by string_view (no allocation, no copy of
/// the key) plus the algorithm; a new key allocates its map node once (or reuses a node freed
/// by the sweep, see below). A request that leaves the key's state as fresh (n = 0, or denied
/// on a key never seen) stores nothing.
///
/// Memory is bounded two ways. (1) Idle keys: keys are kept in least-recently-used order, and
/// each consume that adds a key first drops up to `sweepPerInsert` keys from the old end whose
/// state is idle (back to full, Algorithm::isIdle), reusing the first freed node. Dropping an
/// idle key changes no answer. This sweep is driven by the nowMs of the calls themselves, so it
/// needs no timer; sweep(nowMs) does a larger pass on demand, e.g. from a setInterval on the
/// application's Clock. (2) A hard cap, `maxKeys`: when a new key finds the store full of
/// non-idle keys, the least recently used one is dropped anyway. That forgets its usage, so
/// that client gets a fresh allowance (fail-open); size maxKeys above the number of clients
/// active within one window (or one refill of the bucket) to make this rare.
///
/// Time: the nowMs of consume() and sweep() are one clock for the whole store, and the store
/// applies the backwards-clock rule once for all keys: a step back is no time passing for every
/// key (the store's clock adds up forward steps only). So a key's state only ever sees time move
/// forward, an idle key stays idle, and dropping it stays invisible. Results are reported on the
/// caller's clock.
template <RateLimitAlgorithm Algorithm>
class MemoryRateLimitStore final : public RateLimitStore {
 public:
  using State = typename Algorithm::State;

  struct Options {
    /// The most keys held (≥ 1). Default 100'000 (a few MB for the counter algorithms).
    std::size_t maxKeys = 100'000;
    /// Idle keys dropped, at most, from the least recently used end when a key is added.
    /// Default 2, so the store shrinks while clients come and go; 0 disables the sweep.
    std::size_t sweepPerInsert = 2;
  };

  /// A store applying `algorithm` to every key. RangeError if options.maxKeys is 0.
  explicit MemoryRateLimitStore(Algorithm algorithm, Options options = {});
  ~MemoryRateLimitStore() override = default;
  MemoryRateLimitStore(const MemoryRateLimitStore&) = delete;
  MemoryRateLimitStore& operator=(const MemoryRateLimitStore&) = delete;

  /// Algorithm::consume on key's state (a fresh one for a new key) at nowMs. Marks the key as
  /// recently used. RangeError for n < 0.
  RateLimitResult consume(std::string_view key, std::int64_t n, std::int64_t nowMs) override;
  /// Drops key's state.
  void reset(std::string_view key) override;

  /// What consume would answer, without changing anything (not even the recency order or the
  /// store's clock).
  RateLimitResult peek(std::string_view key, std::int64_t n, std::int64_t nowMs) const;
  /// Drops idle keys, visiting at most `maxVisits` keys from the least recently used end; a
  /// full pass by default (O(keys)). nowMs advances the store's clock as consume's does.
  /// Returns how many it dropped.
  std::size_t sweep(std::int64_t nowMs,
                    std::size_t maxVisits = std::numeric_limits<std::size_t>::max());
  /// Keys held.
  std::size_t size() const noexcept { return map_.size(); }
  /// Whether key has a state (it may be idle and not yet swept).
  bool contains(std::string_view key) const { return map_.find(key) != map_.end(); }
  const Algorithm& algorithm() const noexcept { return algorithm_; }
  const Options& options() const noexcept { return options_; }

 private:
  struct Slot {
    State state{};
    // Recency list, most recent at head_. The key lives in the map node, whose address is
    // stable for the node's lifetime (also across rehashing and node reuse).
    const std::string* key = nullptr;
    Slot* newer = nullptr;
    Slot* older = nullptr;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Map = std::unordered_map<std::string, Slot, Hash, std::equal_to<>>;

  void link(Slot& s) noexcept;
  void unlink(Slot& s) noexcept;
  typename Map::node_type extract(Slot& s);
  /// Adds key with a fresh state at the head of the recency list, making room first.
  void insert(std::string_view key, std::int64_t now);
  /// The store's monotonic time for the caller's nowMs, advancing the store's clock.
  std::int64_t advanceTime(std::int64_t nowMs) noexcept;
  /// The same without advancing (peek): a backwards reading maps to the latest store time.
  std::int64_t timeAt(std::int64_t nowMs) const noexcept;
  /// `r` with resetMs moved from store time `t` back to the caller's clock reading `nowMs`.
  static RateLimitResult toCaller(RateLimitResult r, std::int64_t t, std::int64_t nowMs) noexcept;

  Algorithm algorithm_;
  Options options_;
  Map map_;
  Slot* head_ = nullptr;
  Slot* tail_ = nullptr;
  // The store's clock: it advances by the forward steps of the readings only, so a step back is
  // no time passing. It saturates at kMaxTimeMs (only after 2^62 ms of steps back).
  bool hasTime_ = false;
  std::int64_t lastReading_ = 0;
  std::int64_t storeNow_ = 0;
};

}  // namespace nx::resilience

#include "nodexx/resilience/memory_rate_limit_store_impl.hpp"  // IWYU pragma: export
