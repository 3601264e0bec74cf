// SPDX-License-Identifier: MIT
// The pool-thread half of sqlite::Database: sqlite3 calls, binding, rows and the statement
// cache. Nothing here touches the loop.
#include <sqlite3.h>

#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "nodexx/data/errors.hpp"
#include "nodexx/data/internal/connection.hpp"

namespace nx::data::sqlite::detail {

namespace {

std::string base64(const unsigned char* p, std::size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8) | p[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    unsigned v = unsigned{p[i]} << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    unsigned v = (unsigned{p[i]} << 16) | (unsigned{p[i + 1]} << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

/// Resets a statement and clears its bindings when the call is done with it, so that a cached
/// statement never holds a lock (an unreset SELECT keeps a read transaction open) or points at
/// parameters that are gone (they are bound SQLITE_STATIC).
class StatementUse {
 public:
  StatementUse(sqlite3_stmt* s, bool owned) noexcept : s_(s), owned_(owned) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }

 private:
  sqlite3_stmt* s_;
  bool owned_;
};

json::Value column(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_INTEGER:
      return json::Value(static_cast<std::int64_t>(sqlite3_column_int64(s, i)));
    case SQLITE_FLOAT:
      return json::Value(sqlite3_column_double(s, i));
    case SQLITE_TEXT: {
      auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
      return json::Value(
          std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(s, i))));
    }
    case SQLITE_BLOB: {
      auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(s, i));
      return json::Value(base64(bytes, static_cast<std::size_t>(sqlite3_column_bytes(s, i))));
    }
    default:
      return json::Value();
  }
}

}  // namespace

Connection::~Connection() { close(); }

void Connection::fail() const { throw Error(sqlite3_extended_errcode(db), sqlite3_errmsg(db)); }

void Connection::open(const OpenOptions& options) {
  int flags = SQLITE_OPEN_NOMUTEX;  // the queue serialises all use (see sqlite.hpp)
  if (options.readonly) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (!options.fileMustExist) flags |= SQLITE_OPEN_CREATE;
  }
  int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    // sqlite3_open_v2 returns a handle even on failure (except out of memory); it carries
    // the message and must be closed.
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int code = db ? sqlite3_extended_errcode(db) : rc;
    close();
    throw Error(code, message + " (" + name + ")");
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db,
                       static_cast<int>(std::min<long long>(options.busyTimeout.count(), INT_MAX)));
  std::string pragmas;
  bool memory = name == ":memory:" || name.empty();
  if (options.wal && !options.readonly && !memory) pragmas += "PRAGMA journal_mode=WAL;";
  pragmas += options.foreignKeys ? "PRAGMA foreign_keys=ON;" : "PRAGMA foreign_keys=OFF;";
  switch (options.synchronous) {
    case Synchronous::Off:
      pragmas += "PRAGMA synchronous=OFF;";
      break;
    case Synchronous::Normal:
      pragmas += "PRAGMA synchronous=NORMAL;";
      break;
    case Synchronous::Full:
      pragmas += "PRAGMA synchronous=FULL;";
      break;
  }
  try {
    exec(pragmas);
  } catch (...) {
    close();
    throw;
  }
}

sqlite3_stmt* Connection::prepare(const std::string& sql, bool& owned) {
  if (db == nullptr) throw Error(std::string(kErrClosed), "Database is closed");
  if (auto it = index_.find(sql); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    owned = false;
    return it->second->stmt;
  }
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    throw Error(std::string(kErrTooBig), "The SQL text is too long");
  }
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  unsigned flags = cacheCapacity > 0 ? SQLITE_PREPARE_PERSISTENT : 0;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt, &tail) !=
      SQLITE_OK) {
    fail();
  }
  if (stmt == nullptr) {
    throw Error("ERR_SQLITE_NO_STATEMENT", "The supplied SQL string contains no statements");
  }
  // Anything but whitespace and comments after the first statement is a second statement,
  // which would be silently ignored: better-sqlite3 refuses it, and so do we.
  const char* end = sql.data() + sql.size();
  while (tail < end) {
    sqlite3_stmt* next = nullptr;
    const char* nextTail = nullptr;
    int rc = sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &next, &nextTail);
    if (next != nullptr || rc != SQLITE_OK) {
      sqlite3_finalize(next);
      sqlite3_finalize(stmt);
      throw Error(std::string(kErrMultipleStatements),
                  "The supplied SQL string contains more than one statement");
    }
    if (nextTail == tail) break;
    tail = nextTail;
  }
  if (cacheCapacity == 0) {
    owned = true;
    return stmt;
  }
  if (lru_.size() >= cacheCapacity) {
    index_.erase(lru_.back().sql);
    sqlite3_finalize(lru_.back().stmt);
    lru_.pop_back();
  }
  lru_.push_front(Cached{sql, stmt});
  index_.emplace(lru_.front().sql, lru_.begin());
  owned = false;
  return stmt;
}

namespace {

void bind(sqlite3_stmt* s, const Params& params) {
  int expected = sqlite3_bind_parameter_count(s);
  if (static_cast<std::size_t>(expected) != params.size()) {
    throw Error(std::string(kErrParameterCount),
                "The statement has " + std::to_string(expected) + " parameter(s) but " +
                    std::to_string(params.size()) + " value(s) were given");
  }
  for (int i = 0; i < expected; ++i) {
    const SqlValue& v = params[static_cast<std::size_t>(i)];
    int rc = SQLITE_OK;
    switch (v.type()) {
      case SqlValue::Type::Null:
        rc = sqlite3_bind_null(s, i + 1);
        break;
      case SqlValue::Type::Integer:
        rc = sqlite3_bind_int64(s, i + 1, v.asInt64());
        break;
      case SqlValue::Type::Real:
        rc = sqlite3_bind_double(s, i + 1, v.asDouble());
        break;
      case SqlValue::Type::Text:
        // SQLITE_STATIC: the parameters outlive the statement's use (StatementUse clears the
        // bindings before the call returns), so SQLite need not copy them.
        rc = sqlite3_bind_text64(s, i + 1, v.asText().data(), v.asText().size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
        break;
      case SqlValue::Type::Blob:
        rc = sqlite3_bind_blob64(s, i + 1, v.asBlob().size() ? v.asBlob().data() : nullptr,
                                 v.asBlob().size(), SQLITE_STATIC);
        if (rc == SQLITE_OK && v.asBlob().size() == 0) rc = sqlite3_bind_zeroblob(s, i + 1, 0);
        break;
    }
    if (rc != SQLITE_OK)
      throw Error(rc,
                  sqlite3_errstr(rc) + std::string(" (parameter ") + std::to_string(i + 1) + ")");
  }
}

}  // namespace

RunResult Connection::run(const std::string& sql, const Params& params) {
  bool owned = false;
  sqlite3_stmt* s = prepare(sql, owned);
  StatementUse use(s, owned);
  bind(s, params);
  int rc = SQLITE_DONE;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) fail();
  return RunResult{sqlite3_changes64(db), sqlite3_last_insert_rowid(db)};
}

Rows Connection::query(const std::string& sql, const Params& params, std::size_t limit) {
  bool owned = false;
  sqlite3_stmt* s = prepare(sql, owned);
  StatementUse use(s, owned);
  bind(s, params);
  Rows rows;
  int rc = SQLITE_DONE;
  int columns = 0;
  std::vector<std::string> names;
  bool unique = true;
  while ((limit == 0 || rows.size() < limit) && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (rows.empty()) {
      // Read after the first step: a schema change re-prepares the statement inside
      // sqlite3_step, and `SELECT *` may then have other columns than before it. Names are
      // copied once per call; a duplicate name (a join's two "id" columns) must keep the
      // last value, which only the slower Object::set does.
      columns = sqlite3_column_count(s);
      names.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) {
        const char* n = sqlite3_column_name(s, i);
        std::string name = n ? n : "";
        for (const auto& seen : names) unique = unique && seen != name;
        names.push_back(std::move(name));
      }
    }
    json::Object row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int i = 0; i < columns; ++i) {
      if (unique) {
        row.append(names[static_cast<std::size_t>(i)], column(s, i));
      } else {
        row.set(names[static_cast<std::size_t>(i)], column(s, i));
      }
    }
    rows.emplace_back(std::move(row));
  }
  if (limit == 0 || rows.size() < limit) {
    if (rc != SQLITE_DONE) fail();
  }
  return rows;
}

void Connection::exec(const std::string& script) {
  if (db == nullptr) throw Error(std::string(kErrClosed), "Database is closed");
  char* message = nullptr;
  if (sqlite3_exec(db, script.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw Error(sqlite3_extended_errcode(db), text);
  }
}

void Connection::finish(int depth, bool commit) {
  if (depth == 1) {
    if (commit) {
      try {
        exec("COMMIT");
      } catch (...) {
        // A COMMIT that failed (SQLITE_BUSY, a deferred foreign key) leaves the transaction
        // open: roll it back so the connection is usable, then report the COMMIT's error.
        if (sqlite3_get_autocommit(db) == 0)
          sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } else if (sqlite3_get_autocommit(db) == 0) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR...) already rolled the transaction back.
      exec("ROLLBACK");
    }
    return;
  }
  std::string name = "nx_savepoint_" + std::to_string(depth);
  if (commit) {
    exec("RELEASE " + name);
  } else {
    exec("ROLLBACK TO " + name + "; RELEASE " + name);
  }
}

void Connection::close() noexcept {
  for (auto& c : lru_) sqlite3_finalize(c.stmt);
  index_.clear();
  lru_.clear();
  // sqlite3_close_v2 cannot fail with SQLITE_BUSY: every statement is finalized above, and
  // a statement left over would only defer the close.
  sqlite3_close_v2(db);
  db = nullptr;
}

}  // namespace nx::data::sqlite::detail
