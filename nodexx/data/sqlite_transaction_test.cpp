// SPDX-License-Identifier: MIT
#include "nodexx/data/sqlite.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/combinators.hpp"
#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/data/internal/sqlite_test_support.hpp"

namespace nx::data::sqlite {
namespace {

using ::testing::StartsWith;

using test::codeOf;

Promise<std::int64_t> count(Database& db) {
  std::optional<json::Value> row = co_await db.get("SELECT count(*) AS n FROM t");
  co_return (*row)["n"].asInt64();
}

class SqliteTransactionTest : public test::Fixture {};

TEST_F(SqliteTransactionTest, CommitsWhenTheFunctionFulfillsAndPassesItsValue) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    std::int64_t id = co_await db.transaction([](Database& tx) -> Promise<std::int64_t> {
      co_await tx.run("INSERT INTO t VALUES (?)", 1);
      RunResult r = co_await tx.run("INSERT INTO t VALUES (?)", 2);
      co_return r.lastInsertRowid;
    });
    EXPECT_EQ(id, 2);
    EXPECT_EQ(co_await count(db), 2);
  });
}

TEST_F(SqliteTransactionTest, RollsBackWhenTheFunctionThrowsAndRethrows) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER UNIQUE)");
    std::string e = co_await codeOf(db.transaction([](Database& tx) -> Promise<> {
      co_await tx.run("INSERT INTO t VALUES (1)");
      throw std::runtime_error("changed my mind");
    }));
    EXPECT_EQ(e, "std::exception|changed my mind");
    EXPECT_EQ(co_await count(db), 0);
    // A failing statement inside also rolls back what came before it.
    e = co_await codeOf(db.transaction([](Database& tx) -> Promise<> {
      co_await tx.run("INSERT INTO t VALUES (2)");
      co_await tx.run("INSERT INTO t VALUES (2)");
    }));
    EXPECT_THAT(e, StartsWith("SQLITE_CONSTRAINT_UNIQUE|"));
    EXPECT_EQ(co_await count(db), 0);
    // The connection is back in autocommit mode: a new transaction starts fine.
    co_await db.transaction(
        [](Database& tx) -> Promise<> { co_await tx.run("INSERT INTO t VALUES (3)"); });
    EXPECT_EQ(co_await count(db), 1);
  });
}

TEST_F(SqliteTransactionTest, NestedTransactionRollsBackToItsSavepointOnly) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    co_await db.transaction([](Database& tx) -> Promise<> {
      co_await tx.run("INSERT INTO t VALUES (1)");
      std::string e = co_await codeOf(tx.transaction([](Database& inner) -> Promise<> {
        co_await inner.run("INSERT INTO t VALUES (2)");
        throw std::runtime_error("inner fails");
      }));
      EXPECT_EQ(e, "std::exception|inner fails");
      co_await tx.transaction(
          [](Database& inner) -> Promise<> { co_await inner.run("INSERT INTO t VALUES (3)"); });
    });
    Rows rows = co_await db.query("SELECT v FROM t ORDER BY v");
    NX_CO_ASSERT(rows.size() == 2u);
    EXPECT_EQ(rows[0]["v"].asInt64(), 1);
    EXPECT_EQ(rows[1]["v"].asInt64(), 3);
  });
}

TEST_F(SqliteTransactionTest, OuterCallsWaitUntilTheTransactionEnds) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    std::vector<std::string> order;
    Promise<> tx = db.transaction([&order](Database& tx) -> Promise<> {
      co_await tx.run("INSERT INTO t VALUES (1)");
      order.push_back("tx first");
      co_await tx.run("INSERT INTO t VALUES (2)");
      order.push_back("tx second");
    });
    // Queued while the transaction holds the database: it sees both rows, never one.
    Promise<std::int64_t> seen = count(db);
    Promise<> after = seen.then([&order](std::int64_t) { order.push_back("outer"); });
    co_await tx;
    EXPECT_EQ(co_await seen, 2);
    co_await after;
    EXPECT_THAT(order, ::testing::ElementsAre("tx first", "tx second", "outer"));
  });
}

TEST_F(SqliteTransactionTest, CommitWaitsForCallsStillQueuedOnTheTransaction) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    Promise<RunResult> late;
    co_await db.transaction([&late](Database& tx) -> Promise<> {
      co_await tx.run("INSERT INTO t VALUES (1)");
      late = tx.run("INSERT INTO t VALUES (2)");  // not awaited by the function
      co_return;
    });
    EXPECT_EQ(co_await codeOf(std::move(late)), "(fulfilled)");
    EXPECT_EQ(co_await count(db), 2);
  });
}

TEST_F(SqliteTransactionTest, TransactionHandleRejectsWithMisuseAfterTheTransactionEnded) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    Database escaped;
    co_await db.transaction([&escaped](Database& tx) -> Promise<> {
      EXPECT_THAT(co_await codeOf(tx.close()), StartsWith("SQLITE_MISUSE|"));
      escaped = std::move(tx);  // a careless caller keeps the handle
      co_return;
    });
    EXPECT_FALSE(escaped.isOpen());
    EXPECT_EQ(co_await codeOf(escaped.run("INSERT INTO t VALUES (1)")),
              "SQLITE_MISUSE|SQLITE_MISUSE: The transaction has already ended");
    EXPECT_EQ(co_await count(db), 0);
  });
}

TEST_F(SqliteTransactionTest, CloseWaitsForAnActiveTransactionToCommit) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(at("close-tx.db"));
    co_await db.exec("CREATE TABLE t(v INTEGER)");
    Promise<> closed;
    co_await db.transaction([&](Database& tx) -> Promise<> {
      EXPECT_TRUE(tx.isOpen());
      closed = db.close();  // queued behind the transaction
      co_await tx.run("INSERT INTO t VALUES (1)");
      co_await tx.run("INSERT INTO t VALUES (2)");
    });
    co_await closed;
    Database again = co_await Database::open(at("close-tx.db"));
    EXPECT_EQ(co_await count(again), 2);
    co_await again.close();
  });
}

TEST_F(SqliteTransactionTest, BusyWhenAnotherConnectionHoldsTheWriteLock) {
  runAsync([&]() -> Promise<> {
    OpenOptions noWait;
    noWait.busyTimeout = std::chrono::milliseconds(0);
    Database a = co_await Database::open(at("busy.db"));
    Database b = co_await Database::open(at("busy.db"), noWait);
    co_await a.exec("CREATE TABLE t(v INTEGER)");
    std::string e = co_await a.transaction([&b](Database& tx) -> Promise<std::string> {
      co_await tx.run("INSERT INTO t VALUES (1)");
      co_return co_await codeOf(b.run("INSERT INTO t VALUES (2)"));
    });
    EXPECT_EQ(e, "SQLITE_BUSY|SQLITE_BUSY: database is locked");
    // WAL: the reader on b sees the committed row while nobody writes.
    EXPECT_EQ(co_await count(b), 1);
    co_await a.close();
    co_await b.close();
  });
}

}  // namespace
}  // namespace nx::data::sqlite
