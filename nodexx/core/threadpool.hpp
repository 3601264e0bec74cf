// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "nodexx/core/promise.hpp"

namespace nx::threadpool {

namespace detail {
/// A unit of pool work: execute() on a pool thread, then complete() on the loop thread.
struct Work {
  virtual ~Work() = default;
  virtual void execute() noexcept = 0;
  virtual void complete() = 0;
};
/// Queues `w` on libuv's pool for the current loop; the request keeps the loop alive.
void submit(std::unique_ptr<Work> w);
}  // namespace detail

/// Runs `fn()` on libuv's thread pool (shared with fs, DNS, crypto and compression; sized by
/// UV_THREADPOOL_SIZE, default 4) and settles the returned promise on the calling loop's thread
/// with its result or exception. `fn` is moved to the pool thread: it must own what it uses
/// and must not touch loop objects (promises, timers, emitters).
template <class F>
auto run(F fn) -> Promise<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  struct Job final : detail::Work {
    F fn;
    typename Promise<R>::Resolvers resolvers = Promise<R>::withResolvers();
    std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
    std::exception_ptr error;
    explicit Job(F&& f) : fn(std::move(f)) {}
    void execute() noexcept override {
      try {
        if constexpr (std::is_void_v<R>) {
          fn();
        } else {
          result.emplace(fn());
        }
      } catch (...) {
        error = std::current_exception();
      }
    }
    void complete() override {
      if (error) {
        resolvers.reject(error);
      } else if constexpr (std::is_void_v<R>) {
        resolvers.resolve();
      } else {
        resolvers.resolve(std::move(*result));
      }
    }
  };
  auto job = std::make_unique<Job>(std::move(fn));
  Promise<R> p = job->resolvers.promise;
  detail::submit(std::move(job));
  return p;
}

/// The number of pool threads: UV_THREADPOOL_SIZE if set (1..1024), else 4.
std::size_t size() noexcept;

}  // namespace nx::threadpool
