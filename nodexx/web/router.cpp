// SPDX-License-Identifier: MIT
// Router registration: layers, routes, mounts and param hooks.
#include "nodexx/web/router.hpp"

#include <algorithm>
#include <cstring>

#include "nodexx/core/errors.hpp"
#include "nodexx/web/internal/context.hpp"

namespace nx::web {

using detail::Layer;
using detail::LayerKind;
using detail::MiddlewareAccess;
using detail::RouteImpl;
using detail::RouterImpl;

Middleware::Middleware(const Router& router) : router_(router.impl()) {}
Middleware::~Middleware() = default;

namespace {
// Keys are short and often share a prefix ("user", "userId"): the last byte tells most apart
// before the full comparison.
bool sameKey(const std::string& k, std::string_view key) noexcept {
  return k.size() == key.size() &&
         (key.empty() ||
          (k.back() == key.back() && std::memcmp(k.data(), key.data(), key.size()) == 0));
}
}  // namespace

std::any* Locals::find(std::string_view key) noexcept {
  for (std::size_t i = 0; i < live_; ++i) {
    if (sameKey(entries_[i].first, key)) return &entries_[i].second;
  }
  return nullptr;
}

std::any& Locals::slot(std::string_view key) {
  for (std::size_t i = 0; i < live_; ++i) {
    if (sameKey(entries_[i].first, key)) return entries_[i].second;
  }
  if (live_ < entries_.size()) {
    // A slot emptied by clear(): its key string keeps its capacity, so a pooled request that
    // stores the same keys as the last one allocates nothing. (clear() and append() are
    // lighter than assign(), which allows for overlapping input.)
    std::string& k = entries_[live_].first;
    k.clear();
    k.append(key);
  } else {
    entries_.emplace_back(std::string(key), std::any());
  }
  return entries_[live_++].second;
}

void Locals::erase(std::string_view key) noexcept {
  const auto live = entries_.begin() + static_cast<std::ptrdiff_t>(live_);
  auto it =
      std::find_if(entries_.begin(), live, [&](const auto& e) { return sameKey(e.first, key); });
  if (it == live) return;
  // The later entries move up one place (order is kept); the freed slot goes after them.
  std::rotate(it, it + 1, live);
  entries_[--live_].second.reset();
}

namespace detail {

void RouteImpl::add(std::string_view method, Middleware mw) {
  if (method.empty()) hasAll = true;
  if (method == "GET") hasGet = true;
  if (method == "HEAD") hasHead = true;
  entries.push_back(RouteEntry{std::string(method), std::move(mw)});
}

bool RouteImpl::handlesMethod(std::string_view method) const noexcept {
  if (hasAll) return true;
  if (method == "HEAD" && !hasHead) method = "GET";
  return std::any_of(entries.begin(), entries.end(),
                     [&](const RouteEntry& e) { return e.method == method; });
}

bool RouteImpl::entryMatches(const RouteEntry& e, std::string_view method) const noexcept {
  if (e.method.empty() || e.method == method) return true;
  return method == "HEAD" && !hasHead && e.method == "GET";
}

void RouteImpl::methods(std::vector<std::string_view>& out) const {
  for (const RouteEntry& e : entries) {
    if (!e.method.empty()) out.push_back(e.method);
  }
  if (hasGet && !hasHead) out.push_back("HEAD");
}

const std::vector<ParamHook>* RouterImpl::hooksFor(std::string_view name) const noexcept {
  for (const auto& [n, hooks] : params) {
    if (n == name) return &hooks;
  }
  return nullptr;
}

}  // namespace detail

Router::Router(RouterOptions options) : impl_(std::make_shared<RouterImpl>(options)) {}

const RouterOptions& Router::routerOptions() const noexcept { return impl_->options; }

namespace {

// Adds every path of `path` under `id`; on a bad pattern the tree is unchanged for that call,
// and the layer is not added (the caller pushes it only after this succeeds).
void addPaths(RouterImpl& r, const PathSpec& path, detail::MatchKind kind, std::uint32_t id) {
  if (path.paths().empty()) {
    throw SystemError(std::string(kErrInvalidArg), "a route needs at least one path");
  }
  // Validate every path first: a bad one after good ones would otherwise leave the good ones in
  // the tree under an id that the next layer then inherits.
  for (const std::string& p : path.paths()) r.tree.validate(p, kind);
  for (const std::string& p : path.paths()) r.tree.add(p, kind, id);
}

}  // namespace

Router& Router::addUse(PathSpec path, std::vector<Middleware> handlers) {
  RouterImpl& r = *impl_;
  for (Middleware& mw : handlers) {
    auto id = static_cast<std::uint32_t>(r.layers.size());
    Layer layer;
    if (mw.isRouter()) {
      layer.kind = LayerKind::Router;
      layer.router = MiddlewareAccess::router(mw);
      if (layer.router.get() == impl_.get()) {
        throw SystemError(std::string(kErrInvalidArg), "a router cannot be mounted on itself");
      }
    } else {
      layer.kind = LayerKind::Middleware;
      layer.isError = mw.isErrorHandler();
      layer.mw = std::move(mw);
    }
    addPaths(r, path, detail::MatchKind::Prefix, id);
    r.layers.push_back(std::move(layer));
  }
  return *this;
}

Router& Router::addRoute(std::string_view verb, PathSpec path, std::vector<Middleware> handlers) {
  Route route = this->route(std::move(path));
  return (route.add(verb, std::move(handlers)), *this);
}

Route Router::route(PathSpec path) {
  RouterImpl& r = *impl_;
  auto id = static_cast<std::uint32_t>(r.layers.size());
  addPaths(r, path, detail::MatchKind::Exact, id);
  Layer layer;
  layer.kind = LayerKind::Route;
  layer.route = std::make_unique<RouteImpl>();
  RouteImpl* impl = layer.route.get();
  r.layers.push_back(std::move(layer));
  return Route(impl);
}

Router& Router::addParam(std::string_view name, ParamHook hook) {
  for (auto& [n, hooks] : impl_->params) {
    if (n == name) {
      hooks.push_back(std::move(hook));
      return *this;
    }
  }
  impl_->params.emplace_back(std::string(name), std::vector<ParamHook>{});
  impl_->params.back().second.push_back(std::move(hook));
  return *this;
}

Route& Route::add(std::string_view verb, std::vector<Middleware> handlers) {
  for (Middleware& mw : handlers) {
    if (mw.isRouter()) {
      throw SystemError(std::string(kErrInvalidArg),
                        "a router can be mounted with use(), not as a route handler");
    }
    impl_->add(verb, std::move(mw));
  }
  return *this;
}

}  // namespace nx::web
