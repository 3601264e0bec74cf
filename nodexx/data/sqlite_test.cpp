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
#include "nodexx/json/mapping.hpp"

namespace nx::data::sqlite {

struct Product {
  std::int64_t id = 0;
  std::string name;
  std::optional<double> price;
};
NX_JSON(Product, id, name, price)

namespace {

using ::testing::HasSubstr;

/// The code of the error `p` rejects with ("(fulfilled)" if it fulfills).
using test::codeOf;

class SqliteTest : public test::Fixture {};

TEST_F(SqliteTest, RunReportsChangesAndLastInsertRowid) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    EXPECT_TRUE(db.isOpen());
    EXPECT_EQ(db.name(), ":memory:");
    co_await db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    RunResult r = co_await db.run("INSERT INTO t(v) VALUES (?), (?)", "a", "b");
    EXPECT_EQ(r.changes, 2);
    EXPECT_EQ(r.lastInsertRowid, 2);
    r = co_await db.run("UPDATE t SET v = 'c'");
    EXPECT_EQ(r.changes, 2);
    r = co_await db.run("DELETE FROM t WHERE id = ?", 1);
    EXPECT_EQ(r.changes, 1);
    co_await db.close();
    EXPECT_FALSE(db.isOpen());
  });
}

TEST_F(SqliteTest, QueryReturnsRowsKeyedByColumnNameWithEachStorageClass) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)");
    Params params{std::int64_t{9007199254740993}, 2.5, "héllo",
                  Blob(std::string_view("\x00\xff"
                                        "ab",
                                        4)),
                  nullptr};
    co_await db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", params);
    Rows rows = co_await db.query("SELECT * FROM t");
    EXPECT_EQ(rows.size(), 1u);
    const json::Value& row = rows.at(0);
    NX_CO_ASSERT(row.isObject());
    std::vector<std::string> keys;
    for (const auto& [k, v] : row.asObject()) keys.push_back(k);
    EXPECT_THAT(keys, ::testing::ElementsAre("i", "r", "s", "b", "n"));
    EXPECT_TRUE(row["i"].isInt64());
    EXPECT_EQ(row["i"].asInt64(), 9007199254740993);  // exact beyond 2^53
    EXPECT_EQ(row["r"].asDouble(), 2.5);
    EXPECT_EQ(row["s"].asString(), "héllo");
    EXPECT_EQ(row["b"].asString(), "AP9hYg==");  // BLOB → base64
    EXPECT_TRUE(row["n"].isNull());
    Rows none = co_await db.query("SELECT * FROM t WHERE i = ?", 0);
    EXPECT_TRUE(none.empty());
  });
}

TEST_F(SqliteTest, DuplicateColumnNamesKeepTheLastValue) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    Rows rows = co_await db.query("SELECT 1 AS id, 2 AS x, 3 AS id");
    EXPECT_EQ(rows.at(0).size(), 2u);
    EXPECT_EQ(rows.at(0)["id"].asInt64(), 3);
  });
}

TEST_F(SqliteTest, GetReturnsTheFirstRowOrNullopt) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    std::optional<json::Value> first = co_await db.get("SELECT v FROM t ORDER BY v DESC");
    NX_CO_ASSERT(first.has_value());
    EXPECT_EQ((*first)["v"].asInt64(), 3);
    std::optional<json::Value> none = co_await db.get("SELECT v FROM t WHERE v > ?", 10);
    EXPECT_FALSE(none.has_value());
    // A SELECT stopped after its first row is reset, so it holds no read lock and reruns.
    first = co_await db.get("SELECT v FROM t ORDER BY v DESC");
    EXPECT_EQ((*first)["v"].asInt64(), 3);
    RunResult r = co_await db.run("DELETE FROM t");
    EXPECT_EQ(r.changes, 3);
  });
}

TEST_F(SqliteTest, TypedQueryAndGetMapRowsThroughJsonMapping) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec(
        "CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT, price REAL);"
        "INSERT INTO p(name, price) VALUES ('pen', 1.5), ('ink', NULL);");
    std::vector<Product> all = co_await db.query<Product>("SELECT * FROM p ORDER BY id");
    NX_CO_ASSERT(all.size() == 2u);
    EXPECT_EQ(all[0].id, 1);
    EXPECT_EQ(all[0].name, "pen");
    EXPECT_EQ(all[0].price, 1.5);
    EXPECT_EQ(all[1].price, std::nullopt);
    std::optional<Product> one = co_await db.get<Product>("SELECT * FROM p WHERE id = ?", 2);
    NX_CO_ASSERT(one.has_value());
    EXPECT_EQ(one->name, "ink");
    std::string e = co_await codeOf(db.query<Product>("SELECT id FROM p"));
    EXPECT_EQ(e.substr(0, 4), "ERR_") << e;
  });
}

TEST_F(SqliteTest, SyntaxErrorsRejectWithSqliteErrorAndMessage) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    std::string e = co_await codeOf(db.run("SELEC 1"));
    EXPECT_THAT(e,
                ::testing::StartsWith("SQLITE_ERROR|SQLITE_ERROR: near \"SELEC\": syntax error"));
    e = co_await codeOf(db.query("SELECT * FROM missing"));
    EXPECT_EQ(e, "SQLITE_ERROR|SQLITE_ERROR: no such table: missing");
    e = co_await codeOf(db.exec("CREATE TABLE a(x); CREATE TABLE a(x);"));
    EXPECT_EQ(e, "SQLITE_ERROR|SQLITE_ERROR: table a already exists");
    // The database stays usable after an error.
    Rows rows = co_await db.query("SELECT count(*) AS n FROM a");
    EXPECT_EQ(rows.at(0)["n"].asInt64(), 0);
  });
}

TEST_F(SqliteTest, ErrorTypeCarriesTheExtendedCode) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec("CREATE TABLE t(v TEXT UNIQUE)");
    co_await db.run("INSERT INTO t VALUES ('x')");
    try {
      co_await db.run("INSERT INTO t VALUES ('x')");
      ADD_FAILURE() << "expected a constraint error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "SQLITE_CONSTRAINT_UNIQUE");
      EXPECT_EQ(e.errcode(), 2067);       // SQLITE_CONSTRAINT_UNIQUE
      EXPECT_EQ(e.errcode() & 0xff, 19);  // SQLITE_CONSTRAINT
      EXPECT_EQ(e.name(), "SqliteError");
      EXPECT_STREQ(e.what(), "SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: t.v");
    }
  });
}

TEST_F(SqliteTest, ConstraintViolationsHaveTheirExtendedCodes) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    co_await db.exec(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
        "CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id),"
        " qty INTEGER CHECK (qty >= 0));"
        "INSERT INTO parent VALUES (1);");
    EXPECT_THAT(co_await codeOf(db.run("INSERT INTO child(parent, qty) VALUES (?, ?)", 99, 1)),
                ::testing::StartsWith("SQLITE_CONSTRAINT_FOREIGNKEY|"));
    EXPECT_THAT(co_await codeOf(db.run("INSERT INTO child(parent, qty) VALUES (?, ?)", nullptr, 1)),
                ::testing::StartsWith("SQLITE_CONSTRAINT_NOTNULL|"));
    EXPECT_THAT(co_await codeOf(db.run("INSERT INTO child(parent, qty) VALUES (?, ?)", 1, -1)),
                ::testing::StartsWith("SQLITE_CONSTRAINT_CHECK|"));
    EXPECT_THAT(co_await codeOf(db.run("INSERT INTO parent(id) VALUES (?)", 1)),
                ::testing::StartsWith("SQLITE_CONSTRAINT_PRIMARYKEY|"));
    EXPECT_EQ(co_await codeOf(db.run("INSERT INTO child(parent, qty) VALUES (?, ?)", 1, 1)),
              "(fulfilled)");
  });
}

TEST_F(SqliteTest, ParameterCountMustMatchThePlaceholders) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    EXPECT_EQ(co_await codeOf(db.query("SELECT ?, ?", 1)),
              "ERR_SQLITE_PARAMETER_COUNT|ERR_SQLITE_PARAMETER_COUNT: The statement has 2 "
              "parameter(s) but 1 value(s) were given");
    EXPECT_THAT(co_await codeOf(db.query("SELECT 1", 1)),
                ::testing::StartsWith("ERR_SQLITE_PARAMETER_COUNT|"));
    Rows rows = co_await db.query("SELECT ? AS a, ? AS b", 1, "x");
    EXPECT_EQ(rows.at(0)["b"].asString(), "x");
  });
}

TEST_F(SqliteTest, OnlyOneStatementPerCallOutsideExec) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    EXPECT_THAT(co_await codeOf(db.run("CREATE TABLE a(x); CREATE TABLE b(x)")),
                ::testing::StartsWith("ERR_SQLITE_MULTIPLE_STATEMENTS|"));
    EXPECT_THAT(co_await codeOf(db.run("")), ::testing::StartsWith("ERR_SQLITE_NO_STATEMENT|"));
    EXPECT_THAT(co_await codeOf(db.run("-- only a comment")),
                ::testing::StartsWith("ERR_SQLITE_NO_STATEMENT|"));
    // Trailing semicolons, whitespace and comments are not a second statement.
    EXPECT_EQ(co_await codeOf(db.run("CREATE TABLE c(x);  ;\n -- done\n")), "(fulfilled)");
    // The refused script ran nothing.
    Rows tables = co_await db.query("SELECT name FROM sqlite_master ORDER BY name");
    NX_CO_ASSERT(tables.size() == 1u);
    EXPECT_EQ(tables[0]["name"].asString(), "c");
  });
}

TEST_F(SqliteTest, ParametersOfEveryTypeRoundTrip) {
  runAsync([&]() -> Promise<> {
    Database db = co_await Database::open(":memory:");
    std::optional<int> none;
    std::optional<std::string> some = "s";
    Rows rows = co_await db.query(
        "SELECT typeof(?) a, typeof(?) b, typeof(?) c, typeof(?) d, typeof(?) e, typeof(?) f, "
        "typeof(?) g, ? h, length(?) i",
        true, 1.0f, std::string("t"), Blob(), none, some, 'x', INT64_MIN,
        Blob(std::string_view("abc")));
    const json::Value& r = rows.at(0);
    EXPECT_EQ(r["a"].asString(), "integer");
    EXPECT_EQ(r["b"].asString(), "real");
    EXPECT_EQ(r["c"].asString(), "text");
    EXPECT_EQ(r["d"].asString(), "blob");
    EXPECT_EQ(r["e"].asString(), "null");
    EXPECT_EQ(r["f"].asString(), "text");
    EXPECT_EQ(r["g"].asString(), "integer");
    EXPECT_EQ(r["h"].asInt64(), INT64_MIN);
    EXPECT_EQ(r["i"].asInt64(), 3);
  });
}

TEST(SqlValueTest, ConvertsCppValuesToStorageClasses) {
  EXPECT_EQ(SqlValue().type(), SqlValue::Type::Null);
  EXPECT_EQ(SqlValue(std::nullopt).type(), SqlValue::Type::Null);
  EXPECT_EQ(SqlValue(true).asInt64(), 1);
  EXPECT_EQ(SqlValue(std::uint64_t{INT64_MAX}).asInt64(), INT64_MAX);
  EXPECT_EQ(SqlValue(2.5f).asDouble(), 2.5);
  EXPECT_EQ(SqlValue("x").asText(), "x");
  EXPECT_EQ(SqlValue(std::optional<int>(4)).asInt64(), 4);
  try {
    SqlValue v(std::uint64_t{INT64_MAX} + 1);
    ADD_FAILURE() << "expected ERR_OUT_OF_RANGE";
  } catch (const RangeError& e) {
    EXPECT_EQ(e.code(), "ERR_OUT_OF_RANGE");
  }
  try {
    (void)SqlValue(1).asText();
    ADD_FAILURE() << "expected ERR_INVALID_ARG_TYPE";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_ARG_TYPE");
  }
}

TEST(SqliteErrorsTest, CodeNamesCoverPrimaryAndExtendedCodes) {
  EXPECT_EQ(codeName(5), "SQLITE_BUSY");
  EXPECT_EQ(codeName(5 | (3 << 8)), "SQLITE_BUSY_TIMEOUT");
  EXPECT_EQ(codeName(14), "SQLITE_CANTOPEN");
  EXPECT_EQ(codeName(19 | (60 << 8)), "SQLITE_CONSTRAINT");  // unknown extension: primary
  EXPECT_EQ(codeName(1000), "SQLITE_UNKNOWN");
}

}  // namespace
}  // namespace nx::data::sqlite
