// SPDX-License-Identifier: MIT
#include "nodexx/core/process.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/promise.hpp"

namespace nx {

std::string_view signalName(Signal s) noexcept {
  switch (s) {
    case Signal::Hup: return "SIGHUP";
    case Signal::Int: return "SIGINT";
    case Signal::Quit: return "SIGQUIT";
    case Signal::Usr1: return "SIGUSR1";
    case Signal::Usr2: return "SIGUSR2";
    case Signal::Pipe: return "SIGPIPE";
    case Signal::Term: return "SIGTERM";
    case Signal::Winch: return "SIGWINCH";
  }
  return "SIG?";
}

namespace detail {

struct SignalWatcher {
  uv_signal_t handle{};
  Signal signal;
  std::map<ListenerId, MoveFunction<void(Signal)>> listeners;
};

struct ProcessState {
  EventEmitter events;
  std::map<int, SignalWatcher*> signals;
  ListenerId nextSignalListener = 1;
  bool exitEmitted = false;
};

void PartDeleter::operator()(ProcessState* p) const noexcept { delete p; }

namespace {

std::atomic<process::UnhandledRejections> rejectionMode{process::UnhandledRejections::Throw};
const std::uint64_t processStartNs = uv_hrtime();

ProcessState& processState(LoopState& s) {
  if (!s.process) s.process.reset(new ProcessState());
  return *s.process;
}

void flushStdio() noexcept {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
}

[[noreturn]] void hardExit(int code) noexcept {
  flushStdio();
  std::_Exit(code);
}

void printUncaught(const std::exception_ptr& e) noexcept {
  std::string line = "Uncaught " + describe(e) + "\n";
  flushStdio();
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void closeSignal(SignalWatcher* w) noexcept {
  w->handle.data = w;
  uv_close(reinterpret_cast<uv_handle_t*>(&w->handle),
           [](uv_handle_t* h) { delete static_cast<SignalWatcher*>(h->data); });
}

}  // namespace

void reportUncaught(std::exception_ptr e) {
  LoopState& s = loop().state();
  ProcessState& ps = processState(s);
  if (ps.events.listenerCount("uncaughtException") > 0) {
    try {
      ps.events.emit("uncaughtException", e);
      return;
    } catch (...) {
      // Node exits with 7, without emitting "exit", when the handler itself throws.
      printUncaught(std::current_exception());
      hardExit(7);
    }
  }
  printUncaught(e);
  process::exit(1);
}

void processRejections(LoopState& s) {
  std::vector<PromiseBase*> pending;
  pending.swap(s.pendingRejections);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    PromiseBase* p = pending[i];
    if (!p->handled) {
      p->handled = true;  // reported once
      std::exception_ptr reason = p->error;
      ProcessState& ps = processState(s);
      bool hasListener = ps.events.listenerCount("unhandledRejection") > 0;
      auto mode = rejectionMode.load();
      if (mode == process::UnhandledRejections::Warn) {
        process::emitWarning(describe(reason), "UnhandledPromiseRejectionWarning");
      }
      if (hasListener) {
        try {
          ps.events.emit("unhandledRejection", reason);
        } catch (...) {
          for (std::size_t j = i + 1; j < pending.size(); ++j) release(pending[j]);
          release(p);
          reportUncaught(std::current_exception());
          return;
        }
      } else if (mode == process::UnhandledRejections::Throw) {
        for (std::size_t j = i; j < pending.size(); ++j) release(pending[j]);
        reportUncaught(reason);
        return;
      }
    }
    release(p);
  }
}

bool emitBeforeExit(LoopState& s) {
  ProcessState& ps = processState(s);
  if (ps.events.listenerCount("beforeExit") > 0) {
    int code = process::exitCode;
    invokeCallback(s, [&] { ps.events.emit("beforeExit", code); });
  }
  return uv_loop_alive(&s.uv) != 0;
}

void emitExit(LoopState& s) {
  ProcessState& ps = processState(s);
  if (ps.exitEmitted) return;
  ps.exitEmitted = true;
  int code = process::exitCode;
  try {
    ps.events.emit("exit", code);
  } catch (...) {
    // Node treats it as an uncaught exception: the remaining listeners do not run, code 1.
    printUncaught(std::current_exception());
    process::exitCode = 1;
  }
}

void closeProcess(LoopState& s) noexcept {
  if (!s.process) return;
  for (auto& [signum, w] : s.process->signals) closeSignal(w);
  s.process->signals.clear();
}

}  // namespace detail

namespace process {

void exit(int code) {
  exitCode = code;
  detail::emitExit(loop().state());
  detail::hardExit(exitCode);
}

void exit() { exit(exitCode.load()); }

EventEmitter& emitter() { return detail::processState(loop().state()).events; }

bool off(std::string_view event, ListenerId id) { return emitter().off(event, id); }

ListenerId on(Signal signal, MoveFunction<void(Signal)> listener) {
  detail::LoopState& s = loop().state();
  detail::ProcessState& ps = detail::processState(s);
  int signum = static_cast<int>(signal);
  detail::SignalWatcher*& w = ps.signals[signum];
  if (w == nullptr) {
    w = new detail::SignalWatcher{};
    w->signal = signal;
    uv_signal_init(&s.uv, &w->handle);
    w->handle.data = w;
    uv_signal_start(
        &w->handle,
        [](uv_signal_t* h, int) {
          auto* watcher = static_cast<detail::SignalWatcher*>(h->data);
          detail::invokeCallback(detail::stateOf(h->loop), [watcher] {
            // Copy the ids first: a listener may remove itself or others.
            std::vector<ListenerId> ids;
            for (auto& entry : watcher->listeners) ids.push_back(entry.first);
            for (ListenerId id : ids) {
              auto it = watcher->listeners.find(id);
              if (it != watcher->listeners.end()) it->second(watcher->signal);
            }
          });
        },
        signum);
    uv_unref(reinterpret_cast<uv_handle_t*>(&w->handle));  // as in Node
  }
  ListenerId id = ps.nextSignalListener++;
  w->listeners.emplace(id, std::move(listener));
  return id;
}

bool off(Signal signal, ListenerId id) {
  detail::ProcessState& ps = detail::processState(loop().state());
  auto it = ps.signals.find(static_cast<int>(signal));
  if (it == ps.signals.end() || it->second->listeners.erase(id) == 0) return false;
  if (it->second->listeners.empty()) {
    detail::closeSignal(it->second);
    ps.signals.erase(it);
  }
  return true;
}

void setUnhandledRejections(UnhandledRejections mode) noexcept { detail::rejectionMode = mode; }
UnhandledRejections unhandledRejections() noexcept { return detail::rejectionMode; }

int pid() noexcept { return static_cast<int>(::getpid()); }

std::optional<std::string> env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::chrono::nanoseconds hrtime() noexcept {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(uv_hrtime()));
}

double uptime() noexcept {
  return static_cast<double>(uv_hrtime() - detail::processStartNs) / 1e9;
}

MemoryUsage memoryUsage() {
  MemoryUsage m;
  size_t rss = 0;
  if (uv_resident_set_memory(&rss) == 0) m.rss = rss;
  struct mallinfo2 mi = ::mallinfo2();
  m.heapTotal = mi.arena + mi.hblkhd;
  m.heapUsed = mi.uordblks + mi.hblkhd;
  return m;
}

}  // namespace process
}  // namespace nx
