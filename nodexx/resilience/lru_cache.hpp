// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/resilience/clock.hpp"

namespace nx::resilience {

/// Why an entry left the cache, as passed to LruCacheOptions::dispose (lru-cache's reasons).
enum class DisposeReason : unsigned char {
  Evict,   ///< dropped to make room (max, maxSize) or taken by pop()
  Set,     ///< overwritten by set(), or dropped because its new value exceeds maxEntrySize
  Delete,  ///< removed by del() or clear()
  Expire,  ///< its TTL ran out (found stale by get(), purgeStale() or ttlAutopurge)
  Fetch,   ///< its fetch failed or was aborted, or fetchMethod resolved to std::nullopt
};

/// lru-cache's name of a reason: "evict", "set", "delete", "expire" or "fetch".
constexpr std::string_view toString(DisposeReason reason) noexcept {
  constexpr std::string_view kNames[] = {"evict", "set", "delete", "expire", "fetch"};
  return kNames[static_cast<unsigned>(reason)];
}

/// The default hash of LruCache: std::hash<K>. The table multiplies every hash by a 64-bit odd
/// constant and uses the high bits (Fibonacci hashing), so identity hashes of integers spread.
template <class K>
struct LruHash {
  /// std::hash<K>{}(key).
  std::size_t operator()(const K& key) const noexcept(noexcept(std::hash<K>{}(key))) {
    return std::hash<K>{}(key);
  }
};

/// Transparent for std::string keys: lookups take a std::string_view and never allocate.
template <>
struct LruHash<std::string> {
  using is_transparent = void;  ///< lookups by std::string_view
  /// std::hash<std::string_view>{}(key).
  std::size_t operator()(std::string_view key) const noexcept {
    return std::hash<std::string_view>{}(key);
  }
};

/// Constructor options, lru-cache v11's names and defaults. At least one of max, maxSize and
/// ttl must be set (RangeError otherwise). Designated initialisers follow this order.
template <class K, class V>
struct LruCacheOptions {
  /// Most entries held; the least recently used is evicted to make room. 0 = no count limit.
  /// At most 2^31. Storage grows on demand up to max (lru-cache allocates max up front).
  std::size_t max = 0;
  /// Most total size (sum of entry sizes, in the caller's unit); 0 = no size limit.
  std::size_t maxSize = 0;
  /// An entry's size (> 0) when set() gives none. Requires maxSize or maxEntrySize.
  std::function<std::size_t(const V&, const K&)> sizeCalculation{};
  /// Largest single entry; a bigger one is not stored (and replaces nothing). Defaults to
  /// maxSize and is capped at it.
  std::size_t maxEntrySize = 0;
  /// Default time to live of an entry, measured on `clock`; 0 = entries do not expire. Expiry
  /// is lazy (checked on access) unless ttlAutopurge.
  std::chrono::milliseconds ttl{0};
  /// Deletes entries as they expire, with one timer for the earliest expiry. On the system
  /// clock that timer is unref'd (it never keeps the loop alive, as lru-cache's); another clock
  /// is driven through Clock::sleep.
  bool ttlAutopurge = false;
  /// get(), fetch() and iteration may return an expired value (get() still deletes it).
  bool allowStale = false;
  /// get() restarts the entry's TTL.
  bool updateAgeOnGet = false;
  /// has() restarts the entry's TTL.
  bool updateAgeOnHas = false;
  /// get() of an expired entry leaves it in the cache.
  bool noDeleteOnStaleGet = false;
  /// set() over an existing entry does not dispose of the old value.
  bool noDisposeOnSet = false;
  /// set() over an existing entry keeps its TTL clock running.
  bool noUpdateTTL = false;
  /// Called for each value that leaves the cache, after the operation that removed it has
  /// completed (lru-cache's disposeAfter timing), so it may use the cache. It may move from
  /// the value. Not called by the destructor. A value replaced by an equal one (V's ==, when
  /// it has one) is not disposed, like lru-cache's identity check.
  std::function<void(V&, const K&, DisposeReason)> dispose{};
  /// Loads a missing or stale entry for fetch(): (key, stale value or nullopt, signal). The
  /// signal aborts when every caller waiting for it gave up or the cache drops the entry.
  /// Resolving to std::nullopt means "no value": the entry is removed (or the stale value kept).
  std::function<Promise<std::optional<V>>(K, std::optional<V>, AbortSignal)> fetchMethod{};
  /// A failed fetch keeps the stale value instead of deleting the entry.
  bool noDeleteOnFetchRejection = false;
  /// A failed fetch resolves to the stale value (or nullopt) instead of rejecting; implies
  /// noDeleteOnFetchRejection.
  bool allowStaleOnFetchRejection = false;
  /// A fetch() whose signal aborts resolves to the stale value (or nullopt) instead of
  /// rejecting with the signal's reason; the entry keeps its stale value.
  bool allowStaleOnFetchAbort = false;
  /// The fetch goes on when its signal aborts, and its value is still cached.
  bool ignoreFetchAbort = false;
  /// Time source for TTLs and autopurge; null = Clock::system(). Must outlive the cache.
  Clock* clock = nullptr;
};

/// Per-call options of set().
struct LruSetOptions {
  /// This entry's TTL; unset = the cache's ttl; 0 = never expires.
  std::optional<std::chrono::milliseconds> ttl{};
  /// This entry's size (> 0); 0 = use sizeCalculation.
  std::size_t size = 0;
  std::optional<bool> noDisposeOnSet{};  ///< overrides LruCacheOptions::noDisposeOnSet
  std::optional<bool> noUpdateTTL{};     ///< overrides LruCacheOptions::noUpdateTTL
};

/// Per-call options of get() and getPtr(); unset members take the cache's options.
struct LruGetOptions {
  std::optional<bool> allowStale{};          ///< overrides LruCacheOptions::allowStale
  std::optional<bool> updateAgeOnGet{};      ///< overrides LruCacheOptions::updateAgeOnGet
  std::optional<bool> noDeleteOnStaleGet{};  ///< overrides LruCacheOptions::noDeleteOnStaleGet
};

/// Per-call options of peek() and peekPtr().
struct LruPeekOptions {
  std::optional<bool> allowStale{};  ///< overrides LruCacheOptions::allowStale
};

/// Per-call options of has().
struct LruHasOptions {
  std::optional<bool> updateAgeOnHas{};  ///< overrides LruCacheOptions::updateAgeOnHas
};

/// Per-call options of fetch(); unset members take the cache's options. Only trivially
/// destructible members, so a braced temporary is safe inside co_await with g++ 12.
struct LruFetchOptions {
  /// Calls fetchMethod even when a fresh value is cached (joins one already in flight).
  bool forceRefresh = false;
  std::optional<std::chrono::milliseconds> ttl{};  ///< TTL of the fetched value
  std::size_t size = 0;                            ///< size of the fetched value
  // Each overrides the LruCacheOptions member of the same name for this call.
  std::optional<bool> allowStale{};                  ///< see LruCacheOptions
  std::optional<bool> updateAgeOnGet{};              ///< see LruCacheOptions
  std::optional<bool> noDeleteOnStaleGet{};          ///< see LruCacheOptions
  std::optional<bool> noDisposeOnSet{};              ///< see LruCacheOptions
  std::optional<bool> noUpdateTTL{};                 ///< see LruCacheOptions
  std::optional<bool> noDeleteOnFetchRejection{};    ///< see LruCacheOptions
  std::optional<bool> allowStaleOnFetchRejection{};  ///< see LruCacheOptions
  std::optional<bool> allowStaleOnFetchAbort{};      ///< see LruCacheOptions
  std::optional<bool> ignoreFetchAbort{};            ///< see LruCacheOptions
};
static_assert(std::is_trivially_destructible_v<LruFetchOptions>);

/// A hash whose lookups take other types than the key (std::string_view for std::string).
template <class H>
concept LruTransparent = requires {
  typename H::is_transparent;
};

/// An LRU cache with optional size limits, TTLs and a de-duplicating async fetch(): npm
/// lru-cache v11 in C++ (same option names, defaults and expiry rules; deviations are listed in
/// nodexx/resilience/README.md). get, set, has, peek, del and pop are O(1); get() never
/// allocates. Entries live in one array of slots (key, value, recency links) indexed by an
/// open-addressing hash table; freed slots are reused.
///
/// `Hash` and `KeyEqual` work on KeyArg: for std::string keys with a transparent hash (the
/// default) lookups take a std::string_view, otherwise a const K&. K must be copyable and
/// nothrow-movable, V nothrow-movable; get() and fetch() also need a copyable V.
///
/// Pointers and references into the cache (getPtr(), iteration) stay valid until the next call
/// that may change the cache. Loop-affine, not thread-safe. Neither copyable nor movable (timers
/// and fetches refer to it); destroying it aborts its fetches without calling dispose.
template <class K, class V, class Hash = LruHash<K>, class KeyEqual = std::equal_to<>>
class LruCache {
 public:
  /// The constructor's options.
  using Options = LruCacheOptions<K, V>;
  /// What lookups take: std::string_view for std::string keys with a transparent Hash,
  /// const K& otherwise.
  using KeyArg = std::conditional_t<std::is_same_v<K, std::string> && LruTransparent<Hash>,
                                    std::string_view, const K&>;
  /// TTL in milliseconds, as getRemainingTTL() reports it.
  using Ttl = std::chrono::milliseconds;
  /// What getRemainingTTL() returns for an entry without a TTL (lru-cache's Infinity).
  static constexpr Ttl kNoTtl = Ttl::max();

  /// Validates `options` (RangeError with code ERR_INVALID_ARG_VALUE) and creates an empty
  /// cache. A ttl without max, maxSize or ttlAutopurge prints lru-cache's
  /// UnboundedCacheWarning once per process.
  explicit LruCache(Options options);
  /// Aborts fetches in flight (their callers reject with AbortError), cancels the autopurge
  /// timer and destroys the entries without calling dispose.
  ~LruCache();
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  /// The value for `key`, made most recently used; nullopt if absent, expired (and then
  /// deleted unless noDeleteOnStaleGet; returned anyway with allowStale) or still being
  /// fetched without a stale value. Copies the value; see getPtr().
  std::optional<V> get(KeyArg key, LruGetOptions options = {});
  /// get() without the copy: a pointer to the cached value, or null.
  V* getPtr(KeyArg key, LruGetOptions options = {});
  /// The value without touching recency or age; nullopt if absent, or expired without
  /// allowStale. Never deletes.
  std::optional<V> peek(KeyArg key, LruPeekOptions options = {}) const;
  /// peek() without the copy.
  const V* peekPtr(KeyArg key, LruPeekOptions options = {}) const;
  /// True if `key` holds a value that has not expired. No recency update.
  bool has(KeyArg key, LruHasOptions options = {});
  /// Stores `value` as most recently used, evicting least recently used entries beyond max or
  /// maxSize. Returns false (and deletes any old entry, reason Set) if the value's size
  /// exceeds maxEntrySize. RangeError for a missing or zero size when sizes are tracked, or a
  /// size without maxSize/maxEntrySize. Aborts a fetch in flight for the key.
  bool set(K key, V value, const LruSetOptions& options);
  /// set() with the cache's defaults.
  bool set(K key, V value) {
    return setImpl(std::move(key), std::move(value), ttl_, 0, noDisposeOnSet_, noUpdateTTL_);
  }
  /// Deletes `key` (lru-cache's delete(); `delete` is a C++ keyword, `del` was lru-cache's
  /// name up to v6). Returns whether it was there; disposes with reason Delete.
  bool del(KeyArg key);
  /// Deletes every entry (reason Delete, least recently used first) and aborts every fetch.
  void clear();
  /// Removes the least recently used entry and returns its value (reason Evict); nullopt when
  /// empty. In-flight fetches without a stale value are dropped on the way.
  std::optional<V> pop();
  /// Deletes every expired entry (reason Expire); true if any was.
  bool purgeStale();
  /// Milliseconds until `key` expires (negative once expired but still held), kNoTtl if it
  /// has no TTL, 0 if absent.
  Ttl getRemainingTTL(KeyArg key) const;

  /// Like get(), but on a miss or an expired entry calls fetchMethod once for all concurrent
  /// callers (one call in flight per key). With allowStale, an expired value resolves at once
  /// while the refresh runs in the background (stale-while-revalidate). The promise resolves
  /// to the value, or nullopt when fetchMethod produced none; it rejects with fetchMethod's
  /// error or, when `signal` aborts first, with the signal's reason (this caller only; the
  /// fetch itself is aborted once no caller waits for it). Without fetchMethod it is get().
  /// The cache must outlive the fetchMethod call. Rules: nodexx/resilience/README.md.
  Promise<std::optional<V>> fetch(K key, LruFetchOptions options = {}, AbortSignal signal = {});

  /// Entries held, including fetches in flight (as lru-cache counts them).
  std::size_t size() const noexcept { return size_; }
  /// Sum of the entries' sizes (0 unless maxSize or maxEntrySize is set).
  std::size_t calculatedSize() const noexcept { return calculatedSize_; }
  /// The options' max (0 = no count limit).
  std::size_t max() const noexcept { return max_; }
  /// The options' maxSize (0 = no size limit).
  std::size_t maxSize() const noexcept { return maxSize_; }

  /// A range over the entries: Kind 0 yields const K&, 1 const V&, 2 std::pair<const K&,
  /// const V&>; Reverse goes from the least recently used. Valid until the cache changes.
  template <int Kind, bool Reverse>
  class View;
  /// Keys, values or (key, value) pairs, most recently used first, skipping expired entries
  /// (unless allowStale) and fetches without a value. No recency update. Iterators are
  /// invalidated by any change to the cache.
  View<0, false> keys() const { return View<0, false>(this); }
  View<1, false> values() const { return View<1, false>(this); }
  View<2, false> entries() const { return View<2, false>(this); }
  /// The same, least recently used first.
  View<0, true> rkeys() const { return View<0, true>(this); }
  View<1, true> rvalues() const { return View<1, true>(this); }
  View<2, true> rentries() const { return View<2, true>(this); }

 private:
  struct Slot;
  struct Bucket {
    std::uint32_t tag;
    std::uint32_t slot;
  };
  struct TtlInfo {
    std::int64_t start;
    std::int64_t ttl;
  };
  struct PurgeLink {
    std::uint32_t prev;
    std::uint32_t next;
  };
  struct PurgeList {
    std::uint32_t head;
    std::uint32_t tail;
  };
  struct Disposal {
    K key;
    V value;
    DisposeReason reason;
  };
  struct FetchParams;
  struct FetchRecord;
  struct Anchor {
    LruCache* cache;
  };

  static constexpr std::uint32_t kNil = 0xFFFFFFFFu;

  // Lookup and table.
  static std::uint32_t tagOf(std::size_t hash) noexcept;
  std::uint32_t find(KeyArg key, std::uint32_t tag) const noexcept;
  void insertBucket(std::uint32_t tag, std::uint32_t slot) noexcept;
  void eraseBucket(std::uint32_t tag, std::uint32_t slot) noexcept;
  void growTable();
  void growSlots();
  // Entries.
  bool setImpl(K&& key, V&& value, std::int64_t ttl, std::size_t size, bool noDisposeOnSet,
               bool noUpdateTTL);
  std::uint32_t insertNew(K&& key, std::uint32_t tag);
  void moveToTail(std::uint32_t i) noexcept;
  void unlink(std::uint32_t i) noexcept;
  void detachExtras(std::uint32_t i, DisposeReason reason);
  void removeSlot(std::uint32_t i, DisposeReason reason);
  void takeSlot(std::uint32_t i, DisposeReason reason, std::optional<V>& value,
                std::optional<K>& key);
  bool assign(std::uint32_t i, V&& value, std::size_t size, std::int64_t ttl, bool noDisposeOnSet,
              bool noUpdateTTL);
  std::size_t requireSize(const K& key, const V& value, std::size_t size) const;
  std::int64_t ttlOf(const std::optional<Ttl>& ttl) const;
  void addSize(std::uint32_t i, std::size_t size);
  bool isStale(std::uint32_t i, std::int64_t now) const noexcept;
  bool hasTtl(std::uint32_t i) const noexcept;
  void setItemTtl(std::uint32_t i, std::int64_t ttl, std::int64_t now);
  V* getSlow(std::uint32_t i, LruGetOptions options);
  void flush() {
    if (!disposals_.empty() || !aborts_.empty()) flushSlow();
  }
  void flushSlow();
  // ttlAutopurge.
  void purgeLink(std::uint32_t i);
  void purgeUnlink(std::uint32_t i) noexcept;
  void armPurge(std::int64_t deadline);
  void cancelPurge();
  void onPurgeTimer();
  // fetch().
  FetchParams paramsOf(const LruFetchOptions& o) const;
  std::shared_ptr<FetchRecord> startFetch(K key, std::uint32_t i, const FetchParams& params,
                                          bool background);
  Promise<std::optional<V>> join(const std::shared_ptr<FetchRecord>& rec, AbortSignal signal);
  void detachFetch(std::uint32_t i, const char* why);
  void restoreStale(std::uint32_t i);
  static void onFetchAbort(FetchRecord& rec);
  static void onFetchValue(const std::shared_ptr<FetchRecord>& rec, std::optional<V> value);
  static void onFetchError(const std::shared_ptr<FetchRecord>& rec, std::exception_ptr error);
  static void onWaiterAbort(const std::shared_ptr<FetchRecord>& rec, std::uint64_t id);
  static void finishFailed(FetchRecord& rec, std::exception_ptr error, bool aborted);

  [[no_unique_address]] Hash hash_;
  [[no_unique_address]] KeyEqual eq_;
  Slot* slots_ = nullptr;  // capacity_ slots; [0, used_) were handed out at least once
  std::uint32_t capacity_ = 0;
  std::uint32_t used_ = 0;
  std::uint32_t free_ = kNil;  // freed slots, chained through Slot::next
  std::uint32_t head_ = kNil;  // least recently used
  std::uint32_t tail_ = kNil;  // most recently used
  Bucket* buckets_ = nullptr;
  std::uint32_t mask_ = 0;
  int shift_ = 32;
  std::size_t size_ = 0;
  std::size_t calculatedSize_ = 0;
  std::vector<TtlInfo> ttls_;                     // per slot, once any entry has a TTL
  std::vector<std::size_t> sizes_;                // per slot, when sizes are tracked
  std::vector<PurgeLink> purgeLinks_;             // per slot, with ttlAutopurge
  std::map<std::int64_t, PurgeList> purgeLists_;  // slots by TTL, oldest first
  std::int64_t armedDeadline_ = INT64_MAX;
  std::uint64_t armSeq_ = 0;
  Timeout purgeTimer_;                         // on the system clock
  std::optional<AbortController> purgeSleep_;  // on other clocks
  std::unordered_map<std::uint32_t, std::shared_ptr<FetchRecord>> fetches_;
  std::vector<Disposal> disposals_;
  std::vector<std::pair<std::shared_ptr<FetchRecord>, const char*>> aborts_;
  bool flushing_ = false;
  std::optional<V> staleHold_;  // a stale value getPtr() handed out after deleting its entry
  // shared_ptr: timer and sleep callbacks may outlive the cache; they find it through this.
  std::shared_ptr<Anchor> anchor_;

  // Options.
  Clock* clock_;
  std::size_t max_;
  std::size_t maxSize_;
  std::size_t maxEntrySize_;
  std::int64_t ttl_;
  bool sizeTracking_;
  bool ttlTracking_;
  bool ttlAutopurge_;
  bool allowStale_;
  bool updateAgeOnGet_;
  bool updateAgeOnHas_;
  bool noDeleteOnStaleGet_;
  bool noDisposeOnSet_;
  bool noUpdateTTL_;
  bool noDeleteOnFetchRejection_;
  bool allowStaleOnFetchRejection_;
  bool allowStaleOnFetchAbort_;
  bool ignoreFetchAbort_;
  std::function<std::size_t(const V&, const K&)> sizeCalculation_;
  std::function<void(V&, const K&, DisposeReason)> dispose_;
  std::function<Promise<std::optional<V>>(K, std::optional<V>, AbortSignal)> fetchMethod_;
};

}  // namespace nx::resilience

#include "nodexx/resilience/lru_cache_impl.hpp"  // IWYU pragma: export
