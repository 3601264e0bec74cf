// SPDX-License-Identifier: MIT
#include "nodexx/core/event_emitter.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <memory>

#include "nodexx/core/errors.hpp"

namespace nx {

namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

// The class name without its namespaces, as Node prints an emitter: "[Socket]".
std::string shortClassName(const std::type_info& type) {
  std::string name = demangle(type.name());
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<' || name[i] == '(') ++depth;
    if (name[i] == '>' || name[i] == ')') --depth;
    if (depth == 0 && name[i] == ':' && name[i + 1] == ':') start = i + 2;
  }
  return name.substr(start);
}

bool isMetaEvent(std::string_view event) {
  return event == "newListener" || event == "removeListener";
}

}  // namespace

namespace detail {

void throwConstNonCopyablePayload() {
  throw SystemError("ERR_INVALID_ARG_TYPE",
                    "A listener takes a non-const reference to a payload that emit passed as "
                    "const and that cannot be copied");
}

void throwUnhandledError(const std::string_view* text) {
  std::string message = "Unhandled error.";
  if (text != nullptr) message.append(" ('").append(*text).append("')");
  throw SystemError("ERR_UNHANDLED_ERROR", message);
}

}  // namespace detail

EventEmitter::EventEmitter(EventEmitter&& other) noexcept
    : events_(std::move(other.events_)), maxListeners_(other.maxListeners_) {
  assert(other.frames_ == nullptr && "EventEmitter moved during emit");
  other.events_.clear();
}

EventEmitter& EventEmitter::operator=(EventEmitter&& other) noexcept {
  assert(frames_ == nullptr && other.frames_ == nullptr && "EventEmitter moved during emit");
  if (this != &other) {
    // Take the old listeners out first: their destructors run after this emitter is consistent.
    std::vector<Entry> old = std::exchange(events_, std::move(other.events_));
    other.events_.clear();
    maxListeners_ = other.maxListeners_;
  }
  return *this;
}

EventEmitter::~EventEmitter() { detail::markOwnerDestroyed(frames_); }

EventEmitter::Entry* EventEmitter::find(std::string_view event) noexcept {
  for (Entry& entry : events_) {
    if (entry.name == event) return &entry;
  }
  return nullptr;
}

const EventEmitter::Entry* EventEmitter::find(std::string_view event) const noexcept {
  for (const Entry& entry : events_) {
    if (entry.name == event) return &entry;
  }
  return nullptr;
}

ListenerId EventEmitter::add(std::string_view event, detail::NodePtr node, bool prepend) {
  const auto* listener = static_cast<const detail::EmitterListener*>(node.get());
  if (isMetaEvent(event) && listener->payload != nullptr &&
      *listener->payload != typeid(std::tuple<std::string>)) {
    throw SystemError("ERR_INVALID_ARG_TYPE",
                      "The \"" + std::string(event) +
                          "\" listener must take the event name (std::string) or nothing");
  }
  if (find("newListener") != nullptr) {
    detail::FrameGuard frame(frames_);
    emit("newListener", std::string(event));
    // A "newListener" listener destroyed this emitter: there is nothing left to add to.
    if (frame.ownerDestroyed()) return node->id;
  }
  const ListenerId id = node->id;
  Entry* entry = find(event);
  if (entry == nullptr) {
    // Build the entry whole, so that a failed allocation leaves no event without listeners.
    Entry fresh{std::string(event), {}};
    fresh.listeners.insert(std::move(node), prepend);
    entry = &events_.emplace_back(std::move(fresh));
  } else {
    entry->listeners.insert(std::move(node), prepend);
  }
  const std::size_t max = getMaxListeners();
  if (entry->listeners.shouldWarn(max)) {
    detail::warnMaxListeners(event, entry->listeners.size(), max, shortClassName(typeid(*this)));
  }
  return id;
}

bool EventEmitter::off(std::string_view event, ListenerId id) {
  auto entry =
      std::find_if(events_.begin(), events_.end(), [&](const Entry& e) { return e.name == event; });
  if (entry == events_.end()) return false;
  detail::NodePtr node = entry->listeners.detach(id);
  if (!node) return false;
  // Copied before the erase below, which may free the name that `event` views.
  std::optional<std::string> name;
  if (find("removeListener") != nullptr) name.emplace(event);
  // Node deletes an event's key with its last listener, so a later listener re-registers the
  // name at the end of eventNames().
  if (entry->listeners.size() == 0) events_.erase(entry);
  node.reset();
  if (name && find("removeListener") != nullptr) emit("removeListener", std::move(*name));
  return true;
}

EventEmitter& EventEmitter::removeAllListeners(std::string_view event) {
  Entry* entry = find(event);
  if (entry == nullptr) return *this;
  if (find("removeListener") == nullptr) {
    // Move the list out before releasing: a callable's destructor may touch this emitter.
    detail::ListenerList listeners = std::move(entry->listeners);
    events_.erase(events_.begin() + (entry - events_.data()));
    return *this;
  }
  // Node removes the listeners present now, last first, each with its own "removeListener".
  std::vector<ListenerId> ids;
  ids.reserve(entry->listeners.size());
  for (const detail::ListenerNode* node : entry->listeners.nodes()) ids.push_back(node->id);
  const std::string name(event);  // `event` may view a name that removal frees
  detail::FrameGuard frame(frames_);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    off(name, *it);
    if (frame.ownerDestroyed()) break;
  }
  return *this;
}

EventEmitter& EventEmitter::removeAllListeners() {
  if (find("removeListener") == nullptr) {
    std::vector<Entry> old = std::move(events_);
    events_.clear();
    return *this;
  }
  std::vector<std::string> names;
  names.reserve(events_.size());
  for (const Entry& entry : events_) {
    if (entry.name != "removeListener") names.push_back(entry.name);
  }
  detail::FrameGuard frame(frames_);
  for (const std::string& name : names) {
    removeAllListeners(name);
    if (frame.ownerDestroyed()) return *this;
  }
  removeAllListeners("removeListener");
  if (frame.ownerDestroyed()) return *this;
  // Listeners added by "removeListener" listeners meanwhile go too, as in Node.
  std::vector<Entry> old = std::move(events_);
  events_.clear();
  return *this;
}

bool EventEmitter::emitImpl(std::string_view event, const std::type_info& payload,
                            void* const* args, std::uint64_t constMask) {
  const Entry* entry = find(event);
  if (entry == nullptr) return false;
  const auto nodes = entry->listeners.nodes();
  for (const detail::ListenerNode* node : nodes) {
    const auto* listener = static_cast<const detail::EmitterListener*>(node);
    if (listener->payload != nullptr && *listener->payload != payload) {
      throw SystemError("ERR_INVALID_ARG_TYPE", "The \"" + std::string(event) +
                                                    "\" event listener takes " +
                                                    demangle(listener->payload->name()) +
                                                    " but emit passed " + demangle(payload.name()));
    }
  }
  const detail::Snapshot snapshot(nodes);
  detail::FrameGuard frame(frames_);
  for (std::size_t i = 0; i < snapshot.size(); ++i) {
    auto* listener = static_cast<detail::EmitterListener*>(snapshot[i]);
    if (listener->once) {
      if (listener->fired) continue;
      listener->fired = true;
      off(event, listener->id);
      if (frame.ownerDestroyed()) break;
    }
    listener->invoke(listener, args, constMask);
    if (frame.ownerDestroyed()) break;
  }
  return true;
}

std::size_t EventEmitter::listenerCount(std::string_view event) const noexcept {
  const Entry* entry = find(event);
  return entry == nullptr ? 0 : entry->listeners.size();
}

std::vector<std::string> EventEmitter::eventNames() const {
  std::vector<std::string> names;
  names.reserve(events_.size());
  for (const Entry& entry : events_) names.push_back(entry.name);
  return names;
}

EventEmitter& EventEmitter::setMaxListeners(std::size_t n) noexcept {
  maxListeners_ = n;
  return *this;
}

std::size_t EventEmitter::getMaxListeners() const noexcept {
  return maxListeners_.value_or(defaultMaxListeners());
}

void EventEmitter::setDefaultMaxListeners(std::size_t n) noexcept {
  detail::defaultMaxListeners.store(n, std::memory_order_relaxed);
}

std::size_t EventEmitter::defaultMaxListeners() noexcept {
  return detail::defaultMaxListeners.load(std::memory_order_relaxed);
}

}  // namespace nx
