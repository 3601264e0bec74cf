// SPDX-License-Identifier: MIT
#include "nodexx/resilience/rate_limit.hpp"

#include <ostream>

namespace nx::resilience {

std::ostream& operator<<(std::ostream& os, const RateLimitResult& r) {
  return os << '{' << (r.allowed ? "allowed" : "denied") << ", remaining " << r.remaining << '/'
            << r.limit << ", reset " << r.resetMs << ", retryAfter " << r.retryAfterMs << '}';
}

Promise<RateLimitResult> RateLimitStore::consumeAsync(std::string key, std::int64_t n,
                                                      std::int64_t nowMs) {
  // A coroutine, so that an exception from consume() rejects the promise instead of escaping.
  co_return consume(key, n, nowMs);
}

}  // namespace nx::resilience
