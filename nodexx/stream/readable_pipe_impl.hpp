// SPDX-License-Identifier: MIT
// Template bodies of readable.hpp, continued: pipe()/unpipe() (Node's Readable.prototype.pipe)
// and Readable::from().
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "nodexx/stream/readable_impl.hpp"

namespace nx::stream {

template <class T>
struct Readable<T>::Pipe {
  std::shared_ptr<Readable<T>> src;
  std::shared_ptr<Writable<T>> dst;
  bool end = true;
  bool cleanedUp = false;
  bool awaitingDrain = false;
  ListenerId onData = 0;
  ListenerId onEnd = 0;
  ListenerId onDrain = 0;
  ListenerId onError = 0;
  ListenerId onClose = 0;
  ListenerId onFinish = 0;
};

template <class T>
void Readable<T>::afterCloseHook() {
  // A source that closed without ending sends nothing more, and its destinations were not
  // ended: release those pipes (and the references they hold) without "unpipe", where Node
  // leaves them to the garbage collector. Ended pipes are cleaned up by the destination's
  // "finish" or "close", as in Node.
  std::vector<std::shared_ptr<Pipe>> pipes;
  for (auto& p : pipes_) {
    if (!core_.endEmitted || !p->end) pipes.push_back(p);
  }
  std::erase_if(pipes_, [&](const std::shared_ptr<Pipe>& p) {
    return std::find(pipes.begin(), pipes.end(), p) != pipes.end();
  });
  for (auto& p : pipes) {
    if (p->cleanedUp) continue;
    p->cleanedUp = true;
    WritableEvents de = p->dst->events();
    de.close.off(p->onClose);
    de.finish.off(p->onFinish);
    de.error.off(p->onError);
    de.drain.off(p->onDrain);
    core_.end.off(p->onEnd);
    data_.off(p->onData);
    p->src.reset();
    p->dst.reset();
  }
}

template <class T>
void Readable<T>::pipeTo(std::shared_ptr<Writable<T>> dst, PipeOptions options) {
  assertLoopThread();
  auto p = std::make_shared<Pipe>();
  p->src = std::static_pointer_cast<Readable<T>>(
      std::shared_ptr<void>(self(), static_cast<void*>(this)));
  p->dst = dst;
  p->end = options.end;
  pipes_.push_back(p);
  Writable<T>& d = *dst;
  WritableEvents dev = d.events();

  auto cleanup = [](const std::shared_ptr<Pipe>& pp) {
    if (pp->cleanedUp) return;
    pp->cleanedUp = true;
    Readable<T>& s = *pp->src;
    WritableEvents de = pp->dst->events();
    de.close.off(pp->onClose);
    de.finish.off(pp->onFinish);
    de.error.off(pp->onError);
    s.core_.end.off(pp->onEnd);
    s.data_.off(pp->onData);
    bool needDrain = pp->dst->writableNeedDrain();
    if (pp->onDrain != 0) {
      de.drain.off(pp->onDrain);
      if (pp->awaitingDrain && needDrain) {
        pp->awaitingDrain = false;
        if (s.core_.awaitDrain > 0) --s.core_.awaitDrain;
        if (s.core_.awaitDrain == 0 && s.data_.listenerCount() > 0) s.resume();
      }
    }
    // Drop the cycle src -> pipe -> src once the pipe is gone.
    auto keepSrc = std::move(pp->src);
    auto keepDst = std::move(pp->dst);
  };

  auto pauseForDrain = [](const std::shared_ptr<Pipe>& pp) {
    Readable<T>& s = *pp->src;
    if (!pp->cleanedUp) {
      if (!pp->awaitingDrain) {
        pp->awaitingDrain = true;
        ++s.core_.awaitDrain;
      }
      s.pause();
    }
    if (pp->onDrain == 0) {
      pp->onDrain = pp->dst->events().drain.on([pp] {
        Readable<T>& s2 = *pp->src;
        if (pp->awaitingDrain) {
          pp->awaitingDrain = false;
          if (s2.core_.awaitDrain > 0) --s2.core_.awaitDrain;
        }
        if (s2.core_.awaitDrain == 0 && s2.data_.listenerCount() > 0) s2.resume();
      });
    }
  };

  if (core_.endEmitted) {
    detail::tick(*this, [this, p] {
      if (p->cleanedUp) return;
      if (p->end) {
        (void)p->dst->end();
      } else {
        unpipe(*p->dst);
      }
    });
  } else {
    p->onEnd = core_.end.once([this, p] {
      if (p->cleanedUp) return;
      if (p->end) {
        (void)p->dst->end();
      } else {
        unpipe(*p->dst);
      }
    });
  }
  p->onError = dev.error.prependListener([this, p, cleanup](std::exception_ptr& er) {
    if (p->cleanedUp) return;
    auto keep = p;
    Writable<T>& dd = *p->dst;
    unpipe(dd);
    cleanup(keep);
    if (dd.events().error.listenerCount() == 0) std::rethrow_exception(er);
  });
  p->onClose = dev.close.once([this, p] {
    if (p->cleanedUp) return;
    unpipe(*p->dst);
  });
  p->onFinish = dev.finish.once([this, p] {
    if (p->cleanedUp) return;
    unpipe(*p->dst);
  });
  p->onData = data_.on([p, pauseForDrain](T& chunk) {
    if (p->cleanedUp) return;
    bool ok = p->dst->write(std::move(chunk));
    if (!ok) pauseForDrain(p);
  });
  dev.pipe.emit();
  if (d.writableNeedDrain()) {
    pauseForDrain(p);
  } else if (core_.flowing != 1) {
    resume();
  }
  (void)cleanup;
}

template <class T>
void Readable<T>::unpipe() {
  if (pipes_.empty()) return;
  auto dests = std::move(pipes_);
  pipes_.clear();
  pause();
  for (auto& p : dests) {
    auto keep = p;
    if (p->cleanedUp) continue;
    Writable<T>& d = *p->dst;
    d.events().unpipe.emit();
    // The cleanup of pipeTo, inlined here because the lambda is local there.
    p->cleanedUp = true;
    WritableEvents de = d.events();
    de.close.off(p->onClose);
    de.finish.off(p->onFinish);
    de.error.off(p->onError);
    de.drain.off(p->onDrain);
    core_.end.off(p->onEnd);
    data_.off(p->onData);
    if (p->awaitingDrain) {
      p->awaitingDrain = false;
      if (core_.awaitDrain > 0) --core_.awaitDrain;
    }
    p->src.reset();
    p->dst.reset();
  }
}

template <class T>
void Readable<T>::unpipe(const Writable<T>& dst) {
  auto it = std::find_if(pipes_.begin(), pipes_.end(),
                         [&](const std::shared_ptr<Pipe>& p) { return p->dst.get() == &dst; });
  if (it == pipes_.end()) return;
  std::shared_ptr<Pipe> p = *it;
  pipes_.erase(it);
  if (pipes_.empty()) pause();
  if (p->cleanedUp) return;
  Writable<T>& d = *p->dst;
  auto keepDst = p->dst;
  auto keepSrc = p->src;
  d.events().unpipe.emit();
  p->cleanedUp = true;
  WritableEvents de = d.events();
  de.close.off(p->onClose);
  de.finish.off(p->onFinish);
  de.error.off(p->onError);
  core_.end.off(p->onEnd);
  data_.off(p->onData);
  if (p->onDrain != 0) {
    de.drain.off(p->onDrain);
    if (p->awaitingDrain && d.writableNeedDrain()) {
      p->awaitingDrain = false;
      if (core_.awaitDrain > 0) --core_.awaitDrain;
      if (core_.awaitDrain == 0 && data_.listenerCount() > 0) resume();
    }
  }
  p->src.reset();
  p->dst.reset();
}

namespace detail {
template <class T>
class VectorReadable final : public Readable<T> {
 public:
  VectorReadable(std::vector<T> chunks, ReadableOptions o)
      : Readable<T>(o), chunks_(std::move(chunks)) {}

 protected:
  void _read(std::size_t) override {
    while (next_ < chunks_.size()) {
      if (!this->push(std::move(chunks_[next_++]))) return;
    }
    this->push(nullptr);
  }

 private:
  std::vector<T> chunks_;
  std::size_t next_ = 0;
};

template <class T>
class GeneratorReadable final : public Readable<T> {
 public:
  GeneratorReadable(MoveFunction<std::optional<T>()> next, ReadableOptions o)
      : Readable<T>(o), next_(std::move(next)) {}

 protected:
  void _read(std::size_t) override {
    for (;;) {
      std::optional<T> v = next_();
      if (!v) {
        this->push(nullptr);
        return;
      }
      if (!this->push(std::move(*v))) return;
    }
  }

 private:
  MoveFunction<std::optional<T>()> next_;
};
}  // namespace detail

template <class T>
std::shared_ptr<Readable<T>> Readable<T>::from(std::vector<T> chunks, ReadableOptions options) {
  return std::make_shared<detail::VectorReadable<T>>(std::move(chunks), options);
}

template <class T>
std::shared_ptr<Readable<T>> Readable<T>::from(MoveFunction<std::optional<T>()> next,
                                               ReadableOptions options) {
  return std::make_shared<detail::GeneratorReadable<T>>(std::move(next), options);
}

}  // namespace nx::stream
