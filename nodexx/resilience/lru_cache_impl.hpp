// SPDX-License-Identifier: MIT
// Template bodies of lru_cache.hpp. Layout: slots (key, value, recency links, hash tag) in one
// array; an open-addressing table of (32-bit hash tag, slot index) with linear probing and
// backward-shift deletion; TTL, size and autopurge data in parallel arrays that exist only when
// the options need them.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <new>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/warning.hpp"
#include "nodexx/resilience/lru_cache.hpp"

namespace nx::resilience {

namespace detail {
inline std::atomic<bool> lruUnboundedWarned{false};
inline constexpr std::uint32_t kLruMaxEntries = 1u << 31;
[[noreturn]] inline void lruInvalid(const char* message) {
  throw RangeError("ERR_INVALID_ARG_VALUE", message);
}
}  // namespace detail

template <class K, class V, class H, class E>
struct LruCache<K, V, H, E>::Slot {
  // Members of the unions are constructed and destroyed by the cache, as flags say.
  Slot() noexcept {}   // NOLINT(modernize-use-equals-default)
  ~Slot() {}           // NOLINT(modernize-use-equals-default)
  std::uint32_t prev;  // towards the least recently used; next of a free slot chains the free list
  std::uint32_t next;
  std::uint32_t tag;
  std::uint8_t flags;
  union {
    K key;
  };
  union {
    V value;
  };
};

namespace detail {
enum : std::uint8_t { kLruLive = 1, kLruHasValue = 2, kLruFetching = 4, kLruPurgeLinked = 8 };
}  // namespace detail

template <class K, class V, class H, class E>
struct LruCache<K, V, H, E>::FetchParams {
  std::int64_t ttl;
  std::size_t size;
  bool allowStale;
  bool updateAgeOnGet;
  bool noDisposeOnSet;
  bool noUpdateTTL;
  bool noDeleteOnFetchRejection;
  bool allowStaleOnFetchRejection;
  bool allowStaleOnFetchAbort;
  bool ignoreFetchAbort;
};

// One fetchMethod call. Owned by the cache while it is the entry's fetch (fetches_) and by the
// reaction to fetchMethod's promise; `cache` is null once the cache let go of it.
template <class K, class V, class H, class E>
struct LruCache<K, V, H, E>::FetchRecord {
  struct Waiter {
    typename Promise<std::optional<V>>::Resolvers resolvers;
    AbortSignal signal;
    ListenerId listener;
    std::uint64_t id;
  };
  LruCache* cache = nullptr;
  std::uint32_t slot = kNil;
  FetchParams params{};
  std::optional<V> stale;
  AbortController ac;
  std::vector<Waiter> waiters;
  std::uint64_t nextId = 0;
  bool keepAlive = false;  // a caller without a signal waits, or it is a background refresh
  bool finished = false;

  void resolveAll(const std::optional<V>& value) {
    auto ws = std::move(waiters);
    waiters.clear();
    for (auto& w : ws) {
      if (w.signal) w.signal.off(w.listener);
      w.resolvers.resolve(value);
    }
  }
  void rejectAll(const std::exception_ptr& error) {
    auto ws = std::move(waiters);
    waiters.clear();
    for (auto& w : ws) {
      if (w.signal) w.signal.off(w.listener);
      w.resolvers.reject(error);
    }
  }
};

template <class K, class V, class H, class E>
template <int Kind, bool Reverse>
class LruCache<K, V, H, E>::View {
 public:
  /// An input iterator over the cache's visible entries.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using difference_type = std::ptrdiff_t;
    using value_type =
        std::conditional_t<Kind == 0, K, std::conditional_t<Kind == 1, V, std::pair<K, V>>>;
    using reference =
        std::conditional_t<Kind == 0, const K&,
                           std::conditional_t<Kind == 1, const V&, std::pair<const K&, const V&>>>;

    /// An end iterator.
    iterator() noexcept = default;
    /// The current key, value or pair.
    reference operator*() const noexcept {
      const Slot& s = c_->slots_[i_];
      if constexpr (Kind == 0) {
        return s.key;
      } else if constexpr (Kind == 1) {
        return s.value;
      } else {
        return reference(s.key, s.value);
      }
    }
    /// Moves to the next visible entry.
    iterator& operator++() noexcept {
      i_ = step(i_);
      skip();
      return *this;
    }
    /// Moves to the next visible entry.
    void operator++(int) noexcept { ++*this; }
    /// Same position.
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

   private:
    friend class View;
    iterator(const LruCache* c, std::uint32_t i, std::int64_t now) noexcept
        : c_(c), i_(i), now_(now) {
      skip();
    }
    std::uint32_t step(std::uint32_t i) const noexcept {
      return Reverse ? c_->slots_[i].next : c_->slots_[i].prev;
    }
    void skip() noexcept {
      while (i_ != kNil && !visible()) i_ = step(i_);
    }
    bool visible() const noexcept {
      if ((c_->slots_[i_].flags & detail::kLruHasValue) == 0) return false;
      return c_->allowStale_ || !c_->hasTtl(i_) || !c_->isStale(i_, now_);
    }
    const LruCache* c_ = nullptr;
    std::uint32_t i_ = kNil;
    std::int64_t now_ = 0;
  };

  /// A view of `c`.
  explicit View(const LruCache* c) noexcept : c_(c) {}
  /// The first visible entry; reads the clock once for the whole pass.
  iterator begin() const {
    std::int64_t now = c_->ttlTracking_ ? c_->clock_->now() : 0;
    return iterator(c_, Reverse ? c_->head_ : c_->tail_, now);
  }
  /// Past the last entry.
  iterator end() const noexcept { return iterator(); }

 private:
  const LruCache* c_;
};

// ---- construction -------------------------------------------------------------------------

template <class K, class V, class H, class E>
LruCache<K, V, H, E>::LruCache(Options o)
    : anchor_(std::make_shared<Anchor>(Anchor{this})),
      clock_(o.clock != nullptr ? o.clock : &Clock::system()),
      max_(o.max),
      maxSize_(o.maxSize),
      maxEntrySize_(o.maxEntrySize != 0 ? o.maxEntrySize : o.maxSize),
      ttl_(o.ttl.count()),
      ttlAutopurge_(o.ttlAutopurge),
      allowStale_(o.allowStale),
      updateAgeOnGet_(o.updateAgeOnGet),
      updateAgeOnHas_(o.updateAgeOnHas),
      noDeleteOnStaleGet_(o.noDeleteOnStaleGet),
      noDisposeOnSet_(o.noDisposeOnSet),
      noUpdateTTL_(o.noUpdateTTL),
      noDeleteOnFetchRejection_(o.noDeleteOnFetchRejection),
      allowStaleOnFetchRejection_(o.allowStaleOnFetchRejection),
      allowStaleOnFetchAbort_(o.allowStaleOnFetchAbort),
      ignoreFetchAbort_(o.ignoreFetchAbort),
      sizeCalculation_(std::move(o.sizeCalculation)),
      dispose_(std::move(o.dispose)),
      fetchMethod_(std::move(o.fetchMethod)) {
  static_assert(std::is_copy_constructible_v<K> && std::is_nothrow_move_constructible_v<K>,
                "LruCache: K must be copyable and nothrow-movable");
  static_assert(std::is_nothrow_move_constructible_v<V>, "LruCache: V must be nothrow-movable");
  if (max_ > detail::kLruMaxEntries) detail::lruInvalid("max must be at most 2^31");
  if (ttl_ < 0) detail::lruInvalid("ttl must be a positive integer if specified");
  if (sizeCalculation_ && maxEntrySize_ == 0) {
    detail::lruInvalid("cannot set sizeCalculation without setting maxSize or maxEntrySize");
  }
  if (max_ == 0 && ttl_ == 0 && maxSize_ == 0) {
    detail::lruInvalid("At least one of max, maxSize, or ttl is required");
  }
  if (maxSize_ != 0 && maxEntrySize_ > maxSize_) maxEntrySize_ = maxSize_;
  sizeTracking_ = maxEntrySize_ != 0;
  ttlTracking_ = ttl_ != 0;
  if (!ttlAutopurge_ && max_ == 0 && maxSize_ == 0 && !detail::lruUnboundedWarned.exchange(true)) {
    process::emitWarning(
        "TTL caching without ttlAutopurge, max, or maxSize can result in unbounded memory "
        "consumption.",
        "UnboundedCacheWarning");
  }
  buckets_ = new Bucket[16];
  std::fill_n(buckets_, 16, Bucket{0, kNil});
  mask_ = 15;
  shift_ = 28;
}

template <class K, class V, class H, class E>
LruCache<K, V, H, E>::~LruCache() {
  anchor_->cache = nullptr;
  cancelPurge();
  // Fetches in flight lose their entry: their callers get AbortError (or the stale value with
  // allowStaleOnFetchAbort); fetchMethod's result is dropped.
  std::vector<std::shared_ptr<FetchRecord>> recs;
  for (auto& [slot, rec] : fetches_) {
    rec->cache = nullptr;
    rec->slot = kNil;
    recs.push_back(std::move(rec));
  }
  fetches_.clear();
  for (auto& a : aborts_) recs.push_back(std::move(a.first));
  aborts_.clear();
  for (auto& rec : recs) {
    if (!rec->finished)
      rec->ac.abort(std::make_exception_ptr(AbortError("The cache was destroyed")));
  }
  for (std::uint32_t i = 0; i < used_; ++i) {
    Slot& s = slots_[i];
    if ((s.flags & detail::kLruHasValue) != 0) s.value.~V();
    if ((s.flags & detail::kLruLive) != 0) s.key.~K();
  }
  delete[] slots_;
  delete[] buckets_;
}

// ---- hash table ---------------------------------------------------------------------------

template <class K, class V, class H, class E>
inline std::uint32_t LruCache<K, V, H, E>::tagOf(std::size_t hash) noexcept {
  // Fibonacci hashing: the high half of the product mixes every input bit.
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(hash) * 0x9E3779B97F4A7C15ull) >>
                                    32);
}

template <class K, class V, class H, class E>
inline std::uint32_t LruCache<K, V, H, E>::find(KeyArg key, std::uint32_t tag) const noexcept {
  std::uint32_t b = tag >> shift_;
  for (;;) {
    const Bucket& e = buckets_[b];
    if (e.slot == kNil) return kNil;
    if (e.tag == tag && eq_(slots_[e.slot].key, key)) return e.slot;
    b = (b + 1) & mask_;
  }
}

template <class K, class V, class H, class E>
inline void LruCache<K, V, H, E>::insertBucket(std::uint32_t tag, std::uint32_t slot) noexcept {
  std::uint32_t b = tag >> shift_;
  while (buckets_[b].slot != kNil) b = (b + 1) & mask_;
  buckets_[b] = Bucket{tag, slot};
}

template <class K, class V, class H, class E>
inline void LruCache<K, V, H, E>::eraseBucket(std::uint32_t tag, std::uint32_t slot) noexcept {
  std::uint32_t b = tag >> shift_;
  while (buckets_[b].slot != slot) b = (b + 1) & mask_;
  // Backward-shift deletion: pull later members of the probe run into the hole when their home
  // bucket does not lie cyclically in (hole, position]. No tombstones, so probes stay short.
  for (std::uint32_t j = b;;) {
    j = (j + 1) & mask_;
    if (buckets_[j].slot == kNil) break;
    std::uint32_t home = buckets_[j].tag >> shift_;
    if (((j - home) & mask_) >= ((j - b) & mask_)) {
      buckets_[b] = buckets_[j];
      b = j;
    }
  }
  buckets_[b].slot = kNil;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::growTable() {
  std::uint32_t n = (mask_ + 1) * 2;
  auto* fresh = new Bucket[n];
  std::fill_n(fresh, n, Bucket{0, kNil});
  Bucket* old = buckets_;
  std::uint32_t oldN = mask_ + 1;
  buckets_ = fresh;
  mask_ = n - 1;
  shift_ -= 1;
  for (std::uint32_t i = 0; i < oldN; ++i) {
    if (old[i].slot != kNil) insertBucket(old[i].tag, old[i].slot);
  }
  delete[] old;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::growSlots() {
  std::uint64_t limit = max_ != 0 ? max_ : detail::kLruMaxEntries;
  std::uint64_t n =
      std::min<std::uint64_t>(capacity_ != 0 ? std::uint64_t{capacity_} * 2 : 16, limit);
  if (n <= capacity_) detail::lruInvalid("LruCache: more than 2^31 entries");
  auto* fresh = new Slot[n];
  for (std::uint32_t i = 0; i < used_; ++i) {
    Slot& from = slots_[i];
    Slot& to = fresh[i];
    to.prev = from.prev;
    to.next = from.next;
    to.tag = from.tag;
    to.flags = from.flags;
    if ((from.flags & detail::kLruLive) != 0) {
      ::new (static_cast<void*>(&to.key)) K(std::move(from.key));
      from.key.~K();
    }
    if ((from.flags & detail::kLruHasValue) != 0) {
      ::new (static_cast<void*>(&to.value)) V(std::move(from.value));
      from.value.~V();
    }
  }
  delete[] slots_;
  slots_ = fresh;
  capacity_ = static_cast<std::uint32_t>(n);
  if (ttlTracking_) ttls_.resize(n, TtlInfo{0, 0});
  if (sizeTracking_) sizes_.resize(n, 0);
  if (ttlAutopurge_) purgeLinks_.resize(n, PurgeLink{kNil, kNil});
}

// ---- entries ------------------------------------------------------------------------------

template <class K, class V, class H, class E>
std::uint32_t LruCache<K, V, H, E>::insertNew(K&& key, std::uint32_t tag) {
  if (max_ != 0 && size_ >= max_) removeSlot(head_, DisposeReason::Evict);
  std::uint32_t i;
  if (free_ != kNil) {
    i = free_;
    free_ = slots_[i].next;
  } else {
    if (used_ == capacity_) growSlots();
    i = used_++;
  }
  // Small tables live in L1/L2, where branch mispredictions dominate: keep them at most 3/8
  // full (short probe runs). Large ones are memory-bound: 3/4, half the bytes.
  const std::size_t buckets = std::size_t{mask_} + 1;
  if ((size_ + 1) * (buckets <= 65536 ? 8 : 4) > buckets * 3) growTable();
  Slot& s = slots_[i];
  ::new (static_cast<void*>(&s.key)) K(std::move(key));
  s.flags = detail::kLruLive;
  s.tag = tag;
  s.prev = tail_;
  s.next = kNil;
  if (tail_ != kNil) {
    slots_[tail_].next = i;
  } else {
    head_ = i;
  }
  tail_ = i;
  insertBucket(tag, i);
  ++size_;
  if (sizeTracking_) sizes_[i] = 0;
  if (ttlTracking_) ttls_[i] = TtlInfo{0, 0};
  return i;
}

template <class K, class V, class H, class E>
inline void LruCache<K, V, H, E>::moveToTail(std::uint32_t i) noexcept {
  if (i == tail_) return;
  Slot& s = slots_[i];
  if (i == head_) {
    head_ = s.next;
    slots_[head_].prev = kNil;
  } else {
    slots_[s.prev].next = s.next;
    slots_[s.next].prev = s.prev;
  }
  s.prev = tail_;
  s.next = kNil;
  slots_[tail_].next = i;
  tail_ = i;
}

template <class K, class V, class H, class E>
inline void LruCache<K, V, H, E>::unlink(std::uint32_t i) noexcept {
  Slot& s = slots_[i];
  if (s.prev != kNil) {
    slots_[s.prev].next = s.next;
  } else {
    head_ = s.next;
  }
  if (s.next != kNil) {
    slots_[s.next].prev = s.prev;
  } else {
    tail_ = s.prev;
  }
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::detachExtras(std::uint32_t i, DisposeReason reason) {
  Slot& s = slots_[i];
  if ((s.flags & detail::kLruFetching) != 0) {
    detachFetch(i, reason == DisposeReason::Evict ? "The fetch was aborted: entry evicted"
                   : reason == DisposeReason::Set ? "The fetch was aborted: entry replaced"
                                                  : "The fetch was aborted: entry deleted");
  }
  if (sizeTracking_) {
    calculatedSize_ -= sizes_[i];
    sizes_[i] = 0;
  }
  if ((s.flags & detail::kLruPurgeLinked) != 0) purgeUnlink(i);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::removeSlot(std::uint32_t i, DisposeReason reason) {
  Slot& s = slots_[i];
  if ((s.flags & (detail::kLruFetching | detail::kLruPurgeLinked)) != 0 || sizeTracking_) {
    detachExtras(i, reason);
  }
  unlink(i);
  eraseBucket(s.tag, i);
  if ((s.flags & detail::kLruHasValue) != 0) {
    if (dispose_) disposals_.push_back(Disposal{std::move(s.key), std::move(s.value), reason});
    s.value.~V();
  }
  s.key.~K();
  s.flags = 0;
  s.next = free_;
  free_ = i;
  --size_;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::takeSlot(std::uint32_t i, DisposeReason reason, std::optional<V>& value,
                                    std::optional<K>& key) {
  Slot& s = slots_[i];
  detachExtras(i, reason);
  unlink(i);
  eraseBucket(s.tag, i);
  if ((s.flags & detail::kLruHasValue) != 0) {
    value.emplace(std::move(s.value));
    s.value.~V();
  }
  key.emplace(std::move(s.key));
  s.key.~K();
  s.flags = 0;
  s.next = free_;
  free_ = i;
  --size_;
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::assign(std::uint32_t i, V&& value, std::size_t size, std::int64_t ttl,
                                  bool noDisposeOnSet, bool noUpdateTTL) {
  moveToTail(i);
  Slot& s = slots_[i];
  if ((s.flags & detail::kLruFetching) != 0)
    detachFetch(i, "The fetch was aborted: entry replaced");
  if ((s.flags & detail::kLruHasValue) != 0) {
    if (dispose_ && !noDisposeOnSet) {
      bool same = false;
      if constexpr (std::equality_comparable<V>) same = static_cast<bool>(s.value == value);
      if (!same) disposals_.push_back(Disposal{K(s.key), std::move(s.value), DisposeReason::Set});
    }
    s.value.~V();
  }
  ::new (static_cast<void*>(&s.value)) V(std::move(value));
  s.flags |= detail::kLruHasValue;
  if (sizeTracking_) {
    calculatedSize_ -= sizes_[i];
    sizes_[i] = 0;
    addSize(i, size);
  }
  if (ttl != 0 && !ttlTracking_) {
    ttlTracking_ = true;
    ttls_.assign(capacity_, TtlInfo{0, 0});
  }
  if (ttlTracking_ && !noUpdateTTL) setItemTtl(i, ttl, ttl != 0 ? clock_->now() : 0);
  return true;
}

template <class K, class V, class H, class E>
std::size_t LruCache<K, V, H, E>::requireSize(const K& key, const V& value,
                                              std::size_t size) const {
  if (!sizeTracking_) {
    if (size != 0) {
      detail::lruInvalid("cannot set size without setting maxSize or maxEntrySize on cache");
    }
    return 0;
  }
  if (size != 0) return size;
  if (!sizeCalculation_) {
    detail::lruInvalid(
        "invalid size value (must be positive integer). When maxSize or maxEntrySize is used, "
        "sizeCalculation or size must be set.");
  }
  size = sizeCalculation_(value, key);
  if (size == 0) detail::lruInvalid("sizeCalculation return invalid (expect positive integer)");
  return size;
}

template <class K, class V, class H, class E>
std::int64_t LruCache<K, V, H, E>::ttlOf(const std::optional<Ttl>& ttl) const {
  if (!ttl) return ttl_;
  if (ttl->count() < 0) detail::lruInvalid("ttl must be a positive integer if specified");
  return ttl->count();
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::addSize(std::uint32_t i, std::size_t size) {
  sizes_[i] = size;
  if (maxSize_ != 0) {
    // size <= maxEntrySize_ <= maxSize_, and slot i is the most recent, so this stops before i.
    while (calculatedSize_ > maxSize_ - size) removeSlot(head_, DisposeReason::Evict);
  }
  calculatedSize_ += size;
}

template <class K, class V, class H, class E>
inline bool LruCache<K, V, H, E>::isStale(std::uint32_t i, std::int64_t now) const noexcept {
  const TtlInfo& t = ttls_[i];
  return t.ttl != 0 && now - t.start > t.ttl;
}

template <class K, class V, class H, class E>
inline bool LruCache<K, V, H, E>::hasTtl(std::uint32_t i) const noexcept {
  return ttlTracking_ && ttls_[i].ttl != 0;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::setItemTtl(std::uint32_t i, std::int64_t ttl, std::int64_t now) {
  if ((slots_[i].flags & detail::kLruPurgeLinked) != 0) purgeUnlink(i);
  ttls_[i] = TtlInfo{ttl != 0 ? now : 0, ttl};
  if (ttlAutopurge_ && ttl != 0) {
    purgeLink(i);
    armPurge(now + ttl + 1);
  }
}

// ---- public operations --------------------------------------------------------------------

template <class K, class V, class H, class E>
V* LruCache<K, V, H, E>::getPtr(KeyArg key, LruGetOptions o) {
  std::uint32_t i = find(key, tagOf(hash_(key)));
  if (i == kNil) return nullptr;
  if (hasTtl(i)) return getSlow(i, o);
  moveToTail(i);
  Slot& s = slots_[i];
  return (s.flags & detail::kLruHasValue) != 0 ? &s.value : nullptr;
}

template <class K, class V, class H, class E>
V* LruCache<K, V, H, E>::getSlow(std::uint32_t i, LruGetOptions o) {
  std::int64_t now = clock_->now();
  Slot& s = slots_[i];
  bool hasValue = (s.flags & detail::kLruHasValue) != 0;
  if (isStale(i, now)) {
    bool allowStale = o.allowStale.value_or(allowStale_);
    // A stale entry being refetched stays; its fetch replaces it.
    if ((s.flags & detail::kLruFetching) != 0) return allowStale && hasValue ? &s.value : nullptr;
    if (o.noDeleteOnStaleGet.value_or(noDeleteOnStaleGet_)) return allowStale ? &s.value : nullptr;
    if (!allowStale) {
      removeSlot(i, DisposeReason::Expire);
      flush();
      return nullptr;
    }
    staleHold_.reset();
    std::optional<K> k;
    takeSlot(i, DisposeReason::Expire, staleHold_, k);
    if (dispose_) dispose_(*staleHold_, *k, DisposeReason::Expire);
    flush();
    return &*staleHold_;
  }
  moveToTail(i);
  if (o.updateAgeOnGet.value_or(updateAgeOnGet_)) setItemTtl(i, ttls_[i].ttl, now);
  return hasValue ? &s.value : nullptr;
}

template <class K, class V, class H, class E>
std::optional<V> LruCache<K, V, H, E>::get(KeyArg key, LruGetOptions o) {
  V* p = getPtr(key, o);
  if (p == nullptr) return std::nullopt;
  if (staleHold_ && p == &*staleHold_) {
    std::optional<V> out(std::move(*staleHold_));
    staleHold_.reset();
    return out;
  }
  return *p;
}

template <class K, class V, class H, class E>
const V* LruCache<K, V, H, E>::peekPtr(KeyArg key, LruPeekOptions o) const {
  std::uint32_t i = find(key, tagOf(hash_(key)));
  if (i == kNil) return nullptr;
  if (!o.allowStale.value_or(allowStale_) && hasTtl(i) && isStale(i, clock_->now())) {
    return nullptr;
  }
  const Slot& s = slots_[i];
  return (s.flags & detail::kLruHasValue) != 0 ? &s.value : nullptr;
}

template <class K, class V, class H, class E>
std::optional<V> LruCache<K, V, H, E>::peek(KeyArg key, LruPeekOptions o) const {
  const V* p = peekPtr(key, o);
  if (p == nullptr) return std::nullopt;
  return *p;
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::has(KeyArg key, LruHasOptions o) {
  std::uint32_t i = find(key, tagOf(hash_(key)));
  if (i == kNil) return false;
  if ((slots_[i].flags & detail::kLruHasValue) == 0) return false;
  if (hasTtl(i)) {
    std::int64_t now = clock_->now();
    if (isStale(i, now)) return false;
    if (o.updateAgeOnHas.value_or(updateAgeOnHas_)) setItemTtl(i, ttls_[i].ttl, now);
  }
  return true;
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::set(K key, V value, const LruSetOptions& o) {
  return setImpl(std::move(key), std::move(value), ttlOf(o.ttl), o.size,
                 o.noDisposeOnSet.value_or(noDisposeOnSet_), o.noUpdateTTL.value_or(noUpdateTTL_));
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::setImpl(K&& key, V&& value, std::int64_t ttl, std::size_t size,
                                   bool noDisposeOnSet, bool noUpdateTTL) {
  size = requireSize(key, value, size);
  std::uint32_t tag = tagOf(hash_(static_cast<KeyArg>(key)));
  std::uint32_t i = find(key, tag);
  if (sizeTracking_ && size > maxEntrySize_) {
    if (i != kNil) removeSlot(i, DisposeReason::Set);
    flush();
    return false;
  }
  if (i != kNil) {
    assign(i, std::move(value), size, ttl, noDisposeOnSet, noUpdateTTL);
  } else {
    i = insertNew(std::move(key), tag);
    Slot& s = slots_[i];
    ::new (static_cast<void*>(&s.value)) V(std::move(value));
    s.flags |= detail::kLruHasValue;
    if (sizeTracking_) addSize(i, size);
    if (ttl != 0 && !ttlTracking_) {
      ttlTracking_ = true;
      ttls_.assign(capacity_, TtlInfo{0, 0});
    }
    if (ttlTracking_) setItemTtl(i, ttl, ttl != 0 ? clock_->now() : 0);
  }
  flush();
  return true;
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::del(KeyArg key) {
  std::uint32_t i = find(key, tagOf(hash_(key)));
  if (i == kNil) return false;
  removeSlot(i, DisposeReason::Delete);
  flush();
  return true;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::clear() {
  while (head_ != kNil) removeSlot(head_, DisposeReason::Delete);
  purgeLists_.clear();
  cancelPurge();
  flush();
}

template <class K, class V, class H, class E>
std::optional<V> LruCache<K, V, H, E>::pop() {
  while (head_ != kNil) {
    std::optional<V> v;
    std::optional<K> k;
    takeSlot(head_, DisposeReason::Evict, v, k);
    if (v) {
      if (dispose_) dispose_(*v, *k, DisposeReason::Evict);
      flush();
      return v;
    }
  }
  flush();
  return std::nullopt;
}

template <class K, class V, class H, class E>
bool LruCache<K, V, H, E>::purgeStale() {
  if (!ttlTracking_) return false;
  std::int64_t now = clock_->now();
  bool deleted = false;
  for (std::uint32_t i = head_; i != kNil;) {
    std::uint32_t next = slots_[i].next;
    if (isStale(i, now)) {
      removeSlot(i, DisposeReason::Expire);
      deleted = true;
    }
    i = next;
  }
  flush();
  return deleted;
}

template <class K, class V, class H, class E>
auto LruCache<K, V, H, E>::getRemainingTTL(KeyArg key) const -> Ttl {
  std::uint32_t i = find(key, tagOf(hash_(key)));
  if (i == kNil) return Ttl{0};
  if (!hasTtl(i)) return kNoTtl;
  return Ttl{ttls_[i].ttl - (clock_->now() - ttls_[i].start)};
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::flushSlow() {
  if (flushing_) return;  // the outer flush picks up what a dispose callback queued
  // On an exception from dispose, drop what was already handed out and keep the rest queued.
  struct Guard {
    LruCache& c;
    std::size_t done = 0;
    ~Guard() {
      if (done == c.disposals_.size()) {
        c.disposals_.clear();  // keeps the capacity
      } else {
        // Move-construct the rest (V need not be assignable).
        std::vector<Disposal> rest;
        rest.reserve(c.disposals_.size() - done);
        for (std::size_t n = done; n < c.disposals_.size(); ++n) {
          rest.push_back(std::move(c.disposals_[n]));
        }
        c.disposals_ = std::move(rest);
      }
      c.flushing_ = false;
    }
  };
  flushing_ = true;
  Guard g{*this};
  while (!aborts_.empty() || g.done < disposals_.size()) {
    // Aborting runs fetchMethod's abort listeners, which may use the cache; the records are
    // already detached, so the cache is consistent.
    for (std::size_t n = 0; n < aborts_.size(); ++n) {
      auto rec = std::move(aborts_[n].first);
      const char* why = aborts_[n].second;
      rec->ac.abort(std::make_exception_ptr(AbortError(why)));
    }
    aborts_.clear();
    while (g.done < disposals_.size()) {
      Disposal d = std::move(disposals_[g.done]);
      ++g.done;
      dispose_(d.value, d.key, d.reason);
    }
  }
}

// ---- ttlAutopurge -------------------------------------------------------------------------

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::purgeLink(std::uint32_t i) {
  PurgeList& l = purgeLists_.try_emplace(ttls_[i].ttl, PurgeList{kNil, kNil}).first->second;
  PurgeLink& p = purgeLinks_[i];
  p.prev = l.tail;
  p.next = kNil;
  if (l.tail != kNil) {
    purgeLinks_[l.tail].next = i;
  } else {
    l.head = i;
  }
  l.tail = i;
  slots_[i].flags |= detail::kLruPurgeLinked;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::purgeUnlink(std::uint32_t i) noexcept {
  auto it = purgeLists_.find(ttls_[i].ttl);
  PurgeList& l = it->second;
  PurgeLink& p = purgeLinks_[i];
  if (p.prev != kNil) {
    purgeLinks_[p.prev].next = p.next;
  } else {
    l.head = p.next;
  }
  if (p.next != kNil) {
    purgeLinks_[p.next].prev = p.prev;
  } else {
    l.tail = p.prev;
  }
  slots_[i].flags &= static_cast<std::uint8_t>(~detail::kLruPurgeLinked);
  if (l.head == kNil) purgeLists_.erase(it);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::armPurge(std::int64_t deadline) {
  if (deadline >= armedDeadline_) return;
  cancelPurge();
  armedDeadline_ = deadline;
  std::int64_t delay = std::max<std::int64_t>(deadline - clock_->now(), 0);
  auto fire = [anchor = anchor_, seq = armSeq_] {
    if (anchor->cache != nullptr && anchor->cache->armSeq_ == seq) anchor->cache->onPurgeTimer();
  };
  if (clock_ == &Clock::system()) {
    // A plain unref'd timer: the system clock's sleep() would keep the loop alive.
    purgeTimer_ = setTimeout(std::move(fire), static_cast<double>(delay));
    purgeTimer_.unref();
  } else {
    AbortController ac;
    purgeSleep_ = ac;
    (void)clock_->sleep(delay, ac.signal()).then(std::move(fire), [](std::exception_ptr) {});
  }
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::cancelPurge() {
  armedDeadline_ = INT64_MAX;
  ++armSeq_;
  if (purgeTimer_) {
    clearTimeout(purgeTimer_);
    purgeTimer_ = Timeout();
  }
  if (purgeSleep_) {
    AbortController ac = std::move(*purgeSleep_);
    purgeSleep_.reset();
    ac.abort();
  }
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::onPurgeTimer() {
  armedDeadline_ = INT64_MAX;
  ++armSeq_;
  purgeTimer_ = Timeout();
  purgeSleep_.reset();
  std::int64_t now = clock_->now();
  std::int64_t next = INT64_MAX;
  // Each list holds the entries of one TTL in start order, so only heads can be due.
  for (auto it = purgeLists_.begin(); it != purgeLists_.end();) {
    std::int64_t ttl = it->first;
    std::uint32_t h = it->second.head;
    if (isStale(h, now)) {
      removeSlot(h, DisposeReason::Expire);  // may erase the list
      it = purgeLists_.lower_bound(ttl);
      continue;
    }
    next = std::min(next, ttls_[h].start + ttl + 1);
    ++it;
  }
  if (next != INT64_MAX) armPurge(next);
  flush();
}

// ---- fetch --------------------------------------------------------------------------------

template <class K, class V, class H, class E>
auto LruCache<K, V, H, E>::paramsOf(const LruFetchOptions& o) const -> FetchParams {
  return FetchParams{
      .ttl = ttlOf(o.ttl),
      .size = o.size,
      .allowStale = o.allowStale.value_or(allowStale_),
      .updateAgeOnGet = o.updateAgeOnGet.value_or(updateAgeOnGet_),
      .noDisposeOnSet = o.noDisposeOnSet.value_or(noDisposeOnSet_),
      .noUpdateTTL = o.noUpdateTTL.value_or(noUpdateTTL_),
      .noDeleteOnFetchRejection = o.noDeleteOnFetchRejection.value_or(noDeleteOnFetchRejection_),
      .allowStaleOnFetchRejection =
          o.allowStaleOnFetchRejection.value_or(allowStaleOnFetchRejection_),
      .allowStaleOnFetchAbort = o.allowStaleOnFetchAbort.value_or(allowStaleOnFetchAbort_),
      .ignoreFetchAbort = o.ignoreFetchAbort.value_or(ignoreFetchAbort_),
  };
}

template <class K, class V, class H, class E>
Promise<std::optional<V>> LruCache<K, V, H, E>::fetch(K key, LruFetchOptions o,
                                                      AbortSignal signal) {
  using P = Promise<std::optional<V>>;
  if (!fetchMethod_) {
    return P::resolve(get(key, {o.allowStale, o.updateAgeOnGet, o.noDeleteOnStaleGet}));
  }
  if (signal.aborted()) return P::reject(signal.reason());
  if (o.ttl && o.ttl->count() < 0) {
    return P::reject(RangeError("ERR_INVALID_ARG_VALUE", "ttl must be a positive integer"));
  }
  if (sizeTracking_ && o.size == 0 && !sizeCalculation_) {
    return P::reject(RangeError("ERR_INVALID_ARG_VALUE",
                                "fetch() needs a size or sizeCalculation when sizes are tracked"));
  }
  FetchParams params = paramsOf(o);
  std::uint32_t i = find(key, tagOf(hash_(static_cast<KeyArg>(key))));
  if (i == kNil) {
    auto rec = startFetch(std::move(key), kNil, params, false);
    P out = join(rec, std::move(signal));
    flush();
    return out;
  }
  Slot& s = slots_[i];
  bool hasValue = (s.flags & detail::kLruHasValue) != 0;
  if ((s.flags & detail::kLruFetching) != 0) {
    if (params.allowStale && hasValue) return P::resolve(std::optional<V>(s.value));
    return join(fetches_.find(i)->second, std::move(signal));
  }
  std::int64_t now = hasTtl(i) ? clock_->now() : 0;
  bool stale = hasTtl(i) && isStale(i, now);
  if (!o.forceRefresh && !stale) {
    moveToTail(i);
    if (params.updateAgeOnGet && hasTtl(i)) setItemTtl(i, ttls_[i].ttl, now);
    return P::resolve(std::optional<V>(s.value));
  }
  if (params.allowStale) {
    // Stale-while-revalidate: answer now, refresh in the background.
    std::optional<V> out(s.value);
    (void)startFetch(K(s.key), i, params, true);
    flush();
    return P::resolve(std::move(out));
  }
  auto rec = startFetch(K(s.key), i, params, false);
  P out = join(rec, std::move(signal));
  flush();
  return out;
}

template <class K, class V, class H, class E>
auto LruCache<K, V, H, E>::startFetch(K key, std::uint32_t i, const FetchParams& params,
                                      bool background) -> std::shared_ptr<FetchRecord> {
  auto rec = std::make_shared<FetchRecord>();
  rec->cache = this;
  rec->params = params;
  rec->keepAlive = background;
  if (i == kNil) {
    // A placeholder entry, as lru-cache stores its promise: it takes a place in the LRU order
    // and counts 1 toward the size until the value arrives.
    i = insertNew(K(key), tagOf(hash_(static_cast<KeyArg>(key))));
    if (sizeTracking_) addSize(i, 1);
    if (params.ttl != 0 && !ttlTracking_) {
      ttlTracking_ = true;
      ttls_.assign(capacity_, TtlInfo{0, 0});
    }
    if (ttlTracking_) setItemTtl(i, params.ttl, params.ttl != 0 ? clock_->now() : 0);
  } else if ((slots_[i].flags & detail::kLruHasValue) != 0) {
    rec->stale.emplace(slots_[i].value);
  }
  slots_[i].flags |= detail::kLruFetching;
  rec->slot = i;
  fetches_[i] = rec;
  FetchRecord* raw = rec.get();  // the listener lives in rec's own controller: no cycle
  rec->ac.signal().onAbort([raw] { onFetchAbort(*raw); });
  Promise<std::optional<V>> pending;
  try {
    pending = fetchMethod_(std::move(key), rec->stale, rec->ac.signal());
  } catch (...) {
    // As in lru-cache (a Promise executor), a synchronous throw rejects the fetch.
    pending = Promise<std::optional<V>>::reject(std::current_exception());
  }
  if (!pending) {
    pending = Promise<std::optional<V>>::reject(
        RangeError("ERR_INVALID_RETURN_VALUE", "fetchMethod returned an empty Promise"));
  }
  (void)pending.then([rec](std::optional<V>& v) { onFetchValue(rec, std::move(v)); },
                     [rec](std::exception_ptr e) { onFetchError(rec, std::move(e)); });
  return rec;
}

template <class K, class V, class H, class E>
Promise<std::optional<V>> LruCache<K, V, H, E>::join(const std::shared_ptr<FetchRecord>& rec,
                                                     AbortSignal signal) {
  if (rec->finished) {
    return Promise<std::optional<V>>::reject(AbortError("The fetch was aborted"));
  }
  auto r = Promise<std::optional<V>>::withResolvers();
  typename FetchRecord::Waiter w{r, signal, 0, ++rec->nextId};
  if (signal) {
    w.listener = signal.onAbort([weak = std::weak_ptr<FetchRecord>(rec), id = w.id] {
      if (auto locked = weak.lock()) onWaiterAbort(locked, id);
    });
  } else {
    rec->keepAlive = true;
  }
  rec->waiters.push_back(std::move(w));
  return r.promise;
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::detachFetch(std::uint32_t i, const char* why) {
  auto it = fetches_.find(i);
  std::shared_ptr<FetchRecord> rec = std::move(it->second);
  fetches_.erase(it);
  rec->cache = nullptr;
  rec->slot = kNil;
  slots_[i].flags &= static_cast<std::uint8_t>(~detail::kLruFetching);
  // Aborted after the operation, when the cache is consistent again (see flushSlow).
  if (!rec->finished) aborts_.emplace_back(std::move(rec), why);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::restoreStale(std::uint32_t i) {
  auto it = fetches_.find(i);
  it->second->cache = nullptr;
  it->second->slot = kNil;
  fetches_.erase(it);
  slots_[i].flags &= static_cast<std::uint8_t>(~detail::kLruFetching);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::onWaiterAbort(const std::shared_ptr<FetchRecord>& rec,
                                         std::uint64_t id) {
  auto it = std::find_if(rec->waiters.begin(), rec->waiters.end(),
                         [id](const auto& w) { return w.id == id; });
  if (it == rec->waiters.end()) return;
  auto w = std::move(*it);
  rec->waiters.erase(it);
  std::exception_ptr reason = w.signal.reason();
  if (rec->params.allowStaleOnFetchAbort) {
    w.resolvers.resolve(rec->stale);
  } else {
    w.resolvers.reject(reason);
  }
  // The fetch itself stops once nobody wants it any more.
  if (!rec->finished && !rec->keepAlive && rec->waiters.empty()) rec->ac.abort(reason);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::onFetchAbort(FetchRecord& rec) {
  if (rec.finished || rec.params.ignoreFetchAbort) return;
  finishFailed(rec, rec.ac.signal().reason(), true);
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::finishFailed(FetchRecord& rec, std::exception_ptr error, bool aborted) {
  rec.finished = true;
  const FetchParams& p = rec.params;
  bool allowStale = (aborted && p.allowStaleOnFetchAbort) || p.allowStaleOnFetchRejection;
  bool noDelete = allowStale || p.noDeleteOnFetchRejection;
  if (LruCache* c = rec.cache) {
    std::uint32_t i = rec.slot;
    if (noDelete && (c->slots_[i].flags & detail::kLruHasValue) != 0) {
      c->restoreStale(i);
    } else {
      c->removeSlot(i, DisposeReason::Fetch);
    }
    c->flush();
  }
  if (allowStale) {
    rec.resolveAll(rec.stale);
  } else {
    rec.rejectAll(error);
  }
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::onFetchError(const std::shared_ptr<FetchRecord>& rec,
                                        std::exception_ptr error) {
  if (rec->finished) return;
  finishFailed(*rec, std::move(error), rec->ac.signal().aborted());
}

template <class K, class V, class H, class E>
void LruCache<K, V, H, E>::onFetchValue(const std::shared_ptr<FetchRecord>& rec,
                                        std::optional<V> value) {
  FetchRecord& r = *rec;
  if (r.finished) return;
  if (!value && r.ac.signal().aborted()) {
    finishFailed(r, r.ac.signal().reason(), true);
    return;
  }
  r.finished = true;
  if (LruCache* c = r.cache) {
    std::uint32_t i = r.slot;
    if (!value) {
      if ((c->slots_[i].flags & detail::kLruHasValue) != 0) {
        c->restoreStale(i);
      } else {
        c->removeSlot(i, DisposeReason::Fetch);
      }
    } else {
      c->restoreStale(i);  // detaches the record; the entry now takes the fetched value
      const FetchParams& p = r.params;
      std::size_t size = 0;
      if (c->sizeTracking_) {
        size = p.size != 0 ? p.size : c->sizeCalculation_(*value, c->slots_[i].key);
      }
      if (c->sizeTracking_ && (size == 0 || size > c->maxEntrySize_)) {
        c->removeSlot(i, DisposeReason::Set);
      } else {
        c->assign(i, V(*value), size, p.ttl, p.noDisposeOnSet, p.noUpdateTTL);
      }
    }
    c->flush();
  }
  r.resolveAll(value);
}

}  // namespace nx::resilience
