// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "nodexx/core/event.hpp"

namespace nx {

namespace detail {

// One emit() call, type-erased: the event, the payload type, and the arguments as an array of
// pointers to objects of the decayed argument types plus a mask of those that are const.
struct EmitCall {
  std::string_view event;
  const std::type_info* payload;
  void* const* args;
  std::uint64_t constMask;
};

// A type-erased EventEmitter listener, called with EmitCall's args and constMask. invoke's
// caller keeps the node alive; invokeHeld holds a reference itself while the callable runs and
// returns true, emit's result, so that the emit of a lone listener ends in a tail call.
struct EmitterListener : ListenerNode {
  const std::type_info* payload = nullptr;  // null: no parameters, accepts any payload
  void (*invoke)(EmitterListener*, void* const* args, std::uint64_t constMask) = nullptr;
  bool (*invokeHeld)(EmitterListener*, void* const* args, std::uint64_t constMask) = nullptr;
};

template <class... P>
struct ParamList {};

// The parameter list of a callable with one non-template call operator.
template <class T>
struct CallSignature {
  static constexpr bool kDeduced = false;
};
template <class R, class... P, bool NE>
struct CallSignature<R(P...) noexcept(NE)> {
  static constexpr bool kDeduced = true;
  using Params = ParamList<P...>;
};
template <class R, class... P, bool NE>
struct CallSignature<R (*)(P...) noexcept(NE)> : CallSignature<R(P...)> {};
template <class R, class C, class... P, bool NE>
struct CallSignature<R (C::*)(P...) noexcept(NE)> : CallSignature<R(P...)> {};
template <class R, class C, class... P, bool NE>
struct CallSignature<R (C::*)(P...) const noexcept(NE)> : CallSignature<R(P...)> {};
template <class R, class C, class... P, bool NE>
struct CallSignature<R (C::*)(P...)& noexcept(NE)> : CallSignature<R(P...)> {};
template <class R, class C, class... P, bool NE>
struct CallSignature<R (C::*)(P...) const& noexcept(NE)> : CallSignature<R(P...)> {};
template <class T>
requires requires { &T::operator(); }
struct CallSignature<T> : CallSignature<decltype(&T::operator())> {};

[[noreturn]] void throwConstNonCopyablePayload();

// Hands the listener parameter P an lvalue of the emitted object. A `T&` parameter bound to a
// const argument gets a copy, so a listener can never modify an object the caller made const.
template <class P>
class ParamRef {
  using T = std::decay_t<P>;
  static constexpr bool kMutable =
      std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>;

 public:
  ParamRef(void* arg, bool isConst) {
    if constexpr (kMutable) {
      if (!isConst) {
        ptr_ = static_cast<T*>(arg);
      } else if constexpr (std::is_copy_constructible_v<T>) {
        ptr_ = &copy_.emplace(*static_cast<const T*>(arg));
      } else {
        throwConstNonCopyablePayload();
      }
    } else {
      ptr_ = static_cast<const T*>(arg);
    }
  }
  ParamRef(const ParamRef&) = delete;
  ParamRef& operator=(const ParamRef&) = delete;
  decltype(auto) get() const noexcept { return *ptr_; }

 private:
  struct NoCopy {};
  std::conditional_t<kMutable, T*, const T*> ptr_ = nullptr;
  [[no_unique_address]] std::conditional_t<kMutable, std::optional<T>, NoCopy> copy_;
};

template <class D, class... P>
struct EmitterListenerImpl final : EmitterListener {
  template <class F>
  explicit EmitterListenerImpl(F&& f) : fn(std::forward<F>(f)) {
    destroy = [](ListenerNode* n) noexcept { delete static_cast<EmitterListenerImpl*>(n); };
    if constexpr (sizeof...(P) > 0) payload = &typeid(std::tuple<std::decay_t<P>...>);
    invoke = &call;
    invokeHeld = &callHeld;
  }

  static void call(EmitterListener* n, [[maybe_unused]] void* const* args,
                   [[maybe_unused]] std::uint64_t constMask) {
    auto& fn = static_cast<EmitterListenerImpl*>(n)->fn;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      // The ParamRef temporaries (and any copies they hold) live until the call returns.
      static_cast<void>(
          std::invoke(fn, ParamRef<P>(args[I], ((constMask >> I) & 1U) != 0).get()...));
    }
    (std::index_sequence_for<P...>{});
  }

  static bool callHeld(EmitterListener* n, void* const* args, std::uint64_t constMask) {
    const NodePtr held = share(n);
    call(n, args, constMask);
    return true;
  }

  D fn;
};

template <class D, class F, class... P>
NodePtr makeEmitterListener(F&& fn, bool once, ParamList<P...> /*params*/) {
  static_assert(sizeof...(P) <= 64, "an EventEmitter listener takes at most 64 parameters");
  static_assert((!std::is_rvalue_reference_v<P> && ...),
                "EventEmitter listener parameters must be T, const T& or T&: a T&& parameter "
                "would let one listener move the payload away from the next");
  static_assert(((std::is_lvalue_reference_v<P> || std::is_copy_constructible_v<P>)&&...),
                "a by-value listener parameter must be copyable; take const T& or T& instead");
  NodePtr node(new EmitterListenerImpl<D, P...>(std::forward<F>(fn)));
  node->once = once;
  node->id = nextListenerId();
  return node;
}

// One emit() argument as an object of its decayed type: the argument itself, or for arrays and
// functions the pointer they decay to.
template <class A>
class EmitArg {
  using T = std::decay_t<A>;
  static constexpr bool kDecays = !std::is_same_v<std::remove_cvref_t<A>, T>;

 public:
  static constexpr bool kConst = !kDecays && std::is_const_v<std::remove_reference_t<A>>;

  explicit EmitArg(std::remove_reference_t<A>& arg) noexcept : storage_(make(arg)) {}
  void* ptr() noexcept {
    if constexpr (kDecays) {
      return &storage_;
    } else {
      return const_cast<void*>(static_cast<const void*>(storage_));  // constness is in kConst
    }
  }

 private:
  using Storage = std::conditional_t<kDecays, T, std::remove_reference_t<A>*>;
  static Storage make(std::remove_reference_t<A>& arg) noexcept {
    if constexpr (kDecays) {
      return arg;
    } else {
      return std::addressof(arg);
    }
  }
  Storage storage_;
};

[[noreturn]] void throwUnhandledError(const std::string_view* text);

// Node's rule for emit("error") without an "error" listener, applied to the first argument.
[[noreturn]] inline void throwUnhandled() { throwUnhandledError(nullptr); }
template <class E, class... Rest>
[[noreturn]] void throwUnhandled(E&& error, Rest&&... /*rest*/) {
  using T = std::decay_t<E>;
  if constexpr (std::is_same_v<T, std::exception_ptr>) {
    if (error) std::rethrow_exception(error);
  } else if constexpr (std::is_base_of_v<std::exception, T>) {
    throw std::forward<E>(error);  // a copy of the static type, as given
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    if constexpr (std::is_pointer_v<std::remove_reference_t<E>>) {  // arrays are never null
      if (error == nullptr) throwUnhandledError(nullptr);
    }
    const std::string_view text = error;
    throwUnhandledError(&text);
  }
  throwUnhandledError(nullptr);
}

}  // namespace detail

/// Node's EventEmitter with string event names and typed payloads, for application events (the
/// framework's own objects use Event<Args...> members). Node's rules: listeners run synchronously
/// in registration order, prepend* first; emit() calls the listeners present when it starts (one
/// added during emit is not called, one removed during emit still is); a once listener is
/// removed before it is called and runs at most once; re-entrant emit works; "newListener" is
/// emitted before a listener is added and "removeListener" after one is removed (payload: the
/// event name as std::string); an exception from a listener propagates out of emit() and the
/// remaining listeners are not called; emit("error") with no "error" listener throws.
///
/// Payloads: a listener is any callable with one non-template call operator; its payload type
/// is `std::tuple<std::decay_t<P>...>` of its parameters, emit's is
/// `std::tuple<std::decay_t<Args>...>` (spell it as `emit<std::string>("data", "x")` if needed).
/// Parameters may be `T`, `const T&` or `T&`; a listener with no parameters accepts any payload.
/// Return values are ignored. emit() allocates nothing for up to 8 listeners.
///
/// Thread: the owning loop's thread only. Lifetime: removing listeners, or destroying the emitter,
/// from inside a listener is safe; after the emitter is destroyed the running emit calls no
/// further listeners. Movable, but not while it is emitting. Derive from it to make a class an
/// emitter (the leak warning names the derived class).
class EventEmitter {
 public:
  /// An emitter with no listeners and the default listener limit.
  EventEmitter() noexcept = default;
  /// Moves the listeners and the limit. Undefined while `other` is emitting (debug asserts).
  EventEmitter(EventEmitter&& other) noexcept;
  /// Moves the listeners and the limit, dropping this emitter's own. Undefined while either is
  /// emitting (debug asserts).
  EventEmitter& operator=(EventEmitter&& other) noexcept;
  EventEmitter(const EventEmitter&) = delete;
  EventEmitter& operator=(const EventEmitter&) = delete;
  /// Releases the listeners; safe from inside one of this emitter's listeners.
  virtual ~EventEmitter();

  /// Appends `listener` for `event`; returns its id for off(). Emits "newListener" first, may
  /// print the leak warning. Throws SystemError ERR_INVALID_ARG_TYPE for a "newListener" or
  /// "removeListener" listener whose payload is neither () nor (std::string), and whatever a
  /// "newListener" listener throws (the listener is then not added).
  template <class F>
  ListenerId on(std::string_view event, F&& listener) {
    return add(event, make(std::forward<F>(listener), false), false);
  }
  /// Same as on().
  template <class F>
  ListenerId addListener(std::string_view event, F&& listener) {
    return on(event, std::forward<F>(listener));
  }
  /// Like on(), but the listener is removed just before its first call.
  template <class F>
  ListenerId once(std::string_view event, F&& listener) {
    return add(event, make(std::forward<F>(listener), true), false);
  }
  /// Like on(), but the listener goes before the existing ones.
  template <class F>
  ListenerId prependListener(std::string_view event, F&& listener) {
    return add(event, make(std::forward<F>(listener), false), true);
  }
  /// Like once(), but the listener goes before the existing ones.
  template <class F>
  ListenerId prependOnceListener(std::string_view event, F&& listener) {
    return add(event, make(std::forward<F>(listener), true), true);
  }

  /// Removes listener `id` from `event`, then emits "removeListener". Returns false (and emits
  /// nothing) if it is not registered there. Throws what a "removeListener" listener throws.
  bool off(std::string_view event, ListenerId id);
  /// Same as off().
  bool removeListener(std::string_view event, ListenerId id) { return off(event, id); }
  /// Removes every listener of every event; with "removeListener" listeners present, emits
  /// "removeListener" for each, last-registered first per event, in Node's order. Returns *this.
  EventEmitter& removeAllListeners();
  /// Removes every listener of `event` (last-registered first, emitting "removeListener").
  EventEmitter& removeAllListeners(std::string_view event);

  /// Calls the listeners of `event` with lvalue references to `args` (no copies, except for a
  /// `T&` parameter bound to a const argument). Returns true if there were listeners.
  /// Throws SystemError ERR_INVALID_ARG_TYPE, before calling any listener, when a listener's
  /// payload type differs from emit's; and whatever a listener throws. For "error" with no
  /// listener: rethrows a std::exception_ptr first argument, throws a copy of a std::exception
  /// (its static type), and otherwise SystemError ERR_UNHANDLED_ERROR "Unhandled error."
  template <class... Args>
  bool emit(std::string_view event, Args&&... args) {
    static_assert(sizeof...(Args) <= 64, "emit takes at most 64 arguments");
    using Payload = std::tuple<std::decay_t<Args>...>;
    const bool had = [&]<std::size_t... I>(std::index_sequence<I...>) {
      constexpr std::uint64_t kConstMask =
          (std::uint64_t{0} | ... | (std::uint64_t{detail::EmitArg<Args>::kConst} << I));
      std::tuple<detail::EmitArg<Args>...> slots{detail::EmitArg<Args>(args)...};
      void* ptrs[sizeof...(Args) == 0 ? 1 : sizeof...(Args)] = {std::get<I>(slots).ptr()...};
      return emitImpl({event, &typeid(Payload), ptrs, kConstMask});
    }
    (std::index_sequence_for<Args...>{});
    if (!had && event == "error") detail::throwUnhandled(std::forward<Args>(args)...);
    return had;
  }

  /// The number of listeners for `event`.
  std::size_t listenerCount(std::string_view event) const noexcept;
  /// The events that have listeners, in the order their first current listener was added.
  std::vector<std::string> eventNames() const;
  /// Sets the per-event leak-warning threshold; 0 = unlimited. Returns *this.
  EventEmitter& setMaxListeners(std::size_t n) noexcept;
  /// This emitter's threshold, or defaultMaxListeners() if none was set.
  std::size_t getMaxListeners() const noexcept;
  /// Sets the process-wide default threshold (initially 10), used by every emitter and Event
  /// without its own. Any thread.
  static void setDefaultMaxListeners(std::size_t n) noexcept;
  /// The process-wide default threshold.
  static std::size_t defaultMaxListeners() noexcept;

 private:
  struct Entry {
    std::string name;
    detail::ListenerList listeners;
    // The emit payload type last found to suit every listener; reset when one is added.
    const std::type_info* checkedPayload = nullptr;
  };

  template <class F>
  static detail::NodePtr make(F&& listener, bool once) {
    using Signature = detail::CallSignature<std::remove_cvref_t<F>>;
    static_assert(Signature::kDeduced,
                  "an EventEmitter listener needs one non-template call operator (a generic "
                  "lambda has none): spell its parameter types");
    return detail::makeEmitterListener<std::decay_t<F>>(std::forward<F>(listener), once,
                                                        typename Signature::Params{});
  }

  ListenerId add(std::string_view event, detail::NodePtr node, bool prepend);
  bool emitImpl(const detail::EmitCall& call);
  bool checkAndEmit(Entry& entry, const detail::EmitCall& call);
  bool emitEach(std::span<detail::ListenerNode* const> nodes, const detail::EmitCall& call);
  Entry* find(std::string_view event) noexcept;
  const Entry* find(std::string_view event) const noexcept;

  std::vector<Entry> events_;
  std::optional<std::size_t> maxListeners_;
};

}  // namespace nx
