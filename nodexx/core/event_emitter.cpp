// SPDX-License-Identifier: MIT
#include "nodexx/core/event_emitter.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

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

template <class T>
T load(const char* bytes) noexcept {
  T value;
  std::memcpy(&value, bytes, sizeof value);
  return value;
}

// Whether the n bytes at a and b are equal, in word compares (the last one overlapping) and
// without a call: event names are short, and a call to memcmp costs more than comparing them.
bool equalBytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (load<std::uint64_t>(a + i) != load<std::uint64_t>(b + i)) return false;
    }
    return load<std::uint64_t>(a + n - 8) == load<std::uint64_t>(b + n - 8);
  }
  if (n >= 4) {
    return load<std::uint32_t>(a) == load<std::uint32_t>(b) &&
           load<std::uint32_t>(a + n - 4) == load<std::uint32_t>(b + n - 4);
  }
  if (n == 0) return true;
  return a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1];
}

bool isNamed(const std::string& name, std::string_view event) noexcept {
  return name.size() == event.size() && equalBytes(name.data(), event.data(), event.size());
}

// EventEmitter::find, inlined into emit.
template <class Entry>
[[gnu::always_inline]] inline Entry* findEntry(std::span<Entry> entries,
                                               std::string_view event) noexcept {
  for (Entry& entry : entries) {
    if (isNamed(entry.name, event)) return &entry;
  }
  return nullptr;
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
  assert(!detail::EmitFrame::isEmitting(&other) && "EventEmitter moved during emit");
  other.events_.clear();
}

EventEmitter& EventEmitter::operator=(EventEmitter&& other) noexcept {
  assert(!detail::EmitFrame::isEmitting(this) && !detail::EmitFrame::isEmitting(&other) &&
         "EventEmitter moved during emit");
  if (this != &other) {
    // Take the old listeners out first: their destructors run after this emitter is consistent.
    std::vector<Entry> old = std::exchange(events_, std::move(other.events_));
    other.events_.clear();
    maxListeners_ = other.maxListeners_;
  }
  return *this;
}

EventEmitter::~EventEmitter() { detail::EmitFrame::markOwnerDestroyed(this); }

EventEmitter::Entry* EventEmitter::find(std::string_view event) noexcept {
  return findEntry(std::span<Entry>(events_), event);
}

const EventEmitter::Entry* EventEmitter::find(std::string_view event) const noexcept {
  return findEntry(std::span<const Entry>(events_), event);
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
    detail::EmitFrame frame(this);
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
    entry->checkedPayload = nullptr;
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
  detail::EmitFrame frame(this);
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
  detail::EmitFrame frame(this);
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

bool EventEmitter::emitImpl(const detail::EmitCall& call) {
  Entry* entry = findEntry(std::span<Entry>(events_), call.event);
  if (entry == nullptr) return false;
  if (entry->checkedPayload != call.payload) [[unlikely]] {
    return checkAndEmit(*entry, call);
  }
  const auto nodes = entry->listeners.nodes();
  if (nodes.size() == 1 && !nodes[0]->once) {
    // A lone listener needs no EmitFrame: no further listener is left to call, so it is enough
    // that this one outlives its own removal or the emitter's destruction while it runs, which
    // invokeHeld sees to.
    auto* listener = static_cast<detail::EmitterListener*>(nodes[0]);
    return listener->invokeHeld(listener, call.args, call.constMask);
  }
  return emitEach(nodes, call);
}

// Throws ERR_INVALID_ARG_TYPE, before any listener runs, if a listener takes another payload than
// emit's; otherwise remembers the payload as checked and emits again. The lookup repeats, but
// only on the first emit of the event with this payload type since a listener was added.
[[gnu::cold, gnu::noinline]] bool EventEmitter::checkAndEmit(Entry& entry,
                                                             const detail::EmitCall& call) {
  for (const detail::ListenerNode* node : entry.listeners.nodes()) {
    const auto* listener = static_cast<const detail::EmitterListener*>(node);
    if (listener->payload != nullptr && *listener->payload != *call.payload) {
      throw SystemError("ERR_INVALID_ARG_TYPE",
                        "The \"" + std::string(call.event) + "\" event listener takes " +
                            demangle(listener->payload->name()) + " but emit passed " +
                            demangle(call.payload->name()));
    }
  }
  entry.checkedPayload = call.payload;
  return emitImpl(call);
}

// The general emit, out of line so that the lone-listener path above stays small.
[[gnu::noinline]] bool EventEmitter::emitEach(std::span<detail::ListenerNode* const> nodes,
                                              const detail::EmitCall& call) {
  detail::EmitFrame frame(this, nodes);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto* listener = static_cast<detail::EmitterListener*>(frame[i]);
    if (listener->once) [[unlikely]] {
      if (listener->fired) continue;
      listener->fired = true;
      off(call.event, listener->id);  // the frame now holds its own reference to `listener`
      if (frame.ownerDestroyed()) break;
    }
    listener->invoke(listener, call.args, call.constMask);
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
