// SPDX-License-Identifier: MIT
// Node's timer design: one libuv timer per loop, one list per distinct duration (appending is
// O(1), and a list is ordered by expiry because all its timers share the duration), and a
// binary heap of lists ordered by (expiry, list id). Matching the structure gives Node's exact
// firing order, including for equal expiries.
#include "nodexx/core/timers.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/warning.hpp"

namespace nx {
namespace detail {

struct TimerList;

struct TimerNode {
  int refs = 0;
  LoopState* loop;
  MoveFunction<void()> fn;
  std::int64_t msecs = -1;  // -1 once cleared (Node's _idleTimeout)
  std::uint64_t start = 0;  // Node's _idleStart
  bool repeat = false;
  bool refed = true;
  bool destroyed = false;  // fired (non-repeating) or cleared
  TimerList* list = nullptr;
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;
};

inline void retain(TimerNode* n) noexcept { ++n->refs; }
inline void release(TimerNode* n) noexcept {
  if (--n->refs == 0) delete n;
}

struct TimerList {
  std::int64_t msecs;
  std::uint64_t expiry;
  std::uint64_t id;
  std::size_t heapIndex = 0;
  TimerNode* head = nullptr;
  TimerNode* tail = nullptr;
};

struct TimerWheel {
  uv_timer_t handle{};
  std::unordered_map<std::int64_t, TimerList*> lists;
  std::vector<TimerList*> heap;
  std::uint64_t nextListId = 1;
  std::uint64_t nextExpiry = UINT64_MAX;
  int refCount = 0;
  TimerList* running = nullptr;  // the list listOnTimeout() is walking; it drops it itself

  static bool before(const TimerList* a, const TimerList* b) noexcept {
    return a->expiry != b->expiry ? a->expiry < b->expiry : a->id < b->id;
  }
  void place(std::size_t i, TimerList* l) noexcept {
    heap[i] = l;
    l->heapIndex = i;
  }
  void siftUp(std::size_t i) noexcept {
    TimerList* l = heap[i];
    while (i > 0 && before(l, heap[(i - 1) / 2])) {
      place(i, heap[(i - 1) / 2]);
      i = (i - 1) / 2;
    }
    place(i, l);
  }
  void siftDown(std::size_t i) noexcept {
    TimerList* l = heap[i];
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= heap.size()) break;
      if (c + 1 < heap.size() && before(heap[c + 1], heap[c])) ++c;
      if (!before(heap[c], l)) break;
      place(i, heap[c]);
      i = c;
    }
    place(i, l);
  }
  void push(TimerList* l) {
    heap.push_back(l);
    siftUp(heap.size() - 1);
  }
  void removeAt(std::size_t i) noexcept {
    TimerList* last = heap.back();
    heap.pop_back();
    if (i < heap.size()) {
      place(i, last);
      siftDown(i);
      siftUp(last->heapIndex);
    }
  }
  void dropList(TimerList* l) noexcept {
    removeAt(l->heapIndex);
    lists.erase(l->msecs);
    delete l;
  }

  ~TimerWheel() {
    for (TimerList* l : heap) {
      while (TimerNode* n = l->head) {
        l->head = n->next;
        n->list = nullptr;
        release(n);
      }
      delete l;
    }
  }
};

namespace {

std::uint64_t freshNow(LoopState& s) noexcept {
  uv_update_time(&s.uv);
  return uv_now(&s.uv);
}

void incRef(TimerWheel& w) noexcept {
  if (w.refCount++ == 0) uv_ref(reinterpret_cast<uv_handle_t*>(&w.handle));
}
void decRef(TimerWheel& w) noexcept {
  if (--w.refCount == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&w.handle));
}

void onUvTimer(uv_timer_t* h);

void schedule(TimerWheel& w, std::int64_t ms) {
  uv_timer_start(&w.handle, onUvTimer, static_cast<std::uint64_t>(ms > 0 ? ms : 1), 0);
}

void unlink(TimerNode* n) noexcept {
  TimerList* l = n->list;
  (n->prev ? n->prev->next : l->head) = n->next;
  (n->next ? n->next->prev : l->tail) = n->prev;
  n->prev = n->next = nullptr;
  n->list = nullptr;
}

// Node's insert(): appends to the list of its duration, creating the list when needed. The
// list holds one reference to the node.
void insert(LoopState& s, TimerNode* n, std::uint64_t start) {
  TimerWheel& w = *s.timers;
  if (n->list != nullptr) {
    unlink(n);
  } else {
    retain(n);
  }
  n->start = start;
  auto [it, fresh] = w.lists.try_emplace(n->msecs, nullptr);
  if (fresh) {
    std::uint64_t expiry = start + static_cast<std::uint64_t>(n->msecs);
    it->second = new TimerList{n->msecs, expiry, w.nextListId++};
    w.push(it->second);
    if (w.nextExpiry > expiry) {
      schedule(w, n->msecs);
      w.nextExpiry = expiry;
    }
  }
  TimerList* l = it->second;
  n->list = l;
  n->prev = l->tail;
  (l->tail ? l->tail->next : l->head) = n;
  l->tail = n;
}

// Node's unenroll(): used by clearTimeout.
void unenroll(TimerNode* n) noexcept {
  TimerWheel& w = *n->loop->timers;
  if (n->destroyed) return;
  n->destroyed = true;
  if (n->refed) decRef(w);
  if (TimerList* l = n->list) {
    unlink(n);
    if (l->head == nullptr && l != w.running) w.dropList(l);
    release(n);
  }
  n->msecs = -1;
}

void listOnTimeout(LoopState& s, TimerList* list, std::uint64_t now) {
  TimerWheel& w = *s.timers;
  const std::int64_t msecs = list->msecs;
  w.running = list;
  while (TimerNode* t = list->head) {
    // Signed in Node: a timer (re)inserted with a fresher start than `now` is not due yet.
    if (t->start + static_cast<std::uint64_t>(msecs) > now) {
      list->expiry = std::max(t->start + static_cast<std::uint64_t>(msecs), now + 1);
      list->id = w.nextListId++;
      w.siftDown(list->heapIndex);
      w.running = nullptr;
      return;
    }
    std::uint64_t start = t->repeat ? freshNow(s) : 0;
    unlink(t);  // the list's reference now travels with `t`
    if (!t->repeat) {
      t->destroyed = true;
      if (t->refed) decRef(w);
    }
    invokeCallback(s, [t] { t->fn(); });
    if (t->repeat && t->msecs != -1 && t->list == nullptr && !t->destroyed) {
      insert(s, t, start);
      release(t);  // insert() took its own reference
    } else if (t->list == nullptr) {
      if (!t->destroyed && t->refed) decRef(w);  // a repeating timer cleared in its callback
      release(t);
    } else {
      release(t);  // refresh() in the callback re-inserted it with a new reference
    }
  }
  w.running = nullptr;
  w.dropList(list);
}

void onUvTimer(uv_timer_t* h) {
  LoopState& s = stateOf(h->loop);
  TimerWheel& w = *s.timers;
  std::uint64_t now = freshNow(s);
  w.nextExpiry = UINT64_MAX;
  while (!w.heap.empty()) {
    TimerList* list = w.heap.front();
    if (list->expiry > now) {
      w.nextExpiry = list->expiry;
      schedule(w, static_cast<std::int64_t>(list->expiry - freshNow(s)));
      if (w.refCount > 0) {
        uv_ref(reinterpret_cast<uv_handle_t*>(h));
      } else {
        uv_unref(reinterpret_cast<uv_handle_t*>(h));
      }
      return;
    }
    listOnTimeout(s, list, now);
  }
}

std::int64_t coerceDelay(double ms) {
  constexpr double kTimeoutMax = 2147483647.0;
  if (!(ms >= 1 && ms <= kTimeoutMax)) {
    if (ms > kTimeoutMax) {
      process::emitWarning(std::to_string(static_cast<long long>(ms)) +
                               " does not fit into a 32-bit signed integer.\n"
                               "Timeout duration was set to 1.",
                           "TimeoutOverflowWarning");
    }
    ms = 1;
  }
  return static_cast<std::int64_t>(ms);
}

TimerNode* makeTimer(MoveFunction<void()> fn, double ms, bool repeat) {
  LoopState& s = loop().state();
  auto* n = new TimerNode{};
  n->loop = &s;
  n->fn = std::move(fn);
  n->msecs = coerceDelay(ms);
  n->repeat = repeat;
  insert(s, n, freshNow(s));
  incRef(*s.timers);
  return n;
}

}  // namespace

struct ImmediateNode {
  int refs = 0;
  LoopState* loop;
  MoveFunction<void()> fn;
  ImmediateNode* next = nullptr;  // the queue's intrusive link
  bool refed = true;
  bool destroyed = false;
};

inline void retain(ImmediateNode* n) noexcept { ++n->refs; }
inline void release(ImmediateNode* n) noexcept {
  if (--n->refs == 0) delete n;
}

struct ImmediateQueue {
  uv_check_t check{};
  uv_idle_t idle{};
  ImmediateNode* head = nullptr;  // each queued node holds a reference
  ImmediateNode* tail = nullptr;
  std::size_t count = 0;             // queued and not cleared
  std::size_t refCount = 0;          // of those, the ref'd ones

  // The idle handle only stops poll from blocking while ref'd immediates wait (as in Node).
  void toggleRef(bool on) noexcept {
    if (on) {
      uv_idle_start(&idle, [](uv_idle_t*) {});
    } else {
      uv_idle_stop(&idle);
    }
  }
  void incRef() noexcept {
    if (refCount++ == 0) toggleRef(true);
  }
  void decRef() noexcept {
    if (--refCount == 0) toggleRef(false);
  }

  ~ImmediateQueue() {
    while (ImmediateNode* n = head) {
      head = n->next;
      release(n);
    }
  }
};

namespace {

void onCheck(uv_check_t* h) {
  LoopState& s = stateOf(h->loop);
  ImmediateQueue& q = *s.immediates;
  if (q.count == 0) return;
  // Immediates queued from here on wait for the next turn.
  ImmediateNode* next = std::exchange(q.head, nullptr);
  q.tail = nullptr;
  while (ImmediateNode* n = next) {
    next = n->next;
    if (!n->destroyed) {
      n->destroyed = true;
      --q.count;
      if (n->refed) q.decRef();
      auto fn = std::move(n->fn);
      invokeCallback(s, [&fn] { fn(); });
    }
    release(n);
  }
}

void unrefHandle(void* h) noexcept { uv_unref(static_cast<uv_handle_t*>(h)); }

}  // namespace

void PartDeleter::operator()(TimerWheel* p) const noexcept { delete p; }
void PartDeleter::operator()(ImmediateQueue* p) const noexcept { delete p; }

void initTimers(LoopState& s) {
  s.timers.reset(new TimerWheel());
  uv_timer_init(&s.uv, &s.timers->handle);
  unrefHandle(&s.timers->handle);
  s.immediates.reset(new ImmediateQueue());
  uv_check_init(&s.uv, &s.immediates->check);
  uv_check_start(&s.immediates->check, onCheck);
  unrefHandle(&s.immediates->check);
  uv_idle_init(&s.uv, &s.immediates->idle);
}

void closeTimers(LoopState& s) noexcept {
  uv_close(reinterpret_cast<uv_handle_t*>(&s.timers->handle), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&s.immediates->check), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&s.immediates->idle), nullptr);
}

}  // namespace detail

using detail::release;
using detail::retain;

Timeout::Timeout(detail::TimerNode* node) noexcept : node_(node) { retain(node_); }
Timeout::Timeout(const Timeout& other) noexcept : node_(other.node_) {
  if (node_) retain(node_);
}
Timeout& Timeout::operator=(const Timeout& other) noexcept {
  if (other.node_) retain(other.node_);
  if (node_) release(node_);
  node_ = other.node_;
  return *this;
}
Timeout::~Timeout() {
  if (node_) release(node_);
}

Timeout& Timeout::ref() {
  if (node_ && !node_->refed) {
    node_->refed = true;
    if (!node_->destroyed) detail::incRef(*node_->loop->timers);
  }
  return *this;
}

Timeout& Timeout::unref() {
  if (node_ && node_->refed) {
    node_->refed = false;
    if (!node_->destroyed) detail::decRef(*node_->loop->timers);
  }
  return *this;
}

bool Timeout::hasRef() const noexcept { return node_ && node_->refed; }

Timeout& Timeout::refresh() {
  if (node_ == nullptr || node_->msecs < 0) return *this;
  detail::LoopState& s = *node_->loop;
  detail::insert(s, node_, detail::freshNow(s));
  if (node_->destroyed) {
    node_->destroyed = false;
    if (node_->refed) detail::incRef(*s.timers);
  }
  return *this;
}

void Timeout::close() { clearTimeout(*this); }

Timeout setTimeout(MoveFunction<void()> fn, double ms) {
  return Timeout(detail::makeTimer(std::move(fn), ms, false));
}

Timeout setInterval(MoveFunction<void()> fn, double ms) {
  return Timeout(detail::makeTimer(std::move(fn), ms, true));
}

void clearTimeout(const Timeout& t) {
  if (t.node_) detail::unenroll(t.node_);
}

Immediate::Immediate(detail::ImmediateNode* node) noexcept : node_(node) { retain(node_); }
Immediate::Immediate(const Immediate& other) noexcept : node_(other.node_) {
  if (node_) retain(node_);
}
Immediate& Immediate::operator=(const Immediate& other) noexcept {
  if (other.node_) retain(other.node_);
  if (node_) release(node_);
  node_ = other.node_;
  return *this;
}
Immediate::~Immediate() {
  if (node_) release(node_);
}

Immediate& Immediate::ref() {
  if (node_ && !node_->refed) {
    node_->refed = true;
    if (!node_->destroyed) node_->loop->immediates->incRef();
  }
  return *this;
}

Immediate& Immediate::unref() {
  if (node_ && node_->refed) {
    node_->refed = false;
    if (!node_->destroyed) node_->loop->immediates->decRef();
  }
  return *this;
}

bool Immediate::hasRef() const noexcept { return node_ && node_->refed; }

Immediate setImmediate(MoveFunction<void()> fn) {
  detail::LoopState& s = loop().state();
  auto* n = new detail::ImmediateNode{};
  n->loop = &s;
  n->fn = std::move(fn);
  retain(n);
  detail::ImmediateQueue& q = *s.immediates;
  (q.tail != nullptr ? q.tail->next : q.head) = n;
  q.tail = n;
  ++q.count;
  q.incRef();
  return Immediate(n);
}

void clearImmediate(const Immediate& i) {
  detail::ImmediateNode* n = i.node_;
  if (n == nullptr || n->destroyed) return;
  n->destroyed = true;
  detail::ImmediateQueue& q = *n->loop->immediates;
  --q.count;
  if (n->refed) q.decRef();
  n->fn.reset();  // the queue entry is released when the check phase reaches it
}

}  // namespace nx
