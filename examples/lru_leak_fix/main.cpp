// SPDX-License-Identifier: MIT
// The classic cache leak and its fix. A service memoises an expensive lookup in a global map,
// keyed by something unique per request (a session token, a request id, a search string): the
// map never forgets, so memory grows with traffic until the process is killed. The fix is a
// bounded cache: nx::resilience::LruCache with max = 10'000 keeps the hot entries and evicts
// the least recently used, so memory stays flat whatever the traffic.
//
// The same stream of 100'000 unique keys goes through both versions (the fixed one first, so
// that the leak's pages, which the allocator keeps after they are freed, do not hide its
// growth). Typical output:
//
//                               requests     rss delta    heap delta  entries
//   LruCache{max=10000}            20000      +4.7 MiB      +4.7 MiB    10000
//                                  40000      +4.7 MiB      +4.7 MiB    10000
//                                  ...
//                                 100000      +4.7 MiB      +4.7 MiB    10000
//   std::unordered_map (leak)      20000      +5.4 MiB      +9.5 MiB    20000
//                                  40000     +15.0 MiB     +19.1 MiB    40000
//                                  ...
//                                 100000     +44.4 MiB     +48.5 MiB   100000
//
// Under AddressSanitizer freed memory sits in a quarantine, so the LruCache's RSS grows too;
// its heap figure still stays flat.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "nodexx/core/process.hpp"
#include "nodexx/resilience/lru_cache.hpp"

namespace {

constexpr int kRequests = 100'000;
constexpr int kReportEvery = 20'000;
constexpr std::size_t kMaxEntries = 10'000;

// The expensive lookup being memoised: a ~200-byte profile for a key.
std::string loadProfile(const std::string& key) {
  std::string profile = "{\"key\":\"" + key + "\",\"bio\":\"";
  profile.append(160, 'x');
  profile += "\"}";
  return profile;
}

// Every request carries a key nobody asks for twice (say, a per-request search string).
std::string keyOf(int request) { return "req-" + std::to_string(request) + "-q"; }

struct Baseline {
  nx::process::MemoryUsage start = nx::process::memoryUsage();
  void report(const char* label, int requests, std::size_t entries) const {
    auto now = nx::process::memoryUsage();
    auto mib = [](std::size_t after, std::size_t before) {
      return (static_cast<double>(after) - static_cast<double>(before)) / (1024.0 * 1024.0);
    };
    std::printf("%-27s %8d  %+8.1f MiB  %+8.1f MiB  %7zu\n", label, requests,
                mib(now.rss, start.rss), mib(now.heapUsed, start.heapUsed), entries);
  }
};

// The fix: at most kMaxEntries profiles, least recently used evicted first.
std::size_t bounded() {
  nx::resilience::LruCache<std::string, std::string> cache({.max = kMaxEntries});
  Baseline base;
  std::size_t bytes = 0;
  for (int r = 1; r <= kRequests; ++r) {
    std::string key = keyOf(r);
    const std::string* profile = cache.getPtr(key);
    if (profile == nullptr) {
      cache.set(key, loadProfile(key));
      profile = cache.getPtr(key);
    }
    bytes += profile->size();
    if (r % kReportEvery == 0) {
      base.report(r == kReportEvery ? "LruCache{max=10000}" : "", r, cache.size());
    }
  }
  return bytes;
}

// The leak: a map that only ever grows.
std::size_t leaky() {
  std::unordered_map<std::string, std::string> cache;
  Baseline base;
  std::size_t bytes = 0;
  for (int r = 1; r <= kRequests; ++r) {
    std::string key = keyOf(r);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, loadProfile(key)).first;
    bytes += it->second.size();
    if (r % kReportEvery == 0) {
      base.report(r == kReportEvery ? "std::unordered_map (leak)" : "", r, cache.size());
    }
  }
  return bytes;
}

}  // namespace

int main() {
  std::printf("%-27s %8s  %12s  %12s  %7s\n", "", "requests", "rss delta", "heap delta", "entries");
  std::size_t a = bounded();
  std::size_t b = leaky();
  // Both versions served the same bytes; only one of them kept them all.
  return a == b ? 0 : 1;
}
