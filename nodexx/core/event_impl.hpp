// SPDX-License-Identifier: MIT
// Function bodies of event.hpp: the listener list, emit frames and Event<Args...>'s templates.
#pragma once

#include <string>

#include "nodexx/core/event.hpp"
#include "nodexx/core/warning.hpp"

namespace nx {
namespace detail {

inline void warnMaxListeners(std::string_view event, std::size_t count, std::size_t max,
                             std::string_view owner) {
  std::string message = "Possible EventEmitter memory leak detected. ";
  message.append(std::to_string(count)).append(" ").append(event);
  message.append(" listeners added to [").append(owner).append("]. MaxListeners is ");
  message.append(std::to_string(max)).append(". Use emitter.setMaxListeners() to increase limit");
  process::emitWarning(message, "MaxListenersExceededWarning");
}

// --- ListenerList -----------------------------------------------------------------------------

inline ListenerList::ListenerList(ListenerList&& other) noexcept
    : nodes_(std::move(other.nodes_)), warned_(std::exchange(other.warned_, false)) {
  other.nodes_.clear();
}

inline ListenerList& ListenerList::operator=(ListenerList&& other) noexcept {
  if (this != &other) {
    clear();
    nodes_ = std::move(other.nodes_);
    other.nodes_.clear();
    warned_ = std::exchange(other.warned_, false);
  }
  return *this;
}

inline void ListenerList::keepSnapshots() const noexcept {
  if (!nodes_.empty()) EmitFrame::keepSnapshots(nodes_.data());
}

inline void ListenerList::insert(NodePtr node, bool prepend) {
  keepSnapshots();
  if (prepend) {
    nodes_.insert(nodes_.begin(), node.get());
  } else {
    nodes_.push_back(node.get());
  }
  node.release();  // NOLINT(bugprone-unused-return-value): the list now owns the reference
}

inline NodePtr ListenerList::detach(ListenerId id) noexcept {
  for (auto it = nodes_.end(); it != nodes_.begin();) {
    --it;
    if ((*it)->id == id) {
      keepSnapshots();
      NodePtr node(*it);
      nodes_.erase(it);
      // Node keeps `warned` on the listener array, which it replaces by the bare function when
      // one listener is left, so the warning can come again after that.
      if (nodes_.size() <= 1) warned_ = false;
      return node;
    }
  }
  return nullptr;
}

inline void ListenerList::clear() noexcept {
  keepSnapshots();
  // Unlink first: a callable's destructor may run code that looks at this list.
  std::vector<ListenerNode*> nodes = std::move(nodes_);
  nodes_.clear();
  warned_ = false;
  for (ListenerNode* node : nodes) release(node);
}

inline bool ListenerList::shouldWarn(std::size_t max) noexcept {
  if (max == 0 || nodes_.size() <= max || warned_) return false;
  warned_ = true;
  return true;
}

// --- EmitFrame --------------------------------------------------------------------------------

inline EmitFrame::EmitFrame(const void* owner) noexcept : prev_(top_), owner_(owner) {
  top_ = this;
}

inline EmitFrame::EmitFrame(const void* owner, std::span<ListenerNode* const> nodes)
    : EmitFrame(owner) {
  nodes_ = nodes.data();
  size_ = nodes.size();
  // Longer arrays are copied now, when allocating can still throw. The delegated constructor
  // has completed, so the destructor unlinks this frame if it does.
  if (size_ > kInline) [[unlikely]] {
    keep();
  }
}

inline EmitFrame::~EmitFrame() {
  top_ = prev_;
  if (kept_) releaseKept();
}

inline void EmitFrame::keepSnapshots(ListenerNode* const* nodes) noexcept {
  if (top_ != nullptr) keepSnapshotsSlow(nodes);
}

inline void EmitFrame::markOwnerDestroyed(const void* owner) noexcept {
  if (top_ != nullptr) markOwnerDestroyedSlow(owner);
}

inline bool EmitFrame::isEmitting(const void* owner) noexcept {
  for (const EmitFrame* frame = top_; frame != nullptr; frame = frame->prev_) {
    if (frame->owner_ == owner && !frame->ownerDestroyed_) return true;
  }
  return false;
}

[[gnu::cold, gnu::noinline]] inline void EmitFrame::keep() {
  ListenerNode** copy = size_ <= kInline ? inline_ : new ListenerNode*[size_];
  for (std::size_t i = 0; i < size_; ++i) {
    copy[i] = nodes_[i];
    retain(copy[i]);
  }
  nodes_ = copy;
  kept_ = true;
}

[[gnu::cold, gnu::noinline]] inline void EmitFrame::releaseKept() noexcept {
  for (std::size_t i = 0; i < size_; ++i) release(nodes_[i]);
  if (size_ > kInline) delete[] nodes_;
}

[[gnu::cold, gnu::noinline]] inline void EmitFrame::keepSnapshotsSlow(
    ListenerNode* const* nodes) noexcept {
  // A frame still calling the list's array has seen no change to it, so the array holds exactly
  // the frame's listeners; and a frame with more than kInline copied them at the start, so this
  // copy allocates nothing.
  for (EmitFrame* frame = top_; frame != nullptr; frame = frame->prev_) {
    if (frame->nodes_ == nodes && !frame->kept_) frame->keep();
  }
}

[[gnu::cold, gnu::noinline]] inline void EmitFrame::markOwnerDestroyedSlow(
    const void* owner) noexcept {
  for (EmitFrame* frame = top_; frame != nullptr; frame = frame->prev_) {
    if (frame->owner_ == owner) frame->ownerDestroyed_ = true;
  }
}

}  // namespace detail

// --- Event<Args...> ---------------------------------------------------------------------------

template <class... Args>
template <class D>
struct Event<Args...>::Impl final : Node {
  template <class F>
  explicit Impl(F&& f) : fn(std::forward<F>(f)) {
    this->destroy = [](detail::ListenerNode* n) noexcept { delete static_cast<Impl*>(n); };
    this->invoke = [](Node* n, Args&... args) {
      static_cast<void>(std::invoke(static_cast<Impl*>(n)->fn, args...));
    };
  }
  D fn;
};

template <class... Args>
template <class F>
ListenerId Event<Args...>::add(F&& listener, bool once, bool prepend) {
  detail::NodePtr node(new Impl<std::decay_t<F>>(std::forward<F>(listener)));
  node->once = once;
  const ListenerId id = node->id = detail::nextListenerId();
  list_.insert(std::move(node), prepend);
  const std::size_t max = getMaxListeners();
  if (list_.shouldWarn(max)) detail::warnMaxListeners(name_, list_.size(), max, owner_);
  return id;
}

template <class... Args>
bool Event<Args...>::emitRefs(Args&... args) {
  const auto nodes = list_.nodes();
  if (nodes.size() == 1 && !nodes[0]->once) {
    // A lone listener needs no EmitFrame: no further listener is left to call, so it is enough
    // that this one outlives its own removal or the Event's destruction while it runs.
    const detail::NodePtr running = detail::share(nodes[0]);
    auto* node = static_cast<Node*>(running.get());
    node->invoke(node, args...);
    return true;
  }
  return emitEach(nodes, args...);
}

template <class... Args>
bool Event<Args...>::emitEach(std::span<detail::ListenerNode* const> nodes, Args&... args) {
  detail::EmitFrame frame(this, nodes);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto* node = static_cast<Node*>(frame[i]);
    if (node->once) {
      if (node->fired) continue;
      node->fired = true;
      list_.detach(node->id);  // the frame now holds its own reference to `node`
    }
    node->invoke(node, args...);
    if (frame.ownerDestroyed()) break;
  }
  return true;
}

}  // namespace nx
