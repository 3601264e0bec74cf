// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"

namespace nx::resilience {

namespace detail {
struct SemaphoreState;
}

/// A counting semaphore for coroutines on one loop (like npm async-sema / await-semaphore):
/// `auto permit = co_await sem.acquire();` holds one of `permits` until `permit` is destroyed.
///
/// Fair: waiters get permits in the order they called acquire(). A released permit passes
/// straight to the first waiter (its promise fulfills, the waiter resumes a microtask later),
/// so neither tryAcquire() nor a later acquire() can take it first. A waiter whose promise
/// nobody can observe any more (dropped without awaiting) is skipped.
///
/// Loop-affine; no thread synchronisation. Permits keep the shared state alive, so the
/// Semaphore may be destroyed (or moved) while permits are out; its waiters then reject with
/// AbortError, not reported as unhandled.
class Semaphore {
 public:
  /// One permit: move-only, released by its destructor (also during exception unwinding) or by
  /// release(). An empty Permit (default-constructed or moved-from) holds nothing.
  class Permit {
   public:
    Permit() noexcept = default;
    Permit(Permit&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
    Permit& operator=(Permit&& other) noexcept {
      if (this != &other) {
        release();
        s_ = std::exchange(other.s_, nullptr);
      }
      return *this;
    }
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit() { release(); }

    /// Gives the permit back now (to the first waiter, if any); later calls do nothing.
    void release() noexcept;
    /// Whether this holds a permit.
    explicit operator bool() const noexcept { return s_ != nullptr; }

   private:
    friend class Semaphore;
    friend struct detail::SemaphoreState;
    explicit Permit(detail::SemaphoreState* s) noexcept : s_(s) {}
    detail::SemaphoreState* s_ = nullptr;  // one reference and one permit
  };

  /// `permits` ≥ 1 may be held at once; 0 throws RangeError (ERR_OUT_OF_RANGE).
  explicit Semaphore(std::size_t permits);
  /// Leaves `other` empty: only destruction is valid on it.
  Semaphore(Semaphore&& other) noexcept : s_(std::exchange(other.s_, nullptr)) {}
  Semaphore& operator=(Semaphore&&) = delete;
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  /// Rejects the waiters with AbortError ("The semaphore was destroyed").
  ~Semaphore();

  /// Fulfills with a Permit when one is free and every earlier waiter has been served (at once,
  /// as a settled promise, if one is free now). If `signal` aborts while waiting, the waiter
  /// leaves the line and the promise rejects with the signal's reason (an AbortError by
  /// default); an already aborted signal rejects at once.
  [[nodiscard]] Promise<Permit> acquire(AbortSignal signal = {});
  /// A Permit if one is free now and nobody waits; nullopt otherwise.
  std::optional<Permit> tryAcquire() noexcept;
  /// Permits free now.
  std::size_t available() const noexcept;
  /// acquire() calls waiting for a permit.
  std::size_t waitingCount() const noexcept;

 private:
  friend class Mutex;
  template <class P>
  Promise<P> acquireAs(AbortSignal signal);
  detail::SemaphoreState* s_;
};

/// Mutual exclusion for coroutines on one loop: `auto lock = co_await mutex.lock();` keeps
/// every other lock() waiting, across any number of co_awaits, until `lock` is destroyed or
/// unlock()ed. FIFO, like Semaphore (a Semaphore of one permit). Not recursive: locking again
/// from the holder waits forever (unless its signal aborts). Loop-affine.
class Mutex {
 public:
  /// Ownership of the mutex: move-only, unlocks in its destructor or with unlock().
  class Lock {
   public:
    Lock() noexcept = default;
    /// Unlocks now (the first waiter gets the mutex); later calls do nothing.
    void unlock() noexcept { permit_.release(); }
    /// Whether this still holds the mutex.
    bool ownsLock() const noexcept { return static_cast<bool>(permit_); }
    explicit operator bool() const noexcept { return ownsLock(); }

   private:
    friend struct detail::SemaphoreState;
    friend class Mutex;
    explicit Lock(Semaphore::Permit permit) noexcept : permit_(std::move(permit)) {}
    Semaphore::Permit permit_;
  };

  Mutex() : sem_(1) {}

  /// Fulfills with the Lock once every earlier lock() has had and released it; with `signal`
  /// as Semaphore::acquire().
  [[nodiscard]] Promise<Lock> lock(AbortSignal signal = {});
  /// The Lock if the mutex is free now and nobody waits; nullopt otherwise.
  std::optional<Lock> tryLock() noexcept;
  /// Whether someone holds the mutex.
  bool isLocked() const noexcept { return sem_.available() == 0; }

 private:
  Semaphore sem_;
};

}  // namespace nx::resilience
