// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "nodexx/core/move_function.hpp"

namespace nx {

using ListenerId = std::uint64_t;

namespace detail {
struct AbortState;
}

/// A cancellation signal (the Web/Node AbortSignal). Copies share one signal. A
/// default-constructed signal never aborts, so APIs take `AbortSignal signal = {}`. Loop-affine.
class AbortSignal {
 public:
  AbortSignal() noexcept = default;

  bool aborted() const noexcept;
  /// Why it aborted; null while not aborted. Without a reason from the controller it is an
  /// AbortError "This operation was aborted" (Node's DOMException).
  std::exception_ptr reason() const noexcept;
  /// Rethrows reason() if aborted.
  void throwIfAborted() const;

  /// Calls `fn` once, synchronously, when the signal aborts (the "abort" event). Not called if
  /// the signal is already aborted or never aborts; returns 0 then. Exceptions thrown by `fn`
  /// are reported as uncaught.
  ListenerId onAbort(MoveFunction<void()> fn) const;
  /// Removes an onAbort listener; false if it was not registered.
  bool off(ListenerId id) const;

  /// An already aborted signal; `reason` defaults to an AbortError.
  static AbortSignal abort(std::exception_ptr reason = nullptr);
  /// A signal that aborts after `ms` milliseconds with a TimeoutError reason. Its timer does not
  /// keep the loop alive.
  static AbortSignal timeout(double ms);
  /// A signal that aborts when the first of `signals` does, with that one's reason.
  static AbortSignal any(const std::vector<AbortSignal>& signals);

  /// False for a default-constructed signal.
  explicit operator bool() const noexcept { return static_cast<bool>(s_); }

 private:
  friend class AbortController;
  explicit AbortSignal(std::shared_ptr<detail::AbortState> s) noexcept : s_(std::move(s)) {}
  // shared_ptr: any() and timeout() hold weak references, so a dropped signal is not kept alive
  // by the signals it follows.
  std::shared_ptr<detail::AbortState> s_;
};

/// Owns a signal and aborts it (AbortController).
class AbortController {
 public:
  AbortController();
  AbortSignal signal() const noexcept { return signal_; }
  /// Aborts the signal with `reason` (default AbortError), running its listeners now. Later
  /// calls have no effect.
  void abort(std::exception_ptr reason = nullptr);

 private:
  AbortSignal signal_;
};

}  // namespace nx
