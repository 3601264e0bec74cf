// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/promise.hpp"
#include "nodexx/data/errors.hpp"
#include "nodexx/data/sql_value.hpp"
#include "nodexx/json/value.hpp"

namespace nx::data::sqlite {

namespace detail {
struct Connection;
struct Scope;
}  // namespace detail

/// SQLite's `PRAGMA synchronous` levels (https://sqlite.org/pragma.html#pragma_synchronous).
enum class Synchronous : std::uint8_t { Off, Normal, Full };

/// Options of Database::open. Only trivially destructible members (the g++ 12 rule of
/// nodexx/core/README.md), so a braced temporary in a co_await expression is safe.
struct OpenOptions {
  /// Open read-only (SQLITE_OPEN_READONLY); writes fail with SQLITE_READONLY. Default false.
  bool readonly = false;
  /// Fail with SQLITE_CANTOPEN instead of creating a missing file (better-sqlite3's name).
  /// Default false: the file is created.
  bool fileMustExist = false;
  /// How long a statement waits for a lock held by another connection before it fails with
  /// SQLITE_BUSY (sqlite3_busy_timeout). Default 5 s, as better-sqlite3.
  std::chrono::milliseconds busyTimeout{5000};
  /// `PRAGMA journal_mode=WAL`: readers do not block the writer. Ignored for `:memory:` and
  /// read-only databases. Default true.
  bool wal = true;
  /// `PRAGMA foreign_keys=ON`, which SQLite leaves off by default. Default true.
  bool foreignKeys = true;
  /// `PRAGMA synchronous`. Default Full (SQLite's default: a commit survives power loss);
  /// Normal is the usual choice with WAL (a commit survives a process crash, and only the
  /// last commits can be lost on power loss) and makes every commit cheaper.
  Synchronous synchronous = Synchronous::Full;
  /// How many prepared statements stay cached per connection, keyed by their SQL text and
  /// evicted least-recently used. 0 disables the cache. Default 64.
  std::size_t statementCacheSize = 64;
};

/// What run() reports, as better-sqlite3's `info`.
struct RunResult {
  /// Rows inserted, updated or deleted by the statement (sqlite3_changes64).
  std::int64_t changes = 0;
  /// The rowid of the last row inserted through this connection (sqlite3_last_insert_rowid).
  std::int64_t lastInsertRowid = 0;
};

/// A rows result: one json::Object per row, keyed by column name in column order (a duplicate
/// name keeps the last column's value, as better-sqlite3). Column values map to json values:
/// NULL → null, INTEGER → int64, REAL → double, TEXT → string, BLOB → base64 string.
using Rows = std::vector<json::Value>;

/// One SQLite connection whose every call runs on libuv's thread pool and settles on the
/// loop thread that made it (node-sqlite3's model with better-sqlite3's API names).
///
/// Calls are queued per database and run in call order, one at a time: a SQLite connection
/// is not for concurrent use (its statements, error message and last-insert rowid are
/// per-connection state), so the queue, not a mutex, is what serialises them; it also
/// keeps each result matched with its call without blocking a pool thread on a lock. The
/// connection is opened SQLITE_OPEN_NOMUTEX for that reason. Many databases (or connections
/// to one file) run in parallel on the pool, limited by UV_THREADPOOL_SIZE.
///
/// Move-only; loop-affine (use it from the loop thread that opened it). SQL and parameters
/// are taken by value and owned by the queued call, so temporaries are fine. Destroying the
/// last handle without close() closes the connection once its queued calls have finished.
/// Errors: every call rejects with sqlite::Error (codes in errors.hpp).
class Database {
 public:
  /// A handle with no connection: every call rejects with SQLITE_MISUSE "Database is
  /// closed". Assign the result of open() to it.
  Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  /// Opens (and, unless options.fileMustExist or readonly, creates) the database file at
  /// `path`; ":memory:" opens a private in-memory database and "" a temporary on-disk one.
  /// Applies busyTimeout, WAL, foreign_keys and synchronous from `options`. Rejects with
  /// sqlite::Error (SQLITE_CANTOPEN for a missing file or folder, SQLITE_NOTADB...).
  static Promise<Database> open(std::string path, OpenOptions options = {});

  /// Runs one statement with positional `?` parameters and resolves with the change count
  /// and last rowid. Rows it returns are stepped through and dropped. Rejects with
  /// ERR_SQLITE_MULTIPLE_STATEMENTS (use exec), ERR_SQLITE_NO_STATEMENT,
  /// ERR_SQLITE_PARAMETER_COUNT (params.size() differs from the placeholders) or SQLite's
  /// code (SQLITE_CONSTRAINT_UNIQUE, SQLITE_ERROR for a syntax error, SQLITE_BUSY...).
  Promise<RunResult> run(std::string sql, Params params);
  /// run() with the parameters as arguments: `co_await db.run("... ?, ?", id, name)`. Use
  /// this form inside a co_await expression: g++ 12 rejects a braced list there ("array
  /// used as initializer"), so `co_await db.run(sql, {id, name})` does not compile.
  template <class... A>
  requires(std::is_constructible_v<SqlValue, A&&>&&...) Promise<RunResult> run(std::string sql,
                                                                               A&&... args) {
    return run(std::move(sql), Params{SqlValue(std::forward<A>(args))...});
  }

  /// Runs one statement and resolves with all its rows (better-sqlite3's `all`). Rows are
  /// built on the pool thread. Errors as run().
  Promise<Rows> query(std::string sql, Params params);
  /// query() with the parameters as arguments (see run()).
  template <class... A>
  requires(std::is_constructible_v<SqlValue, A&&>&&...) Promise<Rows> query(std::string sql,
                                                                            A&&... args) {
    return query(std::move(sql), Params{SqlValue(std::forward<A>(args))...});
  }

  /// query() mapped to `T` with json::to<T> (a struct declared with NX_JSON): the columns
  /// are its fields. A row that does not map rejects with json::MappingError.
  template <class T>
  Promise<std::vector<T>> query(std::string sql, Params params);
  template <class T, class... A>
  requires(std::is_constructible_v<SqlValue, A&&>&&...) Promise<std::vector<T>> query(
      std::string sql, A&&... args) {
    return query<T>(std::move(sql), Params{SqlValue(std::forward<A>(args))...});
  }

  /// The first row, or nullopt when the statement returns none; stops stepping after it.
  /// Errors as run().
  Promise<std::optional<json::Value>> get(std::string sql, Params params);
  template <class... A>
  requires(std::is_constructible_v<SqlValue, A&&>&&...) Promise<std::optional<json::Value>> get(
      std::string sql, A&&... args) {
    return get(std::move(sql), Params{SqlValue(std::forward<A>(args))...});
  }

  /// get() mapped to `T` with json::to<T>.
  template <class T>
  Promise<std::optional<T>> get(std::string sql, Params params);
  template <class T, class... A>
  requires(std::is_constructible_v<SqlValue, A&&>&&...) Promise<std::optional<T>> get(
      std::string sql, A&&... args) {
    return get<T>(std::move(sql), Params{SqlValue(std::forward<A>(args))...});
  }

  /// Runs a script of any number of `;`-separated statements without parameters (schema
  /// set-up, migrations). Statements before a failing one stay applied unless the script
  /// wraps them in a transaction.
  Promise<void> exec(std::string script);

  /// Runs `fn(tx)` inside a transaction and resolves with what its promise resolves with.
  /// `fn` takes a `Database&` transaction handle and returns a Promise. The transaction
  /// starts with BEGIN IMMEDIATE (it takes the write lock at once, so it cannot fail with
  /// SQLITE_BUSY halfway), commits when fn's promise fulfills and rolls back when it
  /// rejects or fn throws; the rejection then passes through. A failed COMMIT rolls back and
  /// rejects with its error. `tx.transaction(...)` nests with a SAVEPOINT that rolls back
  /// alone. `fn` is held by this call until its promise settles, so a capturing lambda is
  /// fine.
  ///
  /// The transaction holds this database's queue from BEGIN to COMMIT: calls on `tx` run,
  /// calls on the outer handle wait until it ends. Awaiting an outer-handle call inside fn
  /// therefore never resolves (a deadlock): use `tx`. Calls on `tx` after the transaction
  /// ended reject with SQLITE_MISUSE.
  template <class F>
  auto transaction(F fn) -> std::invoke_result_t<F&, Database&>;

  /// Waits for every queued call, then closes the connection. Calls made afterwards reject
  /// with SQLITE_MISUSE "Database is closed"; closing twice resolves. On a transaction
  /// handle it rejects with SQLITE_MISUSE (the transaction ends with its function).
  Promise<void> close();

  /// False from the moment close() is called (calls queued before it still run), for a
  /// default-constructed or moved-from handle, and for an ended transaction's handle.
  bool isOpen() const noexcept;

  /// The path given to open().
  const std::string& name() const noexcept;

 private:
  Database(std::shared_ptr<detail::Connection> conn, std::shared_ptr<detail::Scope> scope);
  Promise<Database> beginTransaction();
  static Promise<void> endTransaction(std::shared_ptr<detail::Connection> conn,
                                      std::shared_ptr<detail::Scope> scope, bool commit);

  // Shared with queued pool work, which may outlive this handle: the connection is closed by
  // whichever is released last (see the class comment).
  std::shared_ptr<detail::Connection> conn_;
  std::shared_ptr<detail::Scope> scope_;
};

}  // namespace nx::data::sqlite

#include "nodexx/data/sqlite_impl.hpp"
