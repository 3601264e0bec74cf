// SPDX-License-Identifier: MIT
// Template bodies of sqlite.hpp; included at its end.
#pragma once

#include "nodexx/json/mapping.hpp"

namespace nx::data::sqlite {

template <class T>
Promise<std::vector<T>> Database::query(std::string sql, Params params) {
  // Mapping runs on the loop thread: it is cheap next to the query, and json::to<T> may
  // run user conversions that are not known to be thread-safe.
  Rows rows = co_await query(std::move(sql), std::move(params));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const json::Value& row : rows) out.push_back(json::to<T>(row));
  co_return out;
}

template <class T>
Promise<std::optional<T>> Database::get(std::string sql, Params params) {
  std::optional<json::Value> row = co_await get(std::move(sql), std::move(params));
  if (!row) co_return std::nullopt;
  co_return json::to<T>(*row);
}

template <class F>
auto Database::transaction(F fn) -> std::invoke_result_t<F&, Database&> {
  using P = std::invoke_result_t<F&, Database&>;
  static_assert(nx::detail::IsPromise<P>::value,
                "transaction(fn): fn(Database&) must return a Promise");
  using R = typename P::value_type;
  Database tx = co_await beginTransaction();
  // fn may move the handle away; the end of the transaction must not depend on it.
  std::shared_ptr<detail::Connection> conn = tx.conn_;
  std::shared_ptr<detail::Scope> scope = tx.scope_;
  std::exception_ptr error;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
  try {
    if constexpr (std::is_void_v<R>) {
      co_await fn(tx);
    } else {
      result.emplace(co_await fn(tx));
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (!error) {
    co_await endTransaction(std::move(conn), std::move(scope), true);
    if constexpr (std::is_void_v<R>) {
      co_return;
    } else {
      co_return std::move(*result);
    }
  }
  try {
    co_await endTransaction(std::move(conn), std::move(scope), false);
  } catch (...) {
    // The error that made the transaction roll back is the one the caller needs; a failing
    // ROLLBACK (the transaction was already rolled back by SQLite) adds nothing to it.
  }
  std::rethrow_exception(error);
}

}  // namespace nx::data::sqlite
