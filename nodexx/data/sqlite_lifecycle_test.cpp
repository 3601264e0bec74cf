// SPDX-License-Identifier: MIT
#include "nodexx/data/sqlite.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nodexx/core/combinators.hpp"
#include "nodexx/data/internal/sqlite_test_support.hpp"

namespace nx::data::sqlite {
namespace {

using test::codeOf;
using ::testing::StartsWith;

class SqliteLifecycleTest : public test::Fixture {};

TEST_F(SqliteLifecycleTest, ManyQueuedStatementsRunInCallOrderOneAtATime) {
  runAsync([&]() -> Promise<> {
    OpenOptions o;
    o.synchronous = Synchronous::Normal;  // 500 commits: skip the fsync of each
    Database db = co_await Database::open(at("queue.db"), o);
    co_await db.exec("CREATE TABLE t(seq INTEGER PRIMARY KEY, v INTEGER)");
    // 500 calls made in one synchronous burst: each is queued, none is awaited until all are.
    constexpr int kCalls = 500;
    std::vector<Promise<RunResult>> inserts;
    std::vector<Promise<Rows>> reads;
    for (int i = 0; i < kCalls; ++i) {
      inserts.push_back(db.run("INSERT INTO t(v) VALUES (?)", i * 7));
      // A read queued after insert i sees exactly i + 1 rows: the calls run in order.
      if (i % 50 == 0) reads.push_back(db.query("SELECT count(*) AS n FROM t"));
    }
    std::vector<RunResult> results = co_await all(std::move(inserts));
    NX_CO_ASSERT(results.size() == static_cast<std::size_t>(kCalls));
    for (int i = 0; i < kCalls; ++i) {
      EXPECT_EQ(results[static_cast<std::size_t>(i)].lastInsertRowid, i + 1);
    }
    std::vector<Rows> counts = co_await all(std::move(reads));
    for (std::size_t k = 0; k < counts.size(); ++k) {
      EXPECT_EQ(counts[k].at(0)["n"].asInt64(), static_cast<std::int64_t>(k * 50 + 1));
    }
    Rows rows = co_await db.query("SELECT seq, v FROM t ORDER BY seq");
    NX_CO_ASSERT(rows.size() == static_cast<std::size_t>(kCalls));
    for (int i = 0; i < kCalls; ++i) {
      EXPECT_EQ(rows[static_cast<std::size_t>(i)]["v"].asInt64(), i * 7);
    }
    co_await db.close();
  });
}

TEST_F(SqliteLifecycleTest, SeveralDatabasesWorkInParallelOnThePool) {
  runAsync([&]() -> Promise<> {
    std::vector<Database> dbs;
    for (int d = 0; d < 4; ++d) {
      dbs.push_back(co_await Database::open(at("p" + std::to_string(d) + ".db")));
      co_await dbs.back().exec("CREATE TABLE t(v INTEGER)");
    }
    std::vector<Promise<RunResult>> calls;
    for (int i = 0; i < 100; ++i) {
      for (auto& db : dbs) calls.push_back(db.run("INSERT INTO t VALUES (?)", i));
    }
    co_await all(std::move(calls));
    for (auto& db : dbs) {
      std::optional<json::Value> row = co_await db.get("SELECT count(*) AS n, sum(v) AS s FROM t");
      EXPECT_EQ((*row)["n"].asInt64(), 100);
      EXPECT_EQ((*row)["s"].asInt64(), 4950);
      co_await db.close();
    }
  });
}

TEST_F(SqliteLifecycleTest, CloseWaitsForQueuedCallsThenLaterCallsReject) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    Promise<> created = db.exec("CREATE TABLE t(v INTEGER)");
    Promise<RunResult> queued = db.run("INSERT INTO t VALUES (1)");
    Promise<> closed = db.close();
    EXPECT_FALSE(db.isOpen());  // at once, although queued calls still run
    Promise<Rows> after = db.query("SELECT * FROM t");
    co_await created;
    EXPECT_EQ((co_await queued).changes, 1);
    co_await closed;
    EXPECT_FALSE(db.isOpen());
    EXPECT_EQ(co_await codeOf(std::move(after)), "SQLITE_MISUSE|SQLITE_MISUSE: Database is closed");
    EXPECT_EQ(co_await codeOf(db.run("SELECT 1")),
              "SQLITE_MISUSE|SQLITE_MISUSE: Database is closed");
    // Closing again is harmless.
    EXPECT_EQ(co_await codeOf(db.close()), "(fulfilled)");
  });
}

TEST_F(SqliteLifecycleTest, DatabaseFilePersistsAcrossCloseAndReopenInWalMode) {
  runAsync([&]() -> Promise<> {
    {
      Database db = co_await Database::open(at("shop.db"));
      co_await db.exec("CREATE TABLE t(v TEXT)");
      co_await db.run("INSERT INTO t VALUES (?)", "kept");
      std::optional<json::Value> mode = co_await db.get("PRAGMA journal_mode");
      EXPECT_EQ((*mode)["journal_mode"].asString(), "wal");
      std::optional<json::Value> fk = co_await db.get("PRAGMA foreign_keys");
      EXPECT_EQ((*fk)["foreign_keys"].asInt64(), 1);
      co_await db.close();
    }
    Database db = co_await Database::open(at("shop.db"));
    std::optional<json::Value> row = co_await db.get("SELECT v FROM t");
    NX_CO_ASSERT(row.has_value());
    EXPECT_EQ((*row)["v"].asString(), "kept");
    co_await db.close();
  });
}

TEST_F(SqliteLifecycleTest, OpenOptionsAreApplied) {
  runAsync([&]() -> Promise<> {
    OpenOptions o;
    o.wal = false;
    o.foreignKeys = false;
    o.synchronous = Synchronous::Normal;
    o.busyTimeout = std::chrono::milliseconds(1234);
    Database db = co_await Database::open(at("opts.db"), o);
    EXPECT_EQ((*co_await db.get("PRAGMA journal_mode"))["journal_mode"].asString(), "delete");
    EXPECT_EQ((*co_await db.get("PRAGMA foreign_keys"))["foreign_keys"].asInt64(), 0);
    EXPECT_EQ((*co_await db.get("PRAGMA synchronous"))["synchronous"].asInt64(), 1);
    EXPECT_EQ((*co_await db.get("PRAGMA busy_timeout"))["timeout"].asInt64(), 1234);
    co_await db.close();
  });
}

TEST_F(SqliteLifecycleTest, OpenFailuresRejectWithSqliteCodes) {
  runAsync([&]() -> Promise<> {
    EXPECT_THAT(co_await codeOf(Database::open(at("no/such/folder/x.db"))),
                StartsWith("SQLITE_CANTOPEN|SQLITE_CANTOPEN: unable to open database file"));
    OpenOptions mustExist;
    mustExist.fileMustExist = true;
    EXPECT_THAT(co_await codeOf(Database::open(at("missing.db"), mustExist)),
                StartsWith("SQLITE_CANTOPEN|"));
    OpenOptions ro;
    ro.readonly = true;
    EXPECT_THAT(co_await codeOf(Database::open(at("missing.db"), ro)),
                StartsWith("SQLITE_CANTOPEN|"));
    // A file that is not a database fails on first use of the schema.
    {
      Database scratch = co_await Database::open(at("junk.db"));
      co_await scratch.close();
    }
    std::FILE* f = std::fopen(at("junk.db").c_str(), "wb");
    std::fputs("this is not an SQLite database file, just text long enough to matter....", f);
    std::fclose(f);
    EXPECT_THAT(co_await codeOf(Database::open(at("junk.db"))), StartsWith("SQLITE_NOTADB|"));
  });
}

TEST_F(SqliteLifecycleTest, ReadonlyDatabaseRejectsWrites) {
  runAsync([&]() -> Promise<> {
    Database rw = co_await Database::open(at("ro.db"));
    co_await rw.exec("CREATE TABLE t(v INTEGER); INSERT INTO t VALUES (1);");
    co_await rw.close();
    OpenOptions ro;
    ro.readonly = true;
    Database db = co_await Database::open(at("ro.db"), ro);
    EXPECT_EQ((*co_await db.get("SELECT v FROM t"))["v"].asInt64(), 1);
    EXPECT_THAT(co_await codeOf(db.run("INSERT INTO t VALUES (2)")),
                StartsWith("SQLITE_READONLY|"));
    co_await db.close();
  });
}

TEST_F(SqliteLifecycleTest, StatementCacheEvictsAndStillAnswersCorrectly) {
  for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{64}}) {
    runAsync([&]() -> Promise<> {
      OpenOptions o;
      o.statementCacheSize = capacity;
      Database db = co_await Database::open(":memory:", o);
      co_await db.exec("CREATE TABLE t(v INTEGER)");
      for (int round = 0; round < 3; ++round) {
        for (int k = 0; k < 5; ++k) {
          // Five distinct statements cycle through a cache smaller than them.
          std::string sql = "INSERT INTO t SELECT ? + " + std::to_string(k);
          co_await db.run(sql, round * 10);
        }
      }
      std::optional<json::Value> r = co_await db.get("SELECT count(*) AS n, sum(v) AS s FROM t");
      EXPECT_EQ((*r)["n"].asInt64(), 15) << "capacity " << capacity;
      EXPECT_EQ((*r)["s"].asInt64(), 3 * 10 + 5 * 30) << "capacity " << capacity;
      co_await db.close();
    });
  }
}

TEST_F(SqliteLifecycleTest, SchemaChangeRepreparesCachedStatements) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1);");
    Rows before = co_await db.query("SELECT * FROM t");
    EXPECT_EQ(before.at(0).size(), 1u);
    co_await db.exec("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'");
    Rows after = co_await db.query("SELECT * FROM t");
    EXPECT_EQ(after.at(0).size(), 2u);
    EXPECT_EQ(after.at(0)["b"].asString(), "x");
  });
}

TEST_F(SqliteLifecycleTest, DefaultAndMovedFromHandlesRejectWithMisuse) {
  runAsync([&]() -> Promise<> {
    Database none;
    EXPECT_FALSE(none.isOpen());
    EXPECT_EQ(none.name(), "");
    EXPECT_EQ(co_await codeOf(none.run("SELECT 1")),
              "SQLITE_MISUSE|SQLITE_MISUSE: Database is closed");
    Database db = co_await Database::open(":memory:");
    Database moved = std::move(db);
    EXPECT_THAT(co_await codeOf(db.query("SELECT 1")), StartsWith("SQLITE_MISUSE|"));  // NOLINT
    EXPECT_THAT(co_await codeOf(db.transaction([](Database&) -> Promise<> { co_return; })),
                StartsWith("SQLITE_MISUSE|"));
    EXPECT_EQ(co_await codeOf(db.close()), "(fulfilled)");
    EXPECT_EQ(co_await codeOf(moved.run("SELECT 1")), "(fulfilled)");
    co_await moved.close();
  });
}

TEST_F(SqliteLifecycleTest, DroppingTheHandleLetsQueuedCallsFinish) {
  Promise<RunResult> insert;
  Promise<Rows> read;
  runAsync([&]() -> Promise<> {
    auto db = std::make_unique<Database>(co_await Database::open(at("drop.db")));
    co_await db->exec("CREATE TABLE t(v INTEGER)");
    insert = db->run("INSERT INTO t VALUES (1)");
    read = db->query("SELECT v FROM t");
    db.reset();  // no close(): the queued calls keep the connection until they are done
  });
  ASSERT_TRUE(insert.isFulfilled());
  ASSERT_TRUE(read.isFulfilled());
}

}  // namespace
}  // namespace nx::data::sqlite
