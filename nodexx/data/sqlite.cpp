// SPDX-License-Identifier: MIT
// The loop-thread half of sqlite::Database: the per-database queue and the hand-off of each
// call to the thread pool.
#include "nodexx/data/sqlite.hpp"

#include <string>
#include <utility>

#include "nodexx/core/threadpool.hpp"
#include "nodexx/data/internal/connection.hpp"

namespace nx::data::sqlite {

namespace detail {

void Scope::throwIfClosed() const {
  if (!closed) return;
  throw Error(std::string(kErrClosed),
              depth == 0 ? "Database is closed" : "The transaction has already ended");
}

namespace {

[[noreturn]] void throwMovedFrom() {
  throw Error(std::string(kErrClosed), "Database is closed (the handle was moved from)");
}

/// Gives the scope's turn back when the call that holds it finishes, however it finishes.
class Turn {
 public:
  explicit Turn(std::shared_ptr<Scope> s) noexcept : s_(std::move(s)) {}
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;
  ~Turn() { s_->queue.release(); }

 private:
  std::shared_ptr<Scope> s_;
};

/// Waits for the scope's turn, runs `work` on the pool, and passes the turn on. The turn is
/// taken synchronously when free, which saves a tick for an idle database.
template <class F>
auto enqueue(std::shared_ptr<Scope> scope, F work) -> Promise<std::invoke_result_t<F&>> {
  if (!scope) throwMovedFrom();
  if (!scope->queue.tryAcquire()) co_await scope->queue.wait();
  Turn turn(scope);
  scope->throwIfClosed();
  co_return co_await threadpool::run(std::move(work));
}

}  // namespace

}  // namespace detail

Database::Database() : scope_(std::make_shared<detail::Scope>()) { scope_->closed = true; }
Database::Database(std::shared_ptr<detail::Connection> conn, std::shared_ptr<detail::Scope> scope)
    : conn_(std::move(conn)), scope_(std::move(scope)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

Promise<Database> Database::open(std::string path, OpenOptions options) {
  auto conn = std::make_shared<detail::Connection>(std::move(path), options.statementCacheSize);
  auto work = [conn, options] { conn->open(options); };
  co_await threadpool::run(std::move(work));
  co_return Database(std::move(conn), std::make_shared<detail::Scope>());
}

Promise<RunResult> Database::run(std::string sql, Params params) {
  return detail::enqueue(scope_, [conn = conn_, sql = std::move(sql), params = std::move(params)] {
    return conn->run(sql, params);
  });
}

Promise<Rows> Database::query(std::string sql, Params params) {
  return detail::enqueue(scope_, [conn = conn_, sql = std::move(sql), params = std::move(params)] {
    return conn->query(sql, params, 0);
  });
}

Promise<std::optional<json::Value>> Database::get(std::string sql, Params params) {
  return detail::enqueue(scope_, [conn = conn_, sql = std::move(sql), params = std::move(params)] {
    Rows rows = conn->query(sql, params, 1);
    return rows.empty() ? std::optional<json::Value>() : std::optional(std::move(rows.front()));
  });
}

Promise<void> Database::exec(std::string script) {
  return detail::enqueue(scope_,
                         [conn = conn_, script = std::move(script)] { conn->exec(script); });
}

Promise<void> Database::close() {
  if (!scope_ || !conn_) return Promise<>::resolve();
  if (scope_->depth > 0) {
    return Promise<>::reject(
        Error(std::string(kErrClosed), "A transaction handle closes with its transaction"));
  }
  scope_->closeRequested = true;
  auto scope = scope_;
  auto conn = conn_;
  return [](std::shared_ptr<detail::Scope> scope,
            std::shared_ptr<detail::Connection> conn) -> Promise<> {
    if (!scope->queue.tryAcquire()) co_await scope->queue.wait();
    detail::Turn turn(scope);
    if (scope->closed) co_return;
    scope->closed = true;
    // Named first: g++ 12 destroys a capturing closure temporary in a co_await expression
    // twice (nodexx/core/README.md).
    auto work = [conn] { conn->close(); };
    co_await threadpool::run(std::move(work));
  }(std::move(scope), std::move(conn));
}

bool Database::isOpen() const noexcept {
  return conn_ && scope_ && !scope_->closed && !scope_->closeRequested;
}

const std::string& Database::name() const noexcept {
  static const std::string kNone;
  return conn_ ? conn_->name : kNone;
}

Promise<Database> Database::beginTransaction() {
  auto scope = scope_;
  auto conn = conn_;
  if (!scope) detail::throwMovedFrom();
  if (!scope->queue.tryAcquire()) co_await scope->queue.wait();
  // The turn taken here is held until endTransaction() releases it: the transaction's calls
  // go through its own scope meanwhile.
  int depth = scope->depth + 1;
  try {
    scope->throwIfClosed();
    std::string sql = depth == 1 ? std::string("BEGIN IMMEDIATE")
                                 : "SAVEPOINT nx_savepoint_" + std::to_string(depth);
    auto work = [conn, sql = std::move(sql)] { conn->exec(sql); };
    co_await threadpool::run(std::move(work));
  } catch (...) {
    scope->queue.release();
    throw;
  }
  auto child = std::make_shared<detail::Scope>();
  child->depth = depth;
  child->parent = std::move(scope);
  co_return Database(std::move(conn), std::move(child));
}

Promise<void> Database::endTransaction(std::shared_ptr<detail::Connection> conn,
                                       std::shared_ptr<detail::Scope> scope, bool commit) {
  // Taking the transaction's own turn waits for the calls it still has queued.
  if (!scope->queue.tryAcquire()) co_await scope->queue.wait();
  scope->closed = true;
  std::exception_ptr error;
  try {
    auto work = [conn, depth = scope->depth, commit] { conn->finish(depth, commit); };
    co_await threadpool::run(std::move(work));
  } catch (...) {
    error = std::current_exception();
  }
  // Calls queued on the transaction after it ended now reject; the enclosing scope resumes.
  scope->queue.release();
  scope->parent->queue.release();
  if (error) std::rethrow_exception(error);
}

}  // namespace nx::data::sqlite
