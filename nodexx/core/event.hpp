// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nx {

/// Identifies one registered listener, returned by on()/once() and taken by off(): C++ callables
/// have no identity, so removal is by id. Ids are unique within the process and never 0.
using ListenerId = std::uint64_t;

namespace detail {

// The machinery shared by Event<Args...> and EventEmitter; the function bodies are in
// event_impl.hpp. Listeners are heap nodes with an intrusive, non-atomic reference count
// (emitters are loop-affine): the listener list holds one reference, and an emit that must keep
// a listener alive past its removal (see EmitFrame) holds another.

struct ListenerNode {
  std::uint32_t refs = 1;
  bool once = false;
  bool fired = false;  // a once listener that has started; the wrapper's `fired` in Node
  ListenerId id = 0;
  void (*destroy)(ListenerNode*) noexcept = nullptr;
};

inline void retain(ListenerNode* node) noexcept { ++node->refs; }

inline void release(ListenerNode* node) noexcept {
  if (--node->refs == 0) node->destroy(node);
}

struct NodeReleaser {
  void operator()(ListenerNode* node) const noexcept { release(node); }
};
using NodePtr = std::unique_ptr<ListenerNode, NodeReleaser>;

// A new reference to `node`.
inline NodePtr share(ListenerNode* node) noexcept {
  retain(node);
  return NodePtr(node);
}

inline ListenerId nextListenerId() noexcept {
  static std::atomic<ListenerId> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

// EventEmitter.defaultMaxListeners: process-wide, read whenever a limit is checked, as in Node.
inline std::atomic<std::size_t> defaultMaxListeners{10};

// Prints Node 20's MaxListenersExceededWarning.
inline void warnMaxListeners(std::string_view event, std::size_t count, std::size_t max,
                             std::string_view owner);

// The listeners of one event in call order; each entry owns one reference. Every change first
// gives the emits that are calling this very array their own copy (EmitFrame::keepSnapshots).
class ListenerList {
 public:
  ListenerList() = default;
  ListenerList(ListenerList&& other) noexcept;
  ListenerList& operator=(ListenerList&& other) noexcept;
  ~ListenerList() { clear(); }

  void insert(NodePtr node, bool prepend);
  // Unlinks the listener `id`, handing the list's reference to the caller; null if absent.
  NodePtr detach(ListenerId id) noexcept;
  void clear() noexcept;

  std::size_t size() const noexcept { return nodes_.size(); }
  std::span<ListenerNode* const> nodes() const noexcept { return nodes_; }

  // True once per crossing of `max` (0 = unlimited), when the caller must print the warning.
  bool shouldWarn(std::size_t max) noexcept;

 private:
  void keepSnapshots() const noexcept;

  std::vector<ListenerNode*> nodes_;
  bool warned_ = false;
};

// One emit in progress: the listeners it calls (Node clones the array before calling) and
// whether its owner, the Event or EventEmitter, has been destroyed. Frames form a per-thread
// stack, which is what lets the rare events reach them: a change to a listener array that a
// frame is still calling copies the array into the frame first, retaining each listener, so an
// emit costs no copy and no reference counting unless its listeners change during it; and an
// owner's destructor marks its frames so that they call no further listener and never touch it
// again. Up to kInline listeners nothing is allocated; longer arrays are copied at the start.
class EmitFrame {
 public:
  // A frame that only watches for the destruction of `owner`, the Event or EventEmitter.
  explicit EmitFrame(const void* owner) noexcept;
  // A frame that calls the listener array `nodes` of `owner`. Throws std::bad_alloc only.
  EmitFrame(const void* owner, std::span<ListenerNode* const> nodes);
  EmitFrame(const EmitFrame&) = delete;
  EmitFrame& operator=(const EmitFrame&) = delete;
  ~EmitFrame();

  // The i-th listener of the array given at construction.
  ListenerNode* operator[](std::size_t i) const noexcept { return nodes_[i]; }
  bool ownerDestroyed() const noexcept { return ownerDestroyed_; }

  // Called before a list's array `nodes` changes or is freed.
  static void keepSnapshots(ListenerNode* const* nodes) noexcept;
  // Called by an owner's destructor.
  static void markOwnerDestroyed(const void* owner) noexcept;
  // Whether `owner` is emitting on this thread, for debug assertions.
  static bool isEmitting(const void* owner) noexcept;

 private:
  static constexpr std::size_t kInline = 8;

  void keep();
  void releaseKept() noexcept;
  static void keepSnapshotsSlow(ListenerNode* const* nodes) noexcept;
  static void markOwnerDestroyedSlow(const void* owner) noexcept;

  // The innermost frame of this thread. A thread-local stack rather than a list in each owner,
  // so that a frame is unlinked on every exit, also when its owner is gone (a list in a destroyed
  // owner cannot be written, and g++ 12 -O3 reports the frame left linked there as dangling).
  static inline thread_local EmitFrame* top_ = nullptr;

  EmitFrame* prev_;
  const void* owner_;
  ListenerNode* const* nodes_ = nullptr;
  std::size_t size_ = 0;
  bool ownerDestroyed_ = false;
  bool kept_ = false;  // nodes_ is this frame's own copy, each listener retained
  ListenerNode* inline_[kInline];
};

// Binds one emit() argument to the listener parameter type T&: rvalues and non-const lvalues of
// type T by reference, anything else (const lvalues, conversions) through a copy.
template <class T, class A>
class EventArg {
  static constexpr bool kByRef =
      std::is_same_v<std::remove_cvref_t<A>, T> && !std::is_const_v<std::remove_reference_t<A>>;
  using Storage = std::conditional_t<kByRef, T*, T>;

 public:
  explicit EventArg(A&& arg) : storage_(make(std::forward<A>(arg))) {}
  T& get() noexcept {
    if constexpr (kByRef) {
      return *storage_;
    } else {
      return storage_;
    }
  }

 private:
  static Storage make(A&& arg) {
    if constexpr (kByRef) {
      return std::addressof(arg);
    } else {
      return Storage(std::forward<A>(arg));
    }
  }
  Storage storage_;
};

}  // namespace detail

/// A callable that Event<Args...> accepts as a listener: invocable with `Args&...`.
template <class F, class... Args>
concept EventListener = requires(std::decay_t<F>& listener, Args&... args) {
  std::invoke(listener, args...);
};

/// A typed event member for framework objects: `Event<Buffer> data{"data"};`,
/// `Event<> close{"close"};`. Node's EventEmitter rules for one event, checked at compile time:
/// listeners run synchronously in registration order (prepend* first); emit() calls the
/// listeners present when it starts (one added during emit is not called, one removed during
/// emit still is); a once listener is removed before it is called and runs at most once;
/// re-entrant emit works; an exception from a listener propagates out of emit() and the
/// remaining listeners are not called. More than getMaxListeners() listeners prints one
/// MaxListenersExceededWarning. There is no "error" rule and no newListener/removeListener.
///
/// Listeners are any callable invocable with `Args&...` (so parameters `T`, `const T&` and `T&`
/// work); their return value is ignored. emit() allocates nothing for up to 8 listeners.
/// Thread: the owning loop's thread only. Lifetime: destroying the Event, or removing listeners,
/// from inside a listener is safe; the running emit then calls no further listeners.
template <class... Args>
class Event {
 public:
  /// `name` is the event's name in the leak warning and `owner` the emitter's class name
  /// ("... 11 data listeners added to [Socket]"). Both must outlive the Event (use literals).
  explicit Event(std::string_view name, std::string_view owner = "EventEmitter") noexcept
      : name_(name), owner_(owner) {}

  /// Moves the listeners. Undefined while either Event is emitting (debug builds assert).
  Event(Event&& other) noexcept
      : list_(std::move(other.list_)),
        name_(other.name_),
        owner_(other.owner_),
        maxListeners_(other.maxListeners_),
        hasMaxListeners_(other.hasMaxListeners_) {
    assert(!detail::EmitFrame::isEmitting(&other) && "Event moved during emit");
  }
  /// Moves the listeners, dropping this Event's own. Undefined while either Event is emitting.
  Event& operator=(Event&& other) noexcept {
    assert(!detail::EmitFrame::isEmitting(this) && !detail::EmitFrame::isEmitting(&other) &&
           "Event moved during emit");
    list_ = std::move(other.list_);
    name_ = other.name_;
    owner_ = other.owner_;
    maxListeners_ = other.maxListeners_;
    hasMaxListeners_ = other.hasMaxListeners_;
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  /// Releases the listeners; safe from inside one of this Event's listeners.
  ~Event() { detail::EmitFrame::markOwnerDestroyed(this); }

  /// Appends `listener`, called on every emit. Returns its id for off(). May print the leak
  /// warning. Throws std::bad_alloc only.
  template <EventListener<Args...> F>
  ListenerId on(F&& listener) {
    return add(std::forward<F>(listener), false, false);
  }
  /// Appends `listener`, removed just before its first call.
  template <EventListener<Args...> F>
  ListenerId once(F&& listener) {
    return add(std::forward<F>(listener), true, false);
  }
  /// Like on(), but the listener goes first.
  template <EventListener<Args...> F>
  ListenerId prependListener(F&& listener) {
    return add(std::forward<F>(listener), false, true);
  }
  /// Like once(), but the listener goes first.
  template <EventListener<Args...> F>
  ListenerId prependOnceListener(F&& listener) {
    return add(std::forward<F>(listener), true, true);
  }

  /// Removes the listener `id`; false if it is not registered (already removed, fired once).
  bool off(ListenerId id) noexcept { return static_cast<bool>(list_.detach(id)); }

  /// Calls the current listeners with lvalue references to the arguments. Rvalues and
  /// non-const lvalues of the exact type are passed through (a listener taking `T&` sees and
  /// may change the caller's object); const or converted arguments are copied once per emit.
  /// Returns true if there were listeners. Exceptions from listeners propagate.
  template <class... A>
  bool emit(A&&... args) {
    static_assert(sizeof...(A) == sizeof...(Args) && (std::is_constructible_v<Args, A&&> && ...),
                  "Event::emit takes one argument per event parameter, convertible to it");
    if (list_.size() == 0) return false;
    // The EventArg temporaries live until emitRefs returns (end of the full-expression).
    return emitRefs(detail::EventArg<Args, A>(std::forward<A>(args)).get()...);
  }

  /// The number of listeners.
  std::size_t listenerCount() const noexcept { return list_.size(); }
  /// Removes every listener. Returns *this.
  Event& removeAllListeners() noexcept {
    list_.clear();
    return *this;
  }
  /// Sets the leak-warning threshold for this Event; 0 = unlimited. Default:
  /// EventEmitter::defaultMaxListeners() (10), read at each check. Returns *this.
  Event& setMaxListeners(std::size_t n) noexcept {
    maxListeners_ = n;
    hasMaxListeners_ = true;
    return *this;
  }
  /// The current leak-warning threshold (0 = unlimited).
  std::size_t getMaxListeners() const noexcept {
    return hasMaxListeners_ ? maxListeners_
                            : detail::defaultMaxListeners.load(std::memory_order_relaxed);
  }
  /// The event's name given at construction.
  std::string_view name() const noexcept { return name_; }

 private:
  struct Node : detail::ListenerNode {
    void (*invoke)(Node*, Args&...) = nullptr;
  };
  template <class D>
  struct Impl;

  template <class F>
  ListenerId add(F&& listener, bool once, bool prepend);
  bool emitRefs(Args&... args);
  bool emitEach(std::span<detail::ListenerNode* const> nodes, Args&... args);

  detail::ListenerList list_;
  std::string_view name_;
  std::string_view owner_;
  // Not a std::optional: g++ 12 at -O3 warns that a disengaged one's value may be read.
  std::size_t maxListeners_ = 0;
  bool hasMaxListeners_ = false;
};

}  // namespace nx

#include "nodexx/core/event_impl.hpp"  // IWYU pragma: export
