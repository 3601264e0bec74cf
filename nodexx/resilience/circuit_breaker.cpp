// SPDX-License-Identifier: MIT
#include "nodexx/resilience/circuit_breaker.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "nodexx/core/loop.hpp"
#include "nodexx/core/timers.hpp"

namespace nx::resilience {
namespace detail {

namespace {

enum Field : std::size_t {
  kFires,
  kSuccesses,
  kFailures,
  kRejects,
  kTimeouts,
  kFallbacks,
  kSemaphoreRejections,
  kFieldCount
};

// Latencies in ms: exact below 32, then 16 bins per power of two (each at most 6.25 % of its
// value wide), up to 2^36 ms. Fixed size, so recording never allocates, and percentiles are
// computed from the bins instead of from every sample (opossum keeps and sorts them all).
class LatencyHistogram {
 public:
  static constexpr int kExact = 32;
  static constexpr int kSubBins = 16;
  static constexpr int kMaxBits = 36;
  static constexpr int kBins = kExact + (kMaxBits - 5) * kSubBins;

  void record(std::int64_t ms) noexcept {
    ms = std::clamp<std::int64_t>(ms, 0, (std::int64_t{1} << kMaxBits) - 1);
    ++bins_[index(static_cast<std::uint64_t>(ms))];
    if (count_ == 0 || ms < min_) min_ = ms;
    if (count_ == 0 || ms > max_) max_ = ms;
    ++count_;
    sum_ += ms;
  }

  void add(const LatencyHistogram& o) noexcept {
    if (o.count_ == 0) return;
    for (int i = 0; i < kBins; ++i) bins_[i] += o.bins_[i];
    min_ = count_ == 0 ? o.min_ : std::min(min_, o.min_);
    max_ = count_ == 0 ? o.max_ : std::max(max_, o.max_);
    count_ += o.count_;
    sum_ += o.sum_;
  }

  void clear() noexcept { *this = LatencyHistogram(); }

  // opossum's nearest rank: p = 0 is the minimum, otherwise the ceil(p × n)-th smallest.
  std::int64_t percentile(double p) const noexcept {
    if (count_ == 0) return 0;
    const auto n = static_cast<double>(count_);
    std::uint64_t rank = p <= 0 ? 1 : static_cast<std::uint64_t>(std::ceil(p * n));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    if (rank == 1) return min_;
    if (rank == count_) return max_;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBins; ++i) {
      seen += bins_[i];
      if (seen >= rank) return std::clamp(lowerBound(i), min_, max_);
    }
    return max_;
  }

  std::uint64_t count() const noexcept { return count_; }
  std::int64_t sum() const noexcept { return sum_; }

 private:
  static int index(std::uint64_t v) noexcept {
    if (v < kExact) return static_cast<int>(v);
    const int msb = std::bit_width(v) - 1;  // ≥ 5
    const int sub = static_cast<int>((v >> (msb - 4)) & (kSubBins - 1));
    return kExact + (msb - 5) * kSubBins + sub;
  }
  static std::int64_t lowerBound(int i) noexcept {
    if (i < kExact) return i;
    const int octave = (i - kExact) / kSubBins;
    const int sub = (i - kExact) % kSubBins;
    return static_cast<std::int64_t>(kSubBins + sub) << (octave + 1);
  }

  std::uint32_t bins_[kBins] = {};
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

struct Bucket {
  std::uint64_t counts[kFieldCount] = {};
  LatencyHistogram latency;

  void add(const Bucket& o) noexcept {
    for (std::size_t i = 0; i < kFieldCount; ++i) counts[i] += o.counts[i];
    latency.add(o.latency);
  }
  void clear() noexcept { *this = Bucket(); }

  CircuitBreakerStats toStats() const {
    CircuitBreakerStats s;
    s.fires = counts[kFires];
    s.successes = counts[kSuccesses];
    s.failures = counts[kFailures];
    s.rejects = counts[kRejects];
    s.timeouts = counts[kTimeouts];
    s.fallbacks = counts[kFallbacks];
    s.semaphoreRejections = counts[kSemaphoreRejections];
    s.latencyCount = latency.count();
    s.latencySum = latency.sum();
    s.latencyMean = s.latencyCount == 0
                        ? 0.0
                        : static_cast<double>(s.latencySum) / static_cast<double>(s.latencyCount);
    for (std::size_t i = 0; i < CircuitBreakerStats::kPercentiles.size(); ++i) {
      s.latencyPercentiles[i] = latency.percentile(CircuitBreakerStats::kPercentiles[i]);
    }
    return s;
  }
};

// A wait for the breaker's own timers. The system clock's is an unref'd timer, as opossum's
// reset timer and health-check interval are, so an open breaker does not hold the process
// open; a ManualClock's is its ordinary sleep.
Promise<> backgroundSleep(Clock& clock, std::int64_t ms, const AbortSignal& signal) {
  if (&clock != &Clock::system()) return clock.sleep(ms, signal);
  auto r = Promise<>::withResolvers();
  Timeout timer = setTimeout([r] { r.resolve(); }, static_cast<double>(ms));
  timer.unref();
  signal.onAbort([r, timer] {
    clearTimeout(timer);
    r.reject(AbortError());
  });
  return r.promise;
}

std::exception_ptr breakerError(const char* code, const std::string& message) {
  return std::make_exception_ptr(CircuitBreakerError(code, message));
}

void checkOptions(const CircuitBreakerOptions& o) {
  auto fail = [](const char* what) {
    throw RangeError("ERR_OUT_OF_RANGE", std::string("CircuitBreaker: ") + what);
  };
  if (o.timeout < 0) fail("timeout must be >= 0");
  if (o.resetTimeout < 0) fail("resetTimeout must be >= 0");
  if (o.rollingCountTimeout < 1) fail("rollingCountTimeout must be >= 1");
  if (o.rollingCountBuckets < 1) fail("rollingCountBuckets must be >= 1");
  if (!(o.errorThresholdPercentage >= 0)) fail("errorThresholdPercentage must be >= 0");
}

}  // namespace

// The rolling window: rollingCountBuckets buckets, the newest at head_. Buckets rotate lazily
// when the clock is read, as if opossum's rotation interval had fired every bucketMs_ since
// construction, so a ManualClock drives it exactly.
class BreakerWindow {
 public:
  BreakerWindow(int buckets, std::int64_t bucketMs, std::int64_t origin)
      : buckets_(static_cast<std::size_t>(buckets)), bucketMs_(bucketMs), origin_(origin) {}

  Bucket& current(std::int64_t now) noexcept {
    const std::int64_t interval = now >= origin_ ? (now - origin_) / bucketMs_ : interval_;
    if (interval > interval_) {
      const auto n = static_cast<std::int64_t>(buckets_.size());
      for (std::int64_t i = 0, steps = std::min(interval - interval_, n); i < steps; ++i) {
        head_ = (head_ + 1) % buckets_.size();
        buckets_[head_].clear();
      }
      interval_ = interval;
    }
    return buckets_[head_];
  }

  void count(std::int64_t now, Field field) noexcept {
    ++current(now).counts[field];
    ++total.counts[field];
  }

  void recordLatency(std::int64_t now, std::int64_t ms) noexcept {
    current(now).latency.record(ms);
    total.latency.record(ms);
  }

  // Fires and failures over the window, for the open decision.
  std::pair<std::uint64_t, std::uint64_t> firesAndFailures(std::int64_t now) noexcept {
    current(now);
    std::uint64_t fires = 0;
    std::uint64_t failures = 0;
    for (const Bucket& b : buckets_) {
      fires += b.counts[kFires];
      failures += b.counts[kFailures];
    }
    return {fires, failures};
  }

  Bucket sum(std::int64_t now) noexcept {
    current(now);
    Bucket s;
    for (const Bucket& b : buckets_) s.add(b);
    return s;
  }

  Bucket total;

 private:
  std::vector<Bucket> buckets_;
  std::size_t head_ = 0;
  std::int64_t bucketMs_;
  std::int64_t origin_;
  std::int64_t interval_ = 0;
};

// A registered health check, passed from one interval's timer reaction to the next.
struct HealthJob {
  Ref<BreakerCore> core;
  MoveFunction<Promise<>()> check;
  std::int64_t intervalMs;
  AbortSignal stop;

  static void tick(std::unique_ptr<HealthJob> job) {
    BreakerCore& core = *job->core;
    if (core.state_ == CircuitState::Shutdown || job->stop.aborted()) return;
    core.runHealthCheck(job->check);
    Promise<> wait = backgroundSleep(core.clock_, job->intervalMs, job->stop);
    wait.state()->addReaction([job = std::move(job), s = wait.state()]() mutable {
      if (s->status == nx::detail::PromiseBase::Status::Fulfilled) tick(std::move(job));
    });
  }
};

template <class E, class... Args>
void BreakerCore::emit(E& event, const Args&... args) {
  if (event.listenerCount() == 0) return;
  try {
    event.emit(args...);
  } catch (...) {
    // EventTarget's rule, as AsyncQueue: a listener's exception is reported as uncaught and the
    // breaker carries on, so that no state change is half done and no call is left unsettled.
    queueMicrotask([error = std::current_exception()] { std::rethrow_exception(error); });
  }
}

BreakerCore::BreakerCore(CircuitBreakerOptions options, Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  destroy = [](RefCounted* p) noexcept { delete static_cast<BreakerCore*>(p); };
  checkOptions(options_);
  origin_ = clock_.now();
  const std::int64_t bucketMs =
      std::max<std::int64_t>(1, options_.rollingCountTimeout / options_.rollingCountBuckets);
  window_ = std::make_unique<BreakerWindow>(options_.rollingCountBuckets, bucketMs, origin_);
  enabled_ = options_.enabled;
  openError_ = breakerError("EOPENBREAKER", "Breaker is open");
  lockedError_ = breakerError("ESEMLOCKED", "Semaphore locked");
  shutdownError_ = breakerError("ESHUTDOWN", "The circuit has been shutdown.");
  timeoutError_ =
      breakerError("ETIMEDOUT", "Timed out after " + std::to_string(options_.timeout) + "ms");
}

BreakerCore::~BreakerCore() = default;

Admission BreakerCore::admit(BreakerTicket& ticket) {
  if (state_ == CircuitState::Shutdown) return Admission::Shutdown;
  const std::int64_t now = clock_.now();
  window_->count(now, kFires);
  emit(events.fire);
  // A `fire` listener may have changed anything, shut down included.
  if (state_ == CircuitState::Shutdown) return Admission::Shutdown;
  if (!enabled_) return Admission::PassThrough;
  if (state_ == CircuitState::Open || (state_ == CircuitState::HalfOpen && trialInFlight_)) {
    return Admission::Reject;
  }
  if (state_ == CircuitState::HalfOpen) {
    trialInFlight_ = true;
    ticket.trialEpoch = epoch_;
  }
  if (active_ >= options_.capacity) return Admission::Locked;
  ++active_;
  ticket.start = now;
  ticket.holdsSlot = true;
  ticket.ran = true;
  return Admission::Run;
}

void BreakerCore::finish(BreakerTicket& ticket, std::int64_t now) {
  if (ticket.holdsSlot) {
    --active_;
    ticket.holdsSlot = false;
  }
  if (ticket.ran) {
    window_->recordLatency(now, now - ticket.start);
    ticket.ran = false;
  }
}

bool BreakerCore::isTrial(const BreakerTicket& ticket) const noexcept {
  return ticket.trialEpoch != 0 && ticket.trialEpoch == epoch_ && state_ == CircuitState::HalfOpen;
}

void BreakerCore::succeeded(BreakerTicket& ticket) {
  Ref<BreakerCore> keep(this);
  const std::int64_t now = clock_.now();
  finish(ticket, now);
  window_->count(now, kSuccesses);
  // opossum closes from a `success` listener registered before any of the user's.
  if (isTrial(ticket)) close();
  emit(events.success);
}

void BreakerCore::failed(BreakerTicket& ticket, const std::exception_ptr& error) {
  Ref<BreakerCore> keep(this);
  const std::int64_t now = clock_.now();
  finish(ticket, now);
  window_->count(now, kFailures);
  emit(events.failure, error);
  if (isTrial(ticket)) {
    open();
    return;
  }
  if (state_ != CircuitState::Closed || warmUp()) return;
  const auto [fires, failures] = window_->firesAndFailures(now);
  if (fires < options_.volumeThreshold) return;
  // With no fire left in the window (it rotated away), opossum divides by zero: Infinity.
  const double rate = fires == 0
                          ? std::numeric_limits<double>::infinity()
                          : static_cast<double>(failures) * 100.0 / static_cast<double>(fires);
  if (rate > options_.errorThresholdPercentage) open();
}

bool BreakerCore::handleError(BreakerTicket& ticket, const std::exception_ptr& error) {
  if (options_.isError && !options_.isError(error)) {
    succeeded(ticket);
    return false;
  }
  failed(ticket, error);
  return true;
}

void BreakerCore::timedOut(BreakerTicket& ticket) {
  Ref<BreakerCore> keep(this);
  const std::int64_t now = clock_.now();
  finish(ticket, now);  // opossum frees the capacity slot at the timeout
  window_->count(now, kTimeouts);
  emit(events.timeout, timeoutError_);
}

void BreakerCore::rejected() {
  Ref<BreakerCore> keep(this);
  window_->count(clock_.now(), kRejects);
  emit(events.reject, openError_);
}

void BreakerCore::semaphoreLocked() {
  Ref<BreakerCore> keep(this);
  window_->count(clock_.now(), kSemaphoreRejections);
  emit(events.semaphoreLocked, lockedError_);
}

void BreakerCore::fellBack(const std::exception_ptr& error) {
  Ref<BreakerCore> keep(this);
  window_->count(clock_.now(), kFallbacks);
  emit(events.fallback, error);
}

void BreakerCore::open() {
  if (state_ == CircuitState::Open || state_ == CircuitState::Shutdown) return;
  Ref<BreakerCore> keep(this);
  state_ = CircuitState::Open;
  ++epoch_;
  trialInFlight_ = false;
  startResetTimer();
  emit(events.open);
}

void BreakerCore::close() {
  if (state_ == CircuitState::Closed || state_ == CircuitState::Shutdown) return;
  Ref<BreakerCore> keep(this);
  cancelResetTimer();
  state_ = CircuitState::Closed;
  ++epoch_;
  trialInFlight_ = false;
  emit(events.close);
}

void BreakerCore::toHalfOpen() {
  if (state_ != CircuitState::Open) return;
  Ref<BreakerCore> keep(this);
  state_ = CircuitState::HalfOpen;
  ++epoch_;
  trialInFlight_ = false;
  emit(events.halfOpen);
}

void BreakerCore::shutdown() {
  if (state_ == CircuitState::Shutdown) return;
  Ref<BreakerCore> keep(this);
  emit(events.shutdown);
  if (state_ == CircuitState::Shutdown) return;  // a listener shut it down already
  state_ = CircuitState::Shutdown;
  enabled_ = false;
  cancelResetTimer();
  if (healthAbort_) healthAbort_->abort();
  events.fire.removeAllListeners();
  events.success.removeAllListeners();
  events.failure.removeAllListeners();
  events.timeout.removeAllListeners();
  events.reject.removeAllListeners();
  events.fallback.removeAllListeners();
  events.semaphoreLocked.removeAllListeners();
  events.healthCheckFailed.removeAllListeners();
  events.open.removeAllListeners();
  events.halfOpen.removeAllListeners();
  events.close.removeAllListeners();
  events.shutdown.removeAllListeners();
}

void BreakerCore::startResetTimer() {
  cancelResetTimer();
  resetAbort_ = std::make_unique<AbortController>();
  const std::uint64_t id = resetTimerId_;
  Promise<> wait = backgroundSleep(clock_, options_.resetTimeout, resetAbort_->signal());
  wait.state()->addReaction([self = Ref<BreakerCore>(this), s = wait.state(), id] {
    if (s->status == nx::detail::PromiseBase::Status::Fulfilled && self->resetTimerId_ == id) {
      self->toHalfOpen();
    }
  });
}

void BreakerCore::cancelResetTimer() noexcept {
  ++resetTimerId_;
  if (resetAbort_) {
    // Aborting settles the pending wait, whose reaction then releases this core.
    auto ctl = std::move(resetAbort_);
    ctl->abort();
  }
}

void BreakerCore::healthCheck(MoveFunction<Promise<>()> check, std::int64_t intervalMs) {
  if (intervalMs <= 0) {
    throw RangeError("ERR_OUT_OF_RANGE", "CircuitBreaker::healthCheck: intervalMs must be > 0");
  }
  if (state_ == CircuitState::Shutdown) return;
  if (!healthAbort_) healthAbort_ = std::make_unique<AbortController>();
  HealthJob::tick(std::unique_ptr<HealthJob>(
      new HealthJob{Ref<BreakerCore>(this), std::move(check), intervalMs, healthAbort_->signal()}));
}

void BreakerCore::runHealthCheck(MoveFunction<Promise<>()>& check) {
  Promise<> p;
  try {
    p = check();
    if (!p) nx::detail::throwEmptyPromise();
  } catch (...) {
    // A check that throws failed, like one that rejects.
    p = Promise<>::reject(std::current_exception());
  }
  p.state()->addReaction([self = Ref<BreakerCore>(this), s = p.state()] {
    if (s->status != nx::detail::PromiseBase::Status::Rejected) return;
    if (self->state_ == CircuitState::Shutdown) return;
    self->emit(self->events.healthCheckFailed, s->error);
    self->open();
  });
}

bool BreakerCore::warmUp() {
  return options_.allowWarmUp && clock_.now() - origin_ < options_.rollingCountTimeout;
}

CircuitBreakerStats BreakerCore::stats() { return window_->sum(clock_.now()).toStats(); }

CircuitBreakerStats BreakerCore::totals() const { return window_->total.toStats(); }

void CallTimer::start(Clock& clock, std::int64_t ms, MoveFunction<void()> onExpiry) {
  cancel();
  if (&clock == &Clock::system()) {
    timeout_ = setTimeout(std::move(onExpiry), static_cast<double>(ms));
    return;
  }
  abort_ = std::make_unique<AbortController>();
  Promise<> wait = clock.sleep(ms, abort_->signal());
  wait.state()->addReaction([fn = std::move(onExpiry), s = wait.state()]() mutable {
    if (s->status == nx::detail::PromiseBase::Status::Fulfilled) fn();
  });
}

void CallTimer::cancel() noexcept {
  if (timeout_) {
    clearTimeout(timeout_);
    // Dropping the handle frees the timer and its callback now rather than with this object.
    timeout_ = Timeout();
  }
  if (abort_) std::exchange(abort_, nullptr)->abort();
}

}  // namespace detail

CircuitBreakerBase& CircuitBreakerBase::operator=(CircuitBreakerBase&& other) noexcept {
  if (this != &other) {
    if (core_) core_->shutdown();
    core_ = std::move(other.core_);
  }
  return *this;
}

CircuitBreakerBase::~CircuitBreakerBase() {
  if (core_) core_->shutdown();
}

void CircuitBreakerBase::open() { core_->open(); }

void CircuitBreakerBase::close() { core_->close(); }

void CircuitBreakerBase::shutdown() { core_->shutdown(); }

bool CircuitBreakerBase::isOurError(const std::exception_ptr& error) noexcept {
  if (!error) return false;
  try {
    std::rethrow_exception(error);
  } catch (const CircuitBreakerError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace nx::resilience
