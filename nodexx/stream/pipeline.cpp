// SPDX-License-Identifier: MIT
#include "nodexx/stream/pipeline.hpp"

#include <utility>

#include "nodexx/core/loop.hpp"
#include "nodexx/stream/errors.hpp"

namespace nx::stream {
namespace detail {
namespace {

// Node's end-of-stream (lib/internal/streams/end-of-stream.js): calls `done` once when the
// requested sides of `stream` are finished, with the stream's error, or with
// ERR_STREAM_PREMATURE_CLOSE if it closes first. Streams that will emit "close" are reported
// after "close", as in Node.
struct Eos : std::enable_shared_from_this<Eos> {
  std::shared_ptr<StreamBase> stream;
  bool readable = false;
  bool writable = false;
  bool willEmitClose = false;
  bool readableFinished = false;
  bool writableFinished = false;
  bool done = false;
  MoveFunction<void(std::exception_ptr)> callback;
  ListenerId onEnd = 0;
  ListenerId onFinish = 0;
  ListenerId onError = 0;
  ListenerId onClose = 0;

  void call(std::exception_ptr error) {
    if (done) return;
    done = true;
    cleanup();
    auto cb = std::move(callback);
    auto keep = shared_from_this();
    cb(std::move(error));
  }

  void cleanup() {
    StreamBase& s = *stream;
    if (onEnd != 0) s.readableCore()->end.off(onEnd);
    if (onFinish != 0) s.writableCore()->finish.off(onFinish);
    StreamAccess::errorEvent(s).off(onError);
    StreamAccess::closeEvent(s).off(onClose);
    onEnd = onFinish = onError = onClose = 0;
  }

  bool readableFinishedLoose() const {
    const ReadableCore* r = stream->readableCore();
    return r->endEmitted || (r->ended && r->length == 0);
  }
  bool writableFinishedLoose() const {
    const WritableCore* w = stream->writableCore();
    return w->finished || (w->ending && w->length == 0);
  }

  void onclose() {
    StreamBase& s = *stream;
    if (s.errored()) return call(s.errored());
    if (readable && !readableFinished && s.readableCore() != nullptr) {
      if (!readableFinishedLoose()) return call(std::make_exception_ptr(errors::prematureClose()));
    }
    if (writable && !writableFinished) {
      if (!writableFinishedLoose()) return call(std::make_exception_ptr(errors::prematureClose()));
    }
    call(nullptr);
  }
};

void eos(const std::shared_ptr<StreamBase>& stream, bool readable, bool writable,
         MoveFunction<void(std::exception_ptr)> callback) {
  auto e = std::make_shared<Eos>();
  StreamBase& s = *stream;
  e->stream = stream;
  e->readable = readable && s.readableCore() != nullptr;
  e->writable = writable && s.writableCore() != nullptr;
  e->callback = std::move(callback);
  e->willEmitClose = s.autoDestroy() && s.emitCloseEnabled() && !s.closed() &&
                     (s.readableCore() != nullptr) == e->readable &&
                     (s.writableCore() != nullptr) == e->writable;
  e->readableFinished = e->readable && e->readableFinishedLoose();
  e->writableFinished = e->writable && e->writableFinishedLoose();
  std::weak_ptr<Eos> weak = e;
  // The listeners own the watcher until it has called back (cleanup() removes them).
  if (e->readable) {
    e->onEnd = s.readableCore()->end.on([e] {
      e->readableFinished = true;
      if (e->willEmitClose && (e->stream->writableCore() == nullptr || e->writable)) return;
      if (!e->writable || e->writableFinished) e->call(nullptr);
    });
  }
  if (e->writable) {
    e->onFinish = s.writableCore()->finish.on([e] {
      e->writableFinished = true;
      if (e->willEmitClose && (e->stream->readableCore() == nullptr || e->readable)) return;
      if (!e->readable || e->readableFinished) e->call(nullptr);
    });
  }
  e->onError = StreamAccess::errorEvent(s).on([e](std::exception_ptr& err) { e->call(err); });
  e->onClose = StreamAccess::closeEvent(s).on([e] { e->onclose(); });

  const bool doneSide =
      (!e->readable || e->readableFinished) && (!e->writable || e->writableFinished);
  if (StreamAccess::closeEmitted(s) || (s.closed() && !s.emitCloseEnabled())) {
    tick(s, [e] { e->onclose(); });
  } else if (StreamAccess::errorEmitted(s)) {
    if (!e->willEmitClose) tick(s, [e] { e->onclose(); });
  } else if (doneSide && !e->willEmitClose) {
    tick(s, [e] { e->onclose(); });
  }
}

struct PipelineRun : std::enable_shared_from_this<PipelineRun> {
  std::vector<PipelineStage> stages;
  std::vector<bool> stageFinished;
  std::vector<bool> destroyPending;  // Node's `destroys` list
  std::vector<ListenerId> errorIds;
  Promise<void>::Resolvers result = Promise<void>::withResolvers();
  std::exception_ptr error;
  int finishCount = 0;
  bool settled = false;
  AbortSignal signal;
  ListenerId abortId = 0;

  static bool isPrematureClose(const std::exception_ptr& e) {
    if (!e) return false;
    try {
      std::rethrow_exception(e);
    } catch (const SystemError& x) {
      return x.code() == errors::kPrematureClose;
    } catch (...) {
      return false;
    }
  }
  static bool isAbortOrPremature(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const SystemError& x) {
      return x.name() == "AbortError" || x.code() == errors::kPrematureClose;
    } catch (...) {
      return false;
    }
  }

  void finishOne(std::exception_ptr err) { finishImpl(std::move(err), --finishCount == 0); }

  void finishImpl(std::exception_ptr err, bool final) {
    if (settled) return;
    if (err && (!error || isPrematureClose(error))) error = err;
    if (!error && !final) return;
    auto keep = shared_from_this();
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (!destroyPending[i]) continue;
      destroyPending[i] = false;
      if (stageFinished[i]) continue;
      stageFinished[i] = true;
      StreamBase& s = *stages[i].stream;
      std::exception_ptr why = error;
      if (!why) why = std::make_exception_ptr(errors::abortError());
      s.destroy(why);
    }
    if (abortId != 0) {
      signal.off(abortId);
      abortId = 0;
    }
    if (final) {
      settled = true;
      for (std::size_t i = 0; i < stages.size(); ++i) {
        StreamAccess::errorEvent(*stages[i].stream).off(errorIds[i]);
      }
      std::exception_ptr e = error;
      nextTick([keep, e] {
        if (e) {
          keep->result.reject(e);
        } else {
          keep->result.resolve();
        }
        keep->stages.clear();
      });
    }
  }
};

}  // namespace
}  // namespace detail

Promise<void> finished(std::shared_ptr<StreamBase> stream) {
  auto r = Promise<void>::withResolvers();
  const bool readable = stream->readableCore() != nullptr;
  const bool writable = stream->writableCore() != nullptr;
  detail::eos(stream, readable, writable, [r](std::exception_ptr e) {
    if (e) {
      r.reject(std::move(e));
    } else {
      r.resolve();
    }
  });
  return r.promise;
}

namespace detail {

Promise<void> runPipeline(std::vector<PipelineStage> stages, AbortSignal signal) {
  auto run = std::make_shared<PipelineRun>();
  run->stages = std::move(stages);
  const std::size_t n = run->stages.size();
  run->stageFinished.assign(n, false);
  run->destroyPending.assign(n, true);
  run->signal = std::move(signal);
  Promise<void> promise = run->result.promise;
  for (std::size_t i = 0; i < n; ++i) {
    StreamBase& s = *run->stages[i].stream;
    // Errors after the pipes are done are caught here too; the listener also keeps an
    // error from becoming uncaught.
    run->errorIds.push_back(
        StreamAccess::errorEvent(s).on([w = std::weak_ptr(run)](std::exception_ptr& e) {
          auto r = w.lock();
          if (r && e && !PipelineRun::isAbortOrPremature(e)) r->finishImpl(e, false);
        }));
    // Node's destroyer(): a stage that finished cleanly is not destroyed afterwards.
    eos(run->stages[i].stream, run->stages[i].reading, run->stages[i].writing,
        [w = std::weak_ptr(run), i](std::exception_ptr e) {
          if (auto r = w.lock()) {
            if (!e) r->stageFinished[i] = true;
          }
        });
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    run->finishCount += 2;
    StreamBase& dst = *run->stages[i + 1].stream;
    // A destination that closes before its source ended is a premature close.
    eos(run->stages[i].stream, true, false,
        [run](std::exception_ptr e) { run->finishOne(std::move(e)); });
    eos(run->stages[i + 1].stream, false, true,
        [run](std::exception_ptr e) { run->finishOne(std::move(e)); });
    (void)dst;
  }
  if (run->signal) {
    if (run->signal.aborted()) {
      nextTick([run] { run->finishImpl(std::make_exception_ptr(errors::abortError()), false); });
    } else {
      run->abortId = run->signal.onAbort([w = std::weak_ptr(run)] {
        if (auto r = w.lock()) {
          r->abortId = 0;
          r->finishImpl(std::make_exception_ptr(errors::abortError()), false);
        }
      });
    }
  }
  return promise;
}

}  // namespace detail
}  // namespace nx::stream
