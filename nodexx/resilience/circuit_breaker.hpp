// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/event.hpp"
#include "nodexx/core/move_function.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/core/timers.hpp"
#include "nodexx/resilience/clock.hpp"
#include "nodexx/resilience/task.hpp"

namespace nx::resilience {

/// Options of a CircuitBreaker, with opossum's names, units (milliseconds) and defaults.
struct CircuitBreakerOptions {
  /// A call that has not settled after `timeout` ms counts as a timeout failure: its AbortSignal
  /// aborts (reason: the ETIMEDOUT error) and fire() rejects with ETIMEDOUT. 0 = no timeout.
  std::int64_t timeout = 10000;
  /// The breaker opens when failures / fires × 100 in the rolling window exceeds this.
  double errorThresholdPercentage = 50;
  /// The rolling statistics window (ms), split into `rollingCountBuckets` buckets of
  /// rollingCountTimeout / rollingCountBuckets ms (at least 1) that rotate on the Clock.
  std::int64_t rollingCountTimeout = 10000;
  /// Number of buckets in the window, ≥ 1.
  int rollingCountBuckets = 10;
  /// The breaker cannot open before the window holds at least this many fires.
  std::uint64_t volumeThreshold = 0;
  /// Open → halfOpen after this many ms.
  std::int64_t resetTimeout = 30000;
  /// Calls allowed to run at once; more fail at once with ESEMLOCKED (a failure, as in opossum).
  std::size_t capacity = std::numeric_limits<std::size_t>::max();
  /// Whether an error counts as a failure. Errors for which it returns false count as successes
  /// (fire() still rejects with them, no fallback runs): e.g. a 4xx from a healthy service.
  /// Empty: every error is a failure. The inverse of opossum's `errorFilter`.
  std::function<bool(const std::exception_ptr&)> isError;
  /// Failures do not open the breaker during its first `rollingCountTimeout` ms.
  bool allowWarmUp = false;
  /// A disabled breaker runs every call directly, counting only fires (opossum's `enabled`).
  bool enabled = true;
  /// A label for logs and metrics; not used by the breaker itself.
  std::string name;
};

/// The breaker's state. Shutdown is final.
enum class CircuitState : unsigned char { Closed, Open, HalfOpen, Shutdown };

/// Counters and latency of a breaker over its rolling window (stats()) or since it was created
/// (totals()), with opossum's names. Latencies are in ms, measured on the breaker's Clock from
/// admission to settlement (a timed-out call counts the timeout).
struct CircuitBreakerStats {
  /// The percentiles in latencyPercentiles, opossum's set.
  static constexpr std::array<double, 9> kPercentiles{0.0,  0.25, 0.5,   0.75, 0.9,
                                                      0.95, 0.99, 0.995, 1.0};

  std::uint64_t fires = 0;      ///< fire() calls, including rejected ones
  std::uint64_t successes = 0;  ///< calls that fulfilled, or failed with a non-error (isError)
  std::uint64_t failures = 0;   ///< errors, timeouts and capacity rejections
  std::uint64_t rejects = 0;    ///< calls refused because the breaker was open or half-open
  std::uint64_t timeouts = 0;   ///< calls that ran out of time (also counted as failures)
  std::uint64_t fallbacks = 0;  ///< fallback invocations
  std::uint64_t semaphoreRejections = 0;  ///< calls refused by `capacity`
  std::uint64_t latencyCount = 0;         ///< calls with a recorded latency
  std::int64_t latencySum = 0;            ///< sum of those latencies, ms
  double latencyMean = 0;                 ///< latencySum / latencyCount; 0 when none
  /// Latency at each of kPercentiles (nearest rank, as opossum), ms. Exact below 32 ms and for
  /// 0 and 1; otherwise the lower bound of a histogram bin at most 6.25 % wide. 0 when none.
  std::array<std::int64_t, kPercentiles.size()> latencyPercentiles{};
};

/// The events of a breaker, with opossum's names. Listeners run synchronously when the breaker
/// emits. An exception from a listener is reported as uncaught (from a microtask, as
/// EventTarget does) and the breaker carries on: no state change is left half done and no call
/// unsettled. shutdown() removes every listener.
struct CircuitBreakerEvents {
  Event<> fire{"fire", "CircuitBreaker"};        ///< fire() called (not after shutdown)
  Event<> success{"success", "CircuitBreaker"};  ///< a call succeeded (see isError)
  /// A call failed with this error (also for timeouts and capacity rejections).
  Event<std::exception_ptr> failure{"failure", "CircuitBreaker"};
  /// A call timed out; the error is the ETIMEDOUT rejection.
  Event<std::exception_ptr> timeout{"timeout", "CircuitBreaker"};
  /// A call was refused because the breaker is open (EOPENBREAKER).
  Event<std::exception_ptr> reject{"reject", "CircuitBreaker"};
  /// The fallback ran in place of a call that failed with (or was refused with) this error.
  Event<std::exception_ptr> fallback{"fallback", "CircuitBreaker"};
  /// A call was refused by `capacity` (ESEMLOCKED).
  Event<std::exception_ptr> semaphoreLocked{"semaphoreLocked", "CircuitBreaker"};
  /// A health check rejected with this error; the breaker opens right after.
  Event<std::exception_ptr> healthCheckFailed{"healthCheckFailed", "CircuitBreaker"};
  Event<> open{"open", "CircuitBreaker"};          ///< → Open
  Event<> halfOpen{"halfOpen", "CircuitBreaker"};  ///< Open → HalfOpen (resetTimeout elapsed)
  Event<> close{"close", "CircuitBreaker"};        ///< → Closed
  Event<> shutdown{"shutdown", "CircuitBreaker"};  ///< shutdown() began
};

/// An error the breaker produces itself rather than the call: code "EOPENBREAKER" ("Breaker is
/// open"), "ESEMLOCKED" ("Semaphore locked"), "ESHUTDOWN" ("The circuit has been shutdown.")
/// or "ETIMEDOUT" ("Timed out after <timeout>ms", name "TimeoutError").
class CircuitBreakerError : public SystemError {
 public:
  using SystemError::SystemError;
  /// "TimeoutError" for ETIMEDOUT, "Error" otherwise.
  std::string_view name() const noexcept override {
    return code() == "ETIMEDOUT" ? "TimeoutError" : "Error";
  }
};

namespace detail {

// One admitted call: when it started, whether it is the half-open trial (the epoch it was
// admitted in), whether it still holds a capacity slot and has a latency to record.
struct BreakerTicket {
  std::int64_t start = 0;
  std::uint32_t trialEpoch = 0;  // 0: not a trial
  bool holdsSlot = false;
  bool ran = false;
};

enum class Admission : unsigned char { Run, PassThrough, Reject, Locked, Shutdown };

// A cancellable one-shot timer on a Clock, for call timeouts. On the system clock a plain
// setTimeout: no promise, no AbortController and no exception on cancel, since every call with
// a timeout arms and cancels one. On other clocks a Clock::sleep. Destruction cancels.
class CallTimer {
 public:
  CallTimer() = default;
  CallTimer(const CallTimer&) = delete;
  CallTimer& operator=(const CallTimer&) = delete;
  ~CallTimer() { cancel(); }

  void start(Clock& clock, std::int64_t ms, MoveFunction<void()> onExpiry);
  void cancel() noexcept;

 private:
  Timeout timeout_;
  std::unique_ptr<AbortController> abort_;
};

class BreakerWindow;

// The untyped part of a breaker (circuit_breaker.cpp): state machine, statistics, timers and
// events. Shared by the handle, the calls in flight and the timers, so that the handle may be
// destroyed while they are pending.
class BreakerCore : public RefCounted {
 public:
  BreakerCore(CircuitBreakerOptions options, Clock& clock);
  BreakerCore(const BreakerCore&) = delete;
  BreakerCore& operator=(const BreakerCore&) = delete;
  virtual ~BreakerCore();

  Admission admit(BreakerTicket& ticket);
  void succeeded(BreakerTicket& ticket);
  void failed(BreakerTicket& ticket, const std::exception_ptr& error);
  // isError: false → counted as a success; true → counted as a failure (the fallback applies).
  bool handleError(BreakerTicket& ticket, const std::exception_ptr& error);
  void timedOut(BreakerTicket& ticket);
  void rejected();
  void semaphoreLocked();
  void fellBack(const std::exception_ptr& error);

  void open();
  void close();
  void shutdown();
  void enable() noexcept { enabled_ = true; }
  void disable() noexcept { enabled_ = false; }
  void healthCheck(MoveFunction<Promise<>()> check, std::int64_t intervalMs);

  CircuitState state() const noexcept { return state_; }
  bool enabled() const noexcept { return enabled_; }
  bool warmUp();
  CircuitBreakerStats stats();
  CircuitBreakerStats totals() const;

  const std::exception_ptr& openError() const noexcept { return openError_; }
  const std::exception_ptr& lockedError() const noexcept { return lockedError_; }
  const std::exception_ptr& shutdownError() const noexcept { return shutdownError_; }
  const std::exception_ptr& timeoutError() const noexcept { return timeoutError_; }
  const CircuitBreakerOptions& options() const noexcept { return options_; }
  Clock& clock() const noexcept { return clock_; }

  CircuitBreakerEvents events;

 private:
  void finish(BreakerTicket& ticket, std::int64_t now);
  bool isTrial(const BreakerTicket& ticket) const noexcept;
  void toHalfOpen();
  void startResetTimer();
  void cancelResetTimer() noexcept;
  void runHealthCheck(MoveFunction<Promise<>()>& check);
  template <class E, class... Args>
  void emit(E& event, const Args&... args);
  friend struct HealthJob;

  CircuitBreakerOptions options_;
  Clock& clock_;
  std::unique_ptr<BreakerWindow> window_;
  std::int64_t origin_;
  CircuitState state_ = CircuitState::Closed;
  bool enabled_;
  bool trialInFlight_ = false;
  std::uint32_t epoch_ = 1;  // bumped by every state change; identifies the half-open trial
  std::uint64_t resetTimerId_ = 0;
  std::size_t active_ = 0;
  std::unique_ptr<AbortController> resetAbort_;
  std::unique_ptr<AbortController> healthAbort_;
  std::exception_ptr openError_, lockedError_, shutdownError_, timeoutError_;
};

template <class T>
class TypedBreakerCore;

}  // namespace detail

/// The untyped half of CircuitBreaker<T>: state, statistics, events and health checks. Not
/// constructed directly. Move-only; a moved-from breaker may only be destroyed or assigned.
class CircuitBreakerBase {
 public:
  CircuitBreakerBase(CircuitBreakerBase&& other) noexcept = default;
  /// Shuts this breaker down, then takes `other`'s.
  CircuitBreakerBase& operator=(CircuitBreakerBase&& other) noexcept;
  CircuitBreakerBase(const CircuitBreakerBase&) = delete;
  CircuitBreakerBase& operator=(const CircuitBreakerBase&) = delete;
  /// Calls shutdown(). Calls in flight still settle their promises.
  ~CircuitBreakerBase();

  /// Opens the breaker now (emits `open`, starts the resetTimeout timer); no effect when open
  /// or shut down.
  void open();
  /// Closes the breaker now (emits `close`, cancels the reset timer); no effect when closed or
  /// shut down. The window's statistics are kept, as in opossum.
  void close();
  /// Emits `shutdown`, removes every listener, stops the timers and health checks; later
  /// fire() calls reject with ESHUTDOWN. Calls in flight settle normally. Idempotent.
  void shutdown();
  /// Re-enables a disabled breaker.
  void enable() noexcept { core_->enable(); }
  /// Runs every call directly, without state checks, timeout, capacity or fallback.
  void disable() noexcept { core_->disable(); }

  /// The current state.
  CircuitState state() const noexcept { return core_->state(); }
  /// True when Open.
  bool opened() const noexcept { return state() == CircuitState::Open; }
  /// True when HalfOpen.
  bool halfOpen() const noexcept { return state() == CircuitState::HalfOpen; }
  /// True when Closed.
  bool closed() const noexcept { return state() == CircuitState::Closed; }
  /// True after shutdown().
  bool isShutdown() const noexcept { return state() == CircuitState::Shutdown; }
  /// Whether the breaker is enabled.
  bool enabled() const noexcept { return core_->enabled(); }
  /// True during the warm-up period (allowWarmUp, first rollingCountTimeout ms).
  bool warmUp() const { return core_->warmUp(); }

  /// The rolling window's statistics (opossum's `stats`), computed now.
  CircuitBreakerStats stats() const { return core_->stats(); }
  /// Monotonic totals since construction (for Prometheus counters and summaries).
  CircuitBreakerStats totals() const { return core_->totals(); }

  /// Calls `check` now and every `intervalMs` ms (> 0, else RangeError) until shutdown(); a
  /// check that throws or rejects emits `healthCheckFailed` and opens the breaker. The interval
  /// does not keep the loop alive (opossum unrefs it). Several checks may be registered.
  void healthCheck(MoveFunction<Promise<>()> check, std::int64_t intervalMs = 5000) {
    core_->healthCheck(std::move(check), intervalMs);
  }

  /// The breaker's events: `breaker.events().open.on([] { ... })`.
  CircuitBreakerEvents& events() noexcept { return core_->events; }
  /// The options given at construction.
  const CircuitBreakerOptions& options() const noexcept { return core_->options(); }
  /// options().name.
  std::string_view name() const noexcept { return core_->options().name; }

  /// True if `error` was produced by a breaker (CircuitBreakerError), not by the call.
  static bool isOurError(const std::exception_ptr& error) noexcept;

 protected:
  /// Adopts the one reference that `core` was created with.
  explicit CircuitBreakerBase(detail::BreakerCore* core) noexcept
      : core_(detail::Ref<detail::BreakerCore>::adopt(core)) {}

  detail::Ref<detail::BreakerCore> core_;
};

/// A circuit breaker for calls returning Promise<T> (npm opossum 10): counts successes and
/// failures over a rolling window and, once failures exceed errorThresholdPercentage, opens
/// and fails calls fast (EOPENBREAKER) until resetTimeout has passed; then, half-open, it lets
/// exactly one trial call through, refusing the others until it settles: success closes the
/// breaker, failure re-opens it and restarts the reset timer.
///
/// One breaker guards one downstream and has one result type, so the fallback is typed:
/// ```
/// CircuitBreakerOptions o;  o.timeout = 3000;
/// CircuitBreaker<User> users(o);
/// users.fallback([](std::exception_ptr) { return User::anonymous(); });
/// User u = co_await users.fire([id](AbortSignal s) { return api.getUser(id, s); });
/// ```
/// Differences from opossum, each deliberate: only the trial decides the half-open state (a
/// call admitted earlier that settles meanwhile is counted but changes nothing), and warm-up
/// does not stop a failed trial from re-opening the breaker (in opossum it stays half-open
/// with no trial left); no cache, coalescing or snapshots.
///
/// Time comes from the Clock (ManualClock in tests); the reset timer and health checks do not
/// keep the loop alive with the system clock. Loop-affine. Calls in flight and timers keep the
/// shared state alive, so the breaker may be destroyed or moved while they are pending.
template <class T = void>
class CircuitBreaker : public CircuitBreakerBase {
 public:
  /// Throws RangeError (ERR_OUT_OF_RANGE) for a negative timeout, resetTimeout or
  /// volume, rollingCountTimeout < 1 or rollingCountBuckets < 1. Reads `clock` now, keeps a
  /// reference: the clock must outlive the breaker and its calls.
  explicit CircuitBreaker(CircuitBreakerOptions options = {}, Clock& clock = Clock::system());

  /// Runs `call` through the breaker. `call` takes an AbortSignal (aborted on timeout) or
  /// nothing, and returns Promise<T> (a coroutine), T or void; a throw is a rejection.
  /// Closed (or the half-open trial): `call` runs synchronously inside fire(), and the returned
  /// promise settles like its promise, or rejects with ETIMEDOUT at the timeout. Open, or
  /// half-open with the trial in flight: `call` does not run; emits `reject`, and the promise
  /// rejects with EOPENBREAKER. After shutdown(): ESHUTDOWN. Whenever a failure is counted or a
  /// call refused, the fallback, if any, supplies the result instead. The breaker keeps
  /// `call` alive until its promise settles, so a coroutine lambda may capture what it uses.
  template <Task F>
  requires std::same_as<TaskValue<F>, T> Promise<T> fire(F call);

  /// Sets the fallback, called with the error when a call fails (counted as a failure: not for
  /// isError()-filtered errors) or is refused (open, capacity); its result (T, void, or
  /// Promise<T>) becomes fire()'s. A throw becomes the rejection. Emits `fallback`. Returns
  /// *this. Replaces any previous fallback.
  template <class G>
  CircuitBreaker& fallback(G fn);

 private:
  detail::TypedBreakerCore<T>& typed() const noexcept;
};

}  // namespace nx::resilience

#include "nodexx/resilience/circuit_breaker_impl.hpp"  // IWYU pragma: export
