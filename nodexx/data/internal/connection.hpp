// SPDX-License-Identifier: MIT
// The two halves of a sqlite::Database: the Connection, used only by the one pool job that
// runs at a time, and the Scopes (the database and each open transaction), used only on the
// loop thread. The queue of a Scope is what guarantees the "one job at a time".
#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "nodexx/core/promise.hpp"
#include "nodexx/data/sqlite.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace nx::data::sqlite::detail {

/// A FIFO async mutex for the loop thread: a holder runs, later comers wait in call order.
class Queue {
 public:
  /// Takes the turn if nobody holds it.
  bool tryAcquire() noexcept {
    if (busy_) return false;
    busy_ = true;
    return true;
  }
  /// Resolves when the turn passes to this waiter (call after tryAcquire() failed).
  Promise<> wait() {
    auto r = Promise<>::withResolvers();
    waiters_.push_back(r);
    return r.promise;
  }
  /// Passes the turn to the oldest waiter, or frees it.
  void release() {
    if (waiters_.empty()) {
      busy_ = false;
      return;
    }
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    next.resolve();
  }

 private:
  bool busy_ = false;
  std::deque<Promise<>::Resolvers> waiters_;
};

/// The database handle's or one transaction's queue and state (loop thread only).
struct Scope {
  Queue queue;
  /// Set by close() (depth 0) or when the transaction ends.
  bool closed = false;
  /// Set as soon as close() is called (calls already queued still run).
  bool closeRequested = false;
  /// 0 for the database, 1 for a transaction, 2+ for savepoints inside it.
  int depth = 0;
  /// The enclosing scope, whose turn this transaction holds until it ends.
  std::shared_ptr<Scope> parent;

  /// Throws SQLITE_MISUSE when calls are no longer allowed here.
  void throwIfClosed() const;
};

/// The sqlite3 connection and its statement cache. Every member function runs on a pool
/// thread, never two at once (see Scope).
struct Connection {
  Connection(std::string path, std::size_t cacheSize) noexcept
      : name(std::move(path)), cacheCapacity(cacheSize) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  void open(const OpenOptions& options);
  RunResult run(const std::string& sql, const Params& params);
  /// All rows, or at most `limit` when not 0.
  Rows query(const std::string& sql, const Params& params, std::size_t limit);
  void exec(const std::string& script);
  /// COMMIT/RELEASE or ROLLBACK (TO) of the transaction at `depth`.
  void finish(int depth, bool commit);
  void close() noexcept;

  const std::string name;
  sqlite3* db = nullptr;

 private:
  struct Cached {
    std::string sql;
    sqlite3_stmt* stmt;
  };
  /// A prepared statement for `sql`, from the cache or new; `owned` is set when the caller
  /// must finalize it (cache disabled).
  sqlite3_stmt* prepare(const std::string& sql, bool& owned);
  [[noreturn]] void fail() const;

  const std::size_t cacheCapacity;
  std::list<Cached> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Cached>::iterator> index_;
};

}  // namespace nx::data::sqlite::detail
