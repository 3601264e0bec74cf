// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/warning.hpp"

namespace nx {

/// Identifies one registered listener, returned by on()/once() and taken by off(): C++ callables
/// have no identity, so removal is by id. Ids are unique within the process and never 0.
using ListenerId = std::uint64_t;

namespace detail {

// The machinery shared by Event<Args...> and EventEmitter. Listeners are heap nodes with an
// intrusive, non-atomic reference count (emitters are loop-affine): the listener list holds one
// reference and every emit in progress holds one, so removing a listener, or destroying the
// emitter, from inside a listener never frees a callable that is still running.

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

inline ListenerId nextListenerId() noexcept {
  static std::atomic<ListenerId> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

// EventEmitter.defaultMaxListeners: process-wide, read whenever a limit is checked, as in Node.
inline std::atomic<std::size_t> defaultMaxListeners{10};

// Node 20's MaxListenersExceededWarning text.
inline void warnMaxListeners(std::string_view event, std::size_t count, std::size_t max,
                             std::string_view owner) {
  std::string message = "Possible EventEmitter memory leak detected. ";
  message.append(std::to_string(count)).append(" ").append(event);
  message.append(" listeners added to [").append(owner).append("]. MaxListeners is ");
  message.append(std::to_string(max)).append(". Use emitter.setMaxListeners() to increase limit");
  process::emitWarning(message, "MaxListenersExceededWarning");
}

// The listeners of one event in call order; each entry owns one reference.
class ListenerList {
 public:
  ListenerList() = default;
  ListenerList(ListenerList&& other) noexcept
      : nodes_(std::move(other.nodes_)), warned_(std::exchange(other.warned_, false)) {
    other.nodes_.clear();
  }
  ListenerList& operator=(ListenerList&& other) noexcept {
    if (this != &other) {
      clear();
      nodes_ = std::move(other.nodes_);
      other.nodes_.clear();
      warned_ = std::exchange(other.warned_, false);
    }
    return *this;
  }
  ~ListenerList() { clear(); }

  void insert(NodePtr node, bool prepend) {
    if (prepend) {
      nodes_.insert(nodes_.begin(), node.get());
    } else {
      nodes_.push_back(node.get());
    }
    node.release();  // NOLINT(bugprone-unused-return-value): the list now owns the reference
  }

  // Unlinks the listener `id`, handing the list's reference to the caller; null if absent.
  NodePtr detach(ListenerId id) noexcept {
    for (auto it = nodes_.end(); it != nodes_.begin();) {
      --it;
      if ((*it)->id == id) {
        NodePtr node(*it);
        nodes_.erase(it);
        // Node keeps `warned` on the listener array, which it replaces by the bare function
        // when one listener is left, so the warning can come again after that.
        if (nodes_.size() <= 1) warned_ = false;
        return node;
      }
    }
    return nullptr;
  }

  void clear() noexcept {
    // Unlink first: a callable's destructor may run code that looks at this list.
    std::vector<ListenerNode*> nodes = std::move(nodes_);
    nodes_.clear();
    warned_ = false;
    for (ListenerNode* node : nodes) release(node);
  }

  std::size_t size() const noexcept { return nodes_.size(); }
  std::span<ListenerNode* const> nodes() const noexcept { return nodes_; }

  // True once per crossing of `max` (0 = unlimited), when the caller must print the warning.
  bool shouldWarn(std::size_t max) noexcept {
    if (max == 0 || nodes_.size() <= max || warned_) return false;
    warned_ = true;
    return true;
  }

 private:
  std::vector<ListenerNode*> nodes_;
  bool warned_ = false;
};

// The listeners an emit calls (Node clones the array before calling), each retained until the
// emit ends. Up to kInline listeners it does not allocate.
class Snapshot {
 public:
  explicit Snapshot(std::span<ListenerNode* const> nodes) : size_(nodes.size()) {
    if (size_ > kInline) {
      heap_ = std::make_unique_for_overwrite<ListenerNode*[]>(size_);
      data_ = heap_.get();
    }
    for (std::size_t i = 0; i < size_; ++i) {
      data_[i] = nodes[i];
      retain(nodes[i]);
    }
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot() {
    for (std::size_t i = 0; i < size_; ++i) release(data_[i]);
  }

  std::size_t size() const noexcept { return size_; }
  ListenerNode* operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  static constexpr std::size_t kInline = 8;
  std::size_t size_;
  ListenerNode* inline_[kInline];
  std::unique_ptr<ListenerNode*[]> heap_;
  ListenerNode** data_ = inline_;
};

// One emit in progress, linked from its emitter so that the emitter's destructor can tell every
// running emit to stop without touching the destroyed object again.
struct EmitFrame {
  EmitFrame* prev = nullptr;
  bool ownerDestroyed = false;
};

class FrameGuard {
 public:
  explicit FrameGuard(EmitFrame*& top) noexcept : top_(top) {
    frame_.prev = top;
    top = &frame_;
  }
  FrameGuard(const FrameGuard&) = delete;
  FrameGuard& operator=(const FrameGuard&) = delete;
  ~FrameGuard() {
    if (!frame_.ownerDestroyed) top_ = frame_.prev;
  }
  bool ownerDestroyed() const noexcept { return frame_.ownerDestroyed; }

 private:
  EmitFrame*& top_;
  EmitFrame frame_;
};

inline void markOwnerDestroyed(EmitFrame* top) noexcept {
  for (; top != nullptr; top = top->prev) top->ownerDestroyed = true;
}

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
        maxListeners_(other.maxListeners_) {
    assert(other.frames_ == nullptr && "Event moved during emit");
  }
  /// Moves the listeners, dropping this Event's own. Undefined while either Event is emitting.
  Event& operator=(Event&& other) noexcept {
    assert(frames_ == nullptr && other.frames_ == nullptr && "Event moved during emit");
    list_ = std::move(other.list_);
    name_ = other.name_;
    owner_ = other.owner_;
    maxListeners_ = other.maxListeners_;
    return *this;
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  /// Releases the listeners; safe from inside one of this Event's listeners.
  ~Event() { detail::markOwnerDestroyed(frames_); }

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
    return *this;
  }
  /// The current leak-warning threshold (0 = unlimited).
  std::size_t getMaxListeners() const noexcept {
    return maxListeners_.value_or(detail::defaultMaxListeners.load(std::memory_order_relaxed));
  }
  /// The event's name given at construction.
  std::string_view name() const noexcept { return name_; }

 private:
  struct Node : detail::ListenerNode {
    void (*invoke)(Node*, Args&...) = nullptr;
  };
  template <class D>
  struct Impl final : Node {
    template <class F>
    explicit Impl(F&& f) : fn(std::forward<F>(f)) {
      this->destroy = [](detail::ListenerNode* n) noexcept { delete static_cast<Impl*>(n); };
      this->invoke = [](Node* n, Args&... args) {
        static_cast<void>(std::invoke(static_cast<Impl*>(n)->fn, args...));
      };
    }
    D fn;
  };

  template <class F>
  ListenerId add(F&& listener, bool once, bool prepend) {
    detail::NodePtr node(new Impl<std::decay_t<F>>(std::forward<F>(listener)));
    node->once = once;
    const ListenerId id = node->id = detail::nextListenerId();
    list_.insert(std::move(node), prepend);
    const std::size_t max = getMaxListeners();
    if (list_.shouldWarn(max)) detail::warnMaxListeners(name_, list_.size(), max, owner_);
    return id;
  }

  bool emitRefs(Args&... args) {
    detail::Snapshot snapshot(list_.nodes());
    detail::FrameGuard frame(frames_);
    for (std::size_t i = 0; i < snapshot.size(); ++i) {
      auto* node = static_cast<Node*>(snapshot[i]);
      if (node->once) {
        if (node->fired) continue;
        node->fired = true;
        list_.detach(node->id);
      }
      node->invoke(node, args...);
      if (frame.ownerDestroyed()) break;
    }
    return true;
  }

  detail::ListenerList list_;
  detail::EmitFrame* frames_ = nullptr;
  std::string_view name_;
  std::string_view owner_;
  std::optional<std::size_t> maxListeners_;
};

}  // namespace nx
