// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/stream/duplex.hpp"

namespace nx::net {
class Socket;
}

namespace nx::http {

/// Options of an Agent, as Node's `new http.Agent(options)`. Trivially destructible.
struct AgentOptions {
  /// Keep connections open after a response for the next request to the same origin.
  /// Node 20's global agent has it on; `new http.Agent()` has it off by default in Node, here
  /// on, because pooling is why one creates an Agent.
  bool keepAlive = true;
  /// Sockets per origin (in use plus connecting); more requests wait in a FIFO queue. Node's
  /// default is Infinity, kept here so that code ported from Node behaves the same; set a
  /// bound for outbound calls that must not open thousands of connections.
  std::size_t maxSockets = std::numeric_limits<std::size_t>::max();
  /// Idle keep-alive sockets kept per origin (Node's maxFreeSockets, 256); extra ones close.
  std::size_t maxFreeSockets = 256;
  /// An idle pooled socket is closed after this long (Node 20's global agent: 5 s). Idle
  /// sockets never keep the loop alive.
  std::chrono::milliseconds timeout{5000};
  /// Connect timeout for new sockets (ETIMEDOUT); 0: the kernel's.
  std::chrono::milliseconds connectTimeout{0};
};

/// A socket handed to a request by Agent::acquire().
struct AgentLease {
  /// The byte stream: a net::Socket for http:, a tls::TLSSocket for https:.
  std::shared_ptr<stream::Duplex<Buffer, Buffer>> socket;
  /// The TCP socket underneath (the same object for http:): idle timeouts, ref/unref.
  net::Socket* tcp = nullptr;
  bool reused = false;  ///< it came from the idle pool
};

/// Node's http.Agent: a pool of connections per origin (scheme, host, port and TLS options).
/// A request takes an idle socket (most recently used first, as Node's "lifo" scheduling),
/// or opens a new one while the origin has fewer than maxSockets, or waits in a queue. A
/// socket returns to the pool only when the response was read to its end, the request was
/// completely sent, and both sides allow keep-alive; otherwise it is destroyed. An idle
/// socket that the server closes (or that receives stray bytes) is dropped from the pool.
///
/// Loop-affine; not copyable. Destroying the agent (or destroy()) closes its sockets; it must
/// outlive the requests that use it.
class Agent {
 public:
  explicit Agent(AgentOptions options = {});
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;
  ~Agent();

  /// The current loop's default agent (Node's http.globalAgent: keepAlive, 5 s idle timeout,
  /// maxSockets Infinity). Its idle sockets are closed when the loop runs out of work
  /// (process "beforeExit"), so they never hold a process open.
  static Agent& global();

  /// Closes the idle sockets and fails queued requests with ERR_AGENT_DESTROYED, as Node's
  /// agent.destroy(). Sockets in use stay with their requests and are destroyed when those
  /// return them. The agent stays usable afterwards.
  void destroy();

  /// Sockets in use or connecting, over all origins (Node's agent.sockets).
  std::size_t activeSocketCount() const noexcept;
  /// Idle pooled sockets, over all origins (Node's agent.freeSockets).
  std::size_t freeSocketCount() const noexcept;
  /// Requests waiting for a socket (Node's agent.requests).
  std::size_t pendingRequestCount() const noexcept;
  /// Connections this agent opened so far (for tests and metrics).
  std::uint64_t createdSocketCount() const noexcept { return created_; }
  const AgentOptions& options() const noexcept { return options_; }

  /// Where to connect for an origin; built by the client.
  struct Origin {
    std::string key;   ///< pool key: "http:host:port" plus TLS options
    std::string host;  ///< host name or IP literal, without brackets
    int port = 0;
    int family = 0;  ///< dns::lookup family: 0, 4 or 6
    bool tls = false;
    std::string servername;
    bool rejectUnauthorized = true;
    std::string ca;
  };

  /// For the client: a socket for `origin` (see the class comment). `ticket` receives an id
  /// for cancel() while the request waits in the queue (0 otherwise).
  Promise<AgentLease> acquire(const Origin& origin, std::uint64_t& ticket);
  /// For the client: gives a waiting request up; its acquire() rejects with `error`.
  void cancel(std::uint64_t ticket, std::exception_ptr error);
  /// For the client: returns a socket taken with acquire(); pooled when `reusable`.
  void release(const std::string& key, AgentLease lease, bool reusable);

 private:
  struct Waiter {
    std::uint64_t ticket;
    Origin origin;
    Promise<AgentLease>::Resolvers resolvers;
  };
  struct FreeSocket {
    AgentLease lease;
    std::vector<std::uint64_t> listeners;  // ids on the socket's events while idle
  };
  struct Pool {
    std::size_t active = 0;
    std::vector<FreeSocket> free;
    std::deque<Waiter> queue;
  };

  Promise<AgentLease> connectNew(Origin origin);
  void serveQueue(const std::string& key);
  void dropFree(const std::string& key, const void* socket);
  static void detachFree(FreeSocket& f);

  AgentOptions options_;
  std::map<std::string, Pool> pools_;
  std::uint64_t nextTicket_ = 1;
  std::uint64_t created_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace nx::http
