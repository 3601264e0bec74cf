// SPDX-License-Identifier: MIT
#include "nodexx/http/agent.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"
#include "nodexx/http/internal/client_errors.hpp"
#include "nodexx/net/socket.hpp"

namespace nx::http {

Agent::Agent(AgentOptions options) : options_(options) {
  if (options_.maxSockets == 0) options_.maxSockets = 1;
}

Agent::~Agent() {
  *alive_ = false;
  destroy();
}

Agent& Agent::global() {
  // One agent per loop: sockets are loop-affine. The agent closes its idle sockets when the
  // loop runs dry ("beforeExit"), the moment Node's unref'd idle sockets stop mattering, so
  // that no open handle outlives the loop.
  struct Entry {
    std::unique_ptr<Agent> agent;
    ListenerId beforeExit = 0;
  };
  thread_local std::map<Loop*, Entry> agents;
  Loop* current = &loop();
  auto it = agents.find(current);
  if (it == agents.end()) {
    AgentOptions options;
    options.keepAlive = true;
    options.timeout = std::chrono::milliseconds(5000);
    Entry e{std::make_unique<Agent>(options), 0};
    Agent* agent = e.agent.get();
    e.beforeExit = process::on("beforeExit", [agent, current](int) {
      if (&loop() == current) agent->destroy();
    });
    it = agents.emplace(current, std::move(e)).first;
  }
  return *it->second.agent;
}

void Agent::detachFree(FreeSocket& f) {
  auto ev = f.lease.socket->events();
  for (std::size_t i = 0; i < f.listeners.size(); ++i) {
    switch (i) {
      case 0:
        ev.data.off(f.listeners[i]);
        break;
      case 1:
        ev.end.off(f.listeners[i]);
        break;
      case 2:
        ev.error.off(f.listeners[i]);
        break;
      case 3:
        ev.close.off(f.listeners[i]);
        break;
      case 4:
        f.lease.tcp->events().timeout.off(f.listeners[i]);
        break;
      default:
        break;
    }
  }
  f.listeners.clear();
}

void Agent::destroy() {
  auto pools = std::move(pools_);
  pools_.clear();
  for (auto& [key, pool] : pools) {
    for (auto& f : pool.free) {
      detachFree(f);
      f.lease.socket->destroy();
    }
    for (auto& w : pool.queue) {
      w.resolvers.reject(SystemError("ERR_AGENT_DESTROYED", "The agent was destroyed"));
    }
  }
  // Sockets in use belong to their requests, which return them with release(); an unknown
  // key then destroys them.
}

std::size_t Agent::activeSocketCount() const noexcept {
  std::size_t n = 0;
  for (const auto& [k, p] : pools_) n += p.active;
  return n;
}

std::size_t Agent::freeSocketCount() const noexcept {
  std::size_t n = 0;
  for (const auto& [k, p] : pools_) n += p.free.size();
  return n;
}

std::size_t Agent::pendingRequestCount() const noexcept {
  std::size_t n = 0;
  for (const auto& [k, p] : pools_) n += p.queue.size();
  return n;
}

Promise<AgentLease> Agent::acquire(const Origin& origin, std::uint64_t& ticket) {
  ticket = 0;
  Pool& pool = pools_[origin.key];
  while (!pool.free.empty()) {
    FreeSocket f = std::move(pool.free.back());  // LIFO: the warmest connection first
    pool.free.pop_back();
    detachFree(f);
    if (f.lease.socket->destroyed() || !f.lease.socket->writable()) {
      f.lease.socket->destroy();
      continue;
    }
    f.lease.tcp->setTimeout(std::chrono::milliseconds(0));
    f.lease.tcp->ref();
    ++pool.active;
    f.lease.reused = true;
    return Promise<AgentLease>::resolve(std::move(f.lease));
  }
  if (pool.active < options_.maxSockets) {
    ++pool.active;
    return connectNew(origin);
  }
  ticket = nextTicket_++;
  auto resolvers = Promise<AgentLease>::withResolvers();
  pool.queue.push_back(Waiter{ticket, origin, resolvers});
  return resolvers.promise;
}

namespace {

Promise<AgentLease> openSocket(Agent::Origin origin, std::chrono::milliseconds connectTimeout) {
  if (origin.tls) {
    auto tls = co_await detail::connectTls(std::move(origin), connectTimeout);
    co_return tls;
  }
  net::ConnectOptions options(origin.port, origin.host);
  options.timeout = connectTimeout;
  options.family = origin.family;
  options.noDelay = true;  // Node's http client sets noDelay on its sockets
  auto socket = co_await net::connect(options);
  net::Socket* tcp = socket.get();
  co_return AgentLease{std::move(socket), tcp, false};
}

}  // namespace

Promise<AgentLease> Agent::connectNew(Origin origin) {
  auto alive = alive_;
  std::string key = origin.key;
  std::exception_ptr failure;
  AgentLease lease;
  try {
    auto connecting = openSocket(std::move(origin), options_.connectTimeout);
    lease = co_await connecting;
  } catch (...) {
    failure = std::current_exception();
  }
  if (!*alive) {
    if (lease.socket) lease.socket->destroy();
    std::rethrow_exception(failure ? failure
                                   : std::make_exception_ptr(SystemError(
                                         "ERR_AGENT_DESTROYED", "The agent was destroyed")));
  }
  if (failure) {
    auto it = pools_.find(key);
    if (it != pools_.end() && it->second.active > 0) --it->second.active;
    serveQueue(key);
    std::rethrow_exception(failure);
  }
  ++created_;
  co_return lease;
}

void Agent::cancel(std::uint64_t ticket, std::exception_ptr error) {
  for (auto& [key, pool] : pools_) {
    for (auto it = pool.queue.begin(); it != pool.queue.end(); ++it) {
      if (it->ticket == ticket) {
        auto resolvers = it->resolvers;
        pool.queue.erase(it);
        resolvers.reject(std::move(error));
        return;
      }
    }
  }
}

void Agent::serveQueue(const std::string& key) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return;
  Pool& pool = it->second;
  while (!pool.queue.empty() && (!pool.free.empty() || pool.active < options_.maxSockets)) {
    Waiter w = std::move(pool.queue.front());
    pool.queue.pop_front();
    std::uint64_t unused;
    w.resolvers.resolve(acquire(w.origin, unused));
  }
}

void Agent::dropFree(const std::string& key, const void* socket) {
  auto it = pools_.find(key);
  if (it == pools_.end()) return;
  auto& free = it->second.free;
  for (auto f = free.begin(); f != free.end(); ++f) {
    if (f->lease.socket.get() == socket) {
      FreeSocket gone = std::move(*f);
      free.erase(f);
      detachFree(gone);
      gone.lease.socket->destroy();
      return;
    }
  }
}

void Agent::release(const std::string& key, AgentLease lease, bool reusable) {
  auto& socket = lease.socket;
  auto it = pools_.find(key);
  if (it == pools_.end()) {  // destroyed meanwhile
    if (socket) socket->destroy();
    return;
  }
  Pool& pool = it->second;
  if (pool.active > 0) --pool.active;
  reusable = reusable && options_.keepAlive && socket && !socket->destroyed() && socket->writable();
  if (reusable && !pool.queue.empty()) {
    // Hand the connection straight to the next waiting request.
    Waiter w = std::move(pool.queue.front());
    pool.queue.pop_front();
    ++pool.active;
    lease.reused = true;
    w.resolvers.resolve(std::move(lease));
    return;
  }
  if (reusable && pool.free.size() < options_.maxFreeSockets) {
    const void* raw = socket.get();
    net::Socket* tcp = lease.tcp;
    FreeSocket f{std::move(lease), {}};
    auto ev = f.lease.socket->events();
    // Any event on an idle socket ends its pooled life: stray bytes, the server's FIN or
    // an error all mean the connection cannot carry a request.
    f.listeners.push_back(ev.data.on([this, key, raw](Buffer&) { dropFree(key, raw); }));
    f.listeners.push_back(ev.end.on([this, key, raw] { dropFree(key, raw); }));
    f.listeners.push_back(
        ev.error.on([this, key, raw](std::exception_ptr) { dropFree(key, raw); }));
    f.listeners.push_back(ev.close.on([this, key, raw] { dropFree(key, raw); }));
    f.listeners.push_back(tcp->events().timeout.on([this, key, raw] { dropFree(key, raw); }));
    tcp->setTimeout(options_.timeout);
    tcp->unref();
    // Keep reading so that the server's close is noticed while the socket is idle.
    f.lease.socket->resume();
    pool.free.push_back(std::move(f));
  } else if (socket) {
    socket->destroy();
  }
  serveQueue(key);
}

}  // namespace nx::http
