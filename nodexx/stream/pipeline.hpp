// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "nodexx/core/abort.hpp"
#include "nodexx/core/promise.hpp"
#include "nodexx/stream/readable.hpp"
#include "nodexx/stream/stream_base.hpp"
#include "nodexx/stream/writable.hpp"

namespace nx::stream {

/// Node's stream/promises finished(stream): resolves when the stream is done — "end" for a
/// Readable, "finish" for a Writable, both for a Duplex — and rejects with the stream's error,
/// or with ERR_STREAM_PREMATURE_CLOSE when it closes (or is destroyed) before that. Settles at
/// once (in a microtask) when the stream is already done or destroyed. Keeps the stream alive
/// until settled.
[[nodiscard]] Promise<void> finished(std::shared_ptr<StreamBase> stream);

namespace detail {
struct PipelineStage {
  std::shared_ptr<StreamBase> stream;
  bool reading = false;  // not the last stage: its readable side is piped on
  bool writing = false;  // not the first stage: its writable side is fed
};
// The stage-independent part of pipeline(): watches every stage, destroys them all on the
// first error or abort, settles the returned promise once (pipeline.cpp).
Promise<void> runPipeline(std::vector<PipelineStage> stages, AbortSignal signal);

template <class S>
struct StageOf;
template <class S>
struct StageOf<std::shared_ptr<S>> {
  using type = S;
};
template <class A, class B>
concept Pipeable = requires {
  typename A::readable_chunk;
  typename B::writable_chunk;
}
&&std::is_same_v<typename A::readable_chunk, typename B::writable_chunk>;

template <class... S>
struct AllPipeable;
template <class A>
struct AllPipeable<A> : std::true_type {};
template <class A, class B, class... Rest>
struct AllPipeable<A, B, Rest...>
    : std::bool_constant<Pipeable<A, B> && AllPipeable<B, Rest...>::value> {};

template <class A, class B>
void pipeStages(const std::shared_ptr<A>& a, const std::shared_ptr<B>& b) {
  a->pipe(b, PipeOptions{.end = true});
}
}  // namespace detail

/// Node's stream/promises pipeline(source, ...transforms, destination[, signal]): pipes each
/// stage into the next with backpressure and settles once: fulfilled when the destination
/// has finished, rejected with the first error of any stage (later errors are ignored),
/// after which every stage not yet finished is destroyed (with that error, source first).
/// A premature close of any stage rejects with ERR_STREAM_PREMATURE_CLOSE. Aborting
/// `signal` destroys every stage with an AbortError and rejects with it. Each stage is a
/// shared_ptr to a stream; adjacent stages must agree on the chunk type at compile time
/// (stage i's readable_chunk == stage i+1's writable_chunk). Keeps every stage alive until
/// settled.
template <class Source, class... Rest>
[[nodiscard]] Promise<void> pipeline(std::shared_ptr<Source> source, std::shared_ptr<Rest>... rest);
/// pipeline() with an AbortSignal as the last argument: see above.
template <class Source, class... Rest>
[[nodiscard]] Promise<void> pipeline(AbortSignal signal, std::shared_ptr<Source> source,
                                     std::shared_ptr<Rest>... rest);

template <class Source, class... Rest>
Promise<void> pipeline(AbortSignal signal, std::shared_ptr<Source> source,
                       std::shared_ptr<Rest>... rest) {
  static_assert(sizeof...(Rest) >= 1, "pipeline() needs a source and a destination");
  static_assert(detail::AllPipeable<Source, Rest...>::value,
                "pipeline(): each stage's readable_chunk must be the next stage's writable_chunk");
  std::vector<detail::PipelineStage> stages;
  stages.reserve(1 + sizeof...(Rest));
  stages.push_back({source, true, false});
  (stages.push_back({rest, true, true}), ...);
  stages.back().reading = false;
  // Watch before piping, so that errors raised synchronously by pipe() are seen.
  Promise<void> result = detail::runPipeline(std::move(stages), std::move(signal));
  if (result.isPending()) {
    auto chain = [](auto& self, const auto& a, const auto& b, const auto&... tail) -> void {
      detail::pipeStages(a, b);
      if constexpr (sizeof...(tail) > 0) self(self, b, tail...);
    };
    chain(chain, source, rest...);
  }
  return result;
}

template <class Source, class... Rest>
Promise<void> pipeline(std::shared_ptr<Source> source, std::shared_ptr<Rest>... rest) {
  return pipeline(AbortSignal{}, std::move(source), std::move(rest)...);
}

}  // namespace nx::stream
