// SPDX-License-Identifier: MIT
// The middleware chain: an index walk over the layers that matched the path, per router level,
// re-entered by next(). Synchronous handlers run in a plain call (no coroutine frame) and the
// walk itself allocates nothing once the per-request vectors have grown.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "nodexx/web/errors.hpp"
#include "nodexx/web/internal/context.hpp"

namespace nx::web {

namespace detail {

// Where the downstream of next() call `s` goes: the invoking layer's local while its handler
// is still on the stack, else the slot of the asynchronous handler that called it late.
void Dispatch::storeDownstream(std::uint64_t s, Promise<>& r) {
  if (slot_ != nullptr && slotStep_ == s) {
    *slot_ = r;
    return;
  }
  for (auto& [step, slot] : lateSlots_) {
    if (step == s) {
      *slot = r;
      break;
    }
  }
}

// Plain next(), the per-layer path: kept apart from resume() so that it carries no error or
// control-string handling.
[[gnu::always_inline]] inline NextResult Dispatch::proceed(std::uint64_t s) {
  if (s != step_ || done_) [[unlikely]] {
    return {};
  }
  step_ = ++counter_;  // this next() is spent: later calls with the same step are ignored
  if (error_) [[unlikely]] {
    error_ = nullptr;
  }
  Promise<> r = advance();
  if (r) storeDownstream(s, r);  // an empty (synchronous) downstream needs no slot
  return NextResult(std::move(r));
}

}  // namespace detail

NextResult Next::operator()() const { return d_->proceed(step_); }
NextResult Next::operator()(std::exception_ptr error) const {
  if (!error) return d_->proceed(step_);
  return d_->resume(step_, std::move(error), {});
}
NextResult Next::operator()(std::string_view control) const {
  return d_->resume(step_, nullptr, control);
}

namespace detail {

void Dispatch::reset() noexcept {
  depth_ = 0;
  syncDepth_ = 0;
  error_ = nullptr;
  step_ = 0;
  slot_ = nullptr;
  slotStep_ = 0;
  lateSlots_.clear();
  done_ = false;
  pending = 0;
  idle.reset();
}

void Dispatch::start(RouterImpl& root) {
  pushFrame(root);
  // The request's completion is tracked through `pending`; the returned promise only serves
  // onion awaits, and there is nobody upstream of the first layer.
  (void)advance();
}

void Dispatch::pushFrame(RouterImpl& r) {
  // The matching path of the new level is the current layer's remaining path.
  if (frames_.size() <= depth_) frames_.emplace_back();
  Frame& f = frames_[depth_];
  f.router = &r;
  f.savedScope = c_.scope;
  if (r.app != nullptr && r.app != c_.scope.app) c_.enterApp(*r.app);
  f.set.clear();
  f.next = 0;
  f.route = nullptr;
  f.routeIdx = 0;
  f.pending = nullptr;
  f.hooks = false;
  f.savedBaseLen = c_.baseLen;
  f.paramsBase = static_cast<std::uint32_t>(c_.paramEntries.size());
  f.parentBegin = c_.params.begin_;
  f.parentEnd = c_.params.end_;
  std::string_view path = c_.pathView();
  f.synthetic = c_.curSynthetic;
  f.pathOffset = c_.curOffset;
  ++depth_;
  r.tree.match(path, f.set);
}

void Dispatch::popFrame() noexcept {
  Frame& f = frames_[depth_ - 1];
  if (f.savedScope.app != c_.scope.app) {
    c_.scope = f.savedScope;
    c_.settingsChanged();
  }
  c_.baseLen = f.savedBaseLen;
  c_.paramEntries.resize(f.paramsBase);
  c_.params.begin_ = f.parentBegin;
  c_.params.end_ = f.parentEnd;
  --depth_;
}

// The per-layer steps below are forced inline: each runs once per layer per request, where the
// calls themselves cost as much as their bodies.
[[gnu::always_inline]] inline void Dispatch::setMount(Frame& f,
                                                      std::uint32_t matchedLength) noexcept {
  if (f.synthetic) {
    c_.baseLen = f.savedBaseLen;
    return;
  }
  std::uint32_t b = std::max(f.savedBaseLen, f.pathOffset + matchedLength);
  c_.baseLen = std::min(b, c_.pathEnd);
}

[[gnu::always_inline]] inline bool Dispatch::bindParams(Frame& f, const Match& m) {
  if (m.paramCount == 0 && c_.paramEntries.size() == f.paramsBase) {
    // A layer without params (every use() middleware): only the visible range changes.
    c_.params.begin_ = f.router->options.mergeParams ? f.parentBegin : f.paramsBase;
    c_.params.end_ = f.paramsBase;
    return true;
  }
  c_.paramEntries.resize(f.paramsBase);
  bool ok = true;
  for (std::uint32_t i = 0; i < m.paramCount; ++i) {
    const Param& p = f.set.params[m.firstParam + i];
    std::string_view value;
    if (!c_.decodeParam(p.value, value)) {
      ok = false;
      error_ = std::make_exception_ptr(
          HttpError(400, std::string(errc::kInvalidParam),
                    "Failed to decode param '" + std::string(p.value) + "'"));
      break;
    }
    c_.paramEntries.push_back(Params::Entry{p.name, value, p.wildcard});
  }
  c_.params.all_ = &c_.paramEntries;
  c_.params.begin_ = f.router->options.mergeParams ? f.parentBegin : f.paramsBase;
  c_.params.end_ = static_cast<std::uint32_t>(c_.paramEntries.size());
  if (!ok) {
    c_.paramEntries.resize(f.paramsBase);
    c_.params.end_ = f.paramsBase;
  }
  return ok;
}

// Param hooks (router.param) for the pending layer: runs the next hook, or returns false when
// none is left. Returns true with `out` set when a hook was invoked.
bool Dispatch::runHooks(Frame& f, Promise<>& out) {
  const Match& m = f.set.matches[f.pendingMatch];
  while (f.hookParam < m.paramCount) {
    const Param& p = f.set.params[m.firstParam + f.hookParam];
    const std::vector<ParamHook>* hooks = f.router->hooksFor(p.name);
    if (hooks == nullptr || f.hookIdx >= hooks->size()) {
      ++f.hookParam;
      f.hookIdx = 0;
      continue;
    }
    std::string_view value = c_.req.params()[p.name];
    if (f.hookIdx == 0) {
      // Hooks run once per request and value (router's `paramcalled`).
      bool called = std::any_of(c_.calledParams.begin(), c_.calledParams.end(),
                                [&](auto& e) { return e.first == p.name && e.second == value; });
      if (called) {
        ++f.hookParam;
        continue;
      }
      c_.calledParams.emplace_back(p.name, value);
    }
    auto& hook = const_cast<ParamHook&>((*hooks)[f.hookIdx++]);
    out = invokeHook(hook, value);
    return true;
  }
  f.hooks = false;
  return false;
}

[[gnu::always_inline]] inline Promise<> Dispatch::enterLayer(Frame& f, const Layer& layer,
                                                             const Match& m, bool& descended) {
  descended = false;
  switch (layer.kind) {
    case LayerKind::Route:
      c_.baseLen = f.savedBaseLen;
      f.route = layer.route.get();
      f.routeIdx = 0;
      descended = true;
      return {};
    case LayerKind::Router:
      setMount(f, m.matchedLength);
      pushFrame(*layer.router);
      descended = true;
      return {};
    case LayerKind::Middleware:
      setMount(f, m.matchedLength);
      break;
  }
  auto& mw = const_cast<Middleware&>(*layer.mw);
  if (layer.isError) return invokeError(MiddlewareAccess::error(mw));
  return invoke(MiddlewareAccess::handler(mw));
}

Promise<> Dispatch::advance() {
  const std::string_view method = c_.method;
  for (;;) {
    if (depth_ == 0) return finalHandler();
    Frame& f = frames_[depth_ - 1];
    if (f.hooks) {
      if (error_) {
        // A hook failed: skip the layer with the error (router's processParams).
        f.hooks = false;
        f.pending = nullptr;
      } else {
        Promise<> out;
        if (runHooks(f, out)) return out;
        const Layer& layer = *f.pending;
        const Match& m = f.set.matches[f.pendingMatch];
        f.pending = nullptr;
        bool descended = false;
        Promise<> r = enterLayer(f, layer, m, descended);
        if (!descended) return r;
        continue;
      }
    }
    if (f.route != nullptr) {
      RouteImpl& route = *f.route;
      while (f.routeIdx < route.entries.size()) {
        RouteEntry& e = route.entries[f.routeIdx++];
        if (!route.entryMatches(e, method)) continue;
        bool isError = e.mw.isErrorHandler();
        if (static_cast<bool>(error_) != isError) continue;
        if (isError) return invokeError(MiddlewareAccess::error(e.mw));
        return invoke(MiddlewareAccess::handler(e.mw));
      }
      f.route = nullptr;
      continue;
    }
    bool entered = false;
    while (f.next < f.set.matches.size()) {
      std::uint32_t mi = f.next++;
      const Match& m = f.set.matches[mi];
      const Layer& layer = f.router->layers[m.id];
      if (layer.kind == LayerKind::Route) {
        if (error_) continue;
        if (!layer.route->handlesMethod(method)) {
          // Remember what the path allows: OPTIONS and 405 answers list it.
          layer.route->methods(c_.allowed);
          continue;
        }
      } else if (layer.kind == LayerKind::Router) {
        if (error_) continue;  // a mounted router is 3-argument middleware: skipped on error
      } else if (layer.isError != static_cast<bool>(error_)) {
        continue;
      }
      if (!bindParams(f, m)) continue;  // error_ is now set: keep walking for error handlers
      if (m.paramCount > 0 && !f.router->params.empty()) {
        f.hooks = true;
        f.pending = &layer;
        f.pendingMatch = mi;
        f.hookParam = 0;
        f.hookIdx = 0;
        entered = true;
        break;
      }
      bool descended = false;
      Promise<> r = enterLayer(f, layer, m, descended);
      if (!descended) return r;
      entered = true;
      break;
    }
    if (entered) continue;
    if (depth_ > 1) {
      popFrame();
      continue;
    }
    depth_ = 0;
    return finalHandler();
  }
}

Promise<> Dispatch::finalHandler() {
  done_ = true;
  depth_ = 0;
  renderFinal(c_, std::exchange(error_, nullptr));
  return {};
}

NextResult Dispatch::resume(std::uint64_t s, std::exception_ptr error, std::string_view control) {
  if (s != step_ || done_) return {};
  step_ = ++counter_;  // this next() is spent: later calls with the same step are ignored
  if (error) {
    error_ = std::move(error);
  } else if (!control.empty()) {
    error_ = nullptr;
    if (control == "route") {
      if (depth_ > 0) {
        Frame& f = frames_[depth_ - 1];
        f.route = nullptr;
        if (f.hooks) {
          f.hooks = false;
          f.pending = nullptr;
        }
      }
    } else if (control == "router") {
      if (depth_ > 0) {
        Frame& f = frames_[depth_ - 1];
        f.route = nullptr;
        f.hooks = false;
        f.next = static_cast<std::uint32_t>(f.set.matches.size());
      }
    } else {
      error_ = std::make_exception_ptr(std::runtime_error(std::string(control)));
    }
  } else {
    error_ = nullptr;
  }
  Promise<> r = advance();
  if (r) storeDownstream(s, r);
  return NextResult(std::move(r));
}

namespace {
// Synchronous next() calls nest on the native stack (as in Express). Past this depth the next
// invocation starts from a microtask instead, on a fresh stack (Express breaks every 100 with
// setImmediate), so that no chain length can overflow the stack.
constexpr int kMaxSyncDepth = 100;

struct DepthGuard {
  explicit DepthGuard(int& d) noexcept : d_(d) { ++d_; }
  ~DepthGuard() { --d_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  int& d_;
};
}  // namespace

Promise<> Dispatch::deferred(Handler* h, ErrorHandler* eh, ParamHook* ph, std::string_view value) {
  // `pending` was incremented by the caller: the request stays alive until this settles.
  co_await Promise<>::resolve();  // resumes from a microtask, on an unwound stack
  Promise<> r;
  if (h != nullptr) {
    r = invoke(*h);
  } else if (eh != nullptr) {
    r = invokeError(*eh);
  } else {
    r = invokeHook(*ph, value);
  }
  co_await NextResult(std::move(r));
  asyncDone();
}

[[gnu::always_inline]] inline Promise<> Dispatch::finish(std::uint64_t s, Promise<>& p,
                                                         Promise<>& downstream,
                                                         std::exception_ptr& thrown) {
  if (thrown) {
    Promise<> more;
    handlerFailed(s, std::move(thrown), more);
    if (!downstream || !downstream.isPending()) return more;
    if (!more || !more.isPending()) return std::move(downstream);
    ++pending;
    return track(s, Promise<>(), [](Promise<> a, Promise<> b) -> Promise<> {
      co_await NextResult(std::move(a));
      co_await NextResult(std::move(b));
    }(std::move(downstream), std::move(more)));
  }
  if (!p || p.isFulfilled()) {
    // Synchronous handler (or a coroutine that completed without suspending): the layer is
    // done when downstream is.
    return std::move(downstream);
  }
  ++pending;
  return track(s, std::move(p), std::move(downstream));
}

Promise<> Dispatch::invoke(Handler& h) {
  if (syncDepth_ >= kMaxSyncDepth) {
    ++pending;
    return deferred(&h, nullptr, nullptr, {});
  }
  DepthGuard depth(syncDepth_);
  std::uint64_t s = step_ = ++counter_;
  Promise<> downstream;
  Promise<>* prevSlot = std::exchange(slot_, &downstream);
  std::uint64_t prevStep = std::exchange(slotStep_, s);
  Promise<> p;
  std::exception_ptr thrown;
  try {
    p = h(c_.req, c_.res, Next(this, s));
  } catch (...) {
    thrown = std::current_exception();
  }
  slot_ = prevSlot;
  slotStep_ = prevStep;
  return finish(s, p, downstream, thrown);
}

Promise<> Dispatch::invokeError(ErrorHandler& h) {
  if (syncDepth_ >= kMaxSyncDepth) {
    ++pending;
    return deferred(nullptr, &h, nullptr, {});
  }
  DepthGuard depth(syncDepth_);
  std::uint64_t s = step_ = ++counter_;
  std::exception_ptr e = std::exchange(error_, nullptr);
  Promise<> downstream;
  Promise<>* prevSlot = std::exchange(slot_, &downstream);
  std::uint64_t prevStep = std::exchange(slotStep_, s);
  Promise<> p;
  std::exception_ptr thrown;
  try {
    p = h(std::move(e), c_.req, c_.res, Next(this, s));
  } catch (...) {
    thrown = std::current_exception();
  }
  slot_ = prevSlot;
  slotStep_ = prevStep;
  return finish(s, p, downstream, thrown);
}

Promise<> Dispatch::invokeHook(ParamHook& h, std::string_view value) {
  if (syncDepth_ >= kMaxSyncDepth) {
    ++pending;
    return deferred(nullptr, nullptr, &h, value);
  }
  DepthGuard depth(syncDepth_);
  std::uint64_t s = step_ = ++counter_;
  Promise<> downstream;
  Promise<>* prevSlot = std::exchange(slot_, &downstream);
  std::uint64_t prevStep = std::exchange(slotStep_, s);
  Promise<> p;
  std::exception_ptr thrown;
  try {
    p = h(c_.req, c_.res, Next(this, s), value);
  } catch (...) {
    thrown = std::current_exception();
  }
  slot_ = prevSlot;
  slotStep_ = prevStep;
  return finish(s, p, downstream, thrown);
}

void Dispatch::handlerFailed(std::uint64_t s, std::exception_ptr e, Promise<>& more) {
  if (s == step_ && !done_) {
    // The handler has not called next(): its error goes down the chain (Express 5).
    step_ = ++counter_;
    error_ = std::move(e);
    more = advance();
    return;
  }
  // next() was already called (code after `co_await next()` threw): downstream owns the
  // response now, so the error can only be reported.
  c_.app->log().error({{"err", e}, {"reqId", c_.req.id()}}, "handler failed after calling next()");
}

Promise<> Dispatch::track(std::uint64_t s, Promise<> p, Promise<> downstream) {
  // `pending` was incremented by the caller; the chain (and the pooled Context) stays alive
  // until this settles.
  std::exception_ptr e;
  Promise<> late;
  if (p) {
    lateSlots_.emplace_back(s, &late);
    try {
      co_await p;
    } catch (...) {
      e = std::current_exception();
    }
    std::erase_if(lateSlots_, [s](const auto& entry) { return entry.first == s; });
  }
  Promise<> more;
  if (e) handlerFailed(s, std::move(e), more);
  co_await NextResult(std::move(downstream));
  co_await NextResult(std::move(late));
  co_await NextResult(std::move(more));
  asyncDone();
}

void Dispatch::asyncDone() noexcept {
  if (--pending == 0 && idle) {
    auto r = std::move(*idle);
    idle.reset();
    Context& c = c_;
    r.resolve();
    c.app->release(c);
  }
}

}  // namespace detail
}  // namespace nx::web
