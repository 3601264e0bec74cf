// SPDX-License-Identifier: MIT
#include "nodexx/core/logger.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <uv.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <typeinfo>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/json_text.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"

namespace nx {
namespace detail {
namespace {

// Writes all of [p, p+n) to fd; returns 0 or the errno that stopped it. Waits out EAGAIN on a
// non-blocking descriptor (stdout may be one when a libuv stream shares it).
int writeFully(int fd, const char* p, std::size_t n) noexcept {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w >= 0) {
      p += w;
      n -= static_cast<std::size_t>(w);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd pfd{fd, POLLOUT, 0};
      ::poll(&pfd, 1, -1);
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string s = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return s;
}

std::optional<int> parseLevel(std::string_view name) noexcept {
  if (name == "trace") return 10;
  if (name == "debug") return 20;
  if (name == "info") return 30;
  if (name == "warn") return 40;
  if (name == "error") return 50;
  if (name == "fatal") return 60;
  if (name == "silent") return static_cast<int>(LogLevel::Silent);
  return std::nullopt;
}

int parseLevelOrThrow(std::string_view name) {
  if (auto l = parseLevel(name)) return *l;
  throw RangeError("ERR_INVALID_ARG_VALUE", "unknown level '" + std::string(name) + "'");
}

// pino's path syntax: `a.b`, `a["x.y"]`, `a[*]`, `*.b`.
std::vector<std::string> parseRedactPath(std::string_view path) {
  auto bad = [&] {
    throw RangeError("ERR_INVALID_ARG_VALUE", "invalid redact path '" + std::string(path) + "'");
  };
  std::vector<std::string> segs;
  std::size_t i = 0;
  bool needSeg = true;
  while (i < path.size()) {
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) bad();
      std::string_view inner = path.substr(i + 1, close - i - 1);
      if (inner.size() >= 2 && (inner.front() == '"' || inner.front() == '\'') &&
          inner.back() == inner.front()) {
        inner = inner.substr(1, inner.size() - 2);
      }
      if (inner.empty()) bad();
      segs.emplace_back(inner);
      i = close + 1;
    } else {
      std::size_t stop = path.find_first_of(".[", i);
      if (stop == std::string_view::npos) stop = path.size();
      if (stop == i) bad();
      segs.emplace_back(path.substr(i, stop - i));
      i = stop;
    }
    needSeg = false;
    if (i < path.size() && path[i] == '.') {
      ++i;
      needSeg = true;
    }
  }
  if (needSeg) bad();
  return segs;
}

}  // namespace

/// The buffer and descriptor shared by a root logger, its copies and its children. Lines are
/// appended under `mu`; one writer at a time (`writing`) takes everything pending and writes
/// it, so batches reach the descriptor in the order their lines were appended.
struct LogSink : std::enable_shared_from_this<LogSink> {
  LogSink(int f, bool owns, std::size_t max) : fd(f), ownsFd(owns), maxBufferBytes(max) {}
  ~LogSink() {
    flushSync();
    if (ownsFd) ::close(fd);
  }

  void append(std::string_view line) {
    std::unique_lock lk(mu);
    pending.append(line);
    if (home == nullptr || pending.size() >= maxBufferBytes) {
      writeBatch(lk);
      return;
    }
    if (scheduled) return;
    if (std::this_thread::get_id() == homeThread) {
      scheduled = true;
      lk.unlock();
      queueWork(homeUv);
    } else if (!posted) {
      posted = true;
      Loop* h = home;
      lk.unlock();
      // Weak: a post that waits for a loop that never runs again must not keep the file open.
      h->post([weak = weak_from_this()] {
        if (auto self = weak.lock()) self->onPosted();
      });
    }
  }

  void flushSync() {
    std::unique_lock lk(mu);
    do {
      writeBatch(lk);
    } while (!pending.empty());
  }

  // The home loop is ending (process "exit", or its thread ends): write synchronously from now.
  void detach() {
    {
      std::lock_guard lk(mu);
      home = nullptr;
    }
    flushSync();
  }

 private:
  struct WorkReq {
    uv_work_t work{};
    std::shared_ptr<LogSink> sink;  // the pool thread writes after every logger may be gone
  };

  // Waits for the current writer, then writes what is pending. `lk` is held on entry and exit.
  void writeBatch(std::unique_lock<std::mutex>& lk) {
    cv.wait(lk, [this] { return !writing; });
    if (pending.empty()) return;
    std::string batch = std::move(spare);
    batch.clear();
    batch.swap(pending);
    writing = true;
    lk.unlock();
    const int err = writeFully(fd, batch.data(), batch.size());
    lk.lock();
    writing = false;
    batch.clear();
    if (batch.capacity() <= kSpareBytes) spare = std::move(batch);
    cv.notify_all();
    if (err != 0 && !errorReported) {
      errorReported = true;
      std::fprintf(stderr, "nx::Logger: cannot write to fd %d: %s; lines were lost\n", fd,
                   std::strerror(err));
    }
  }

  void onPosted() {
    std::unique_lock lk(mu);
    posted = false;
    if (home == nullptr || scheduled || pending.empty()) return;
    scheduled = true;
    lk.unlock();
    queueWork(homeUv);
  }

  // On the home loop's thread. The request is ref'd: the loop waits for the write.
  void queueWork(uv_loop_t* uv) {
    auto* req = new WorkReq{};
    req->sink = shared_from_this();
    req->work.data = req;
    const int rc = uv_queue_work(
        uv, &req->work,
        [](uv_work_t* w) {
          LogSink& s = *static_cast<WorkReq*>(w->data)->sink;
          std::unique_lock lk(s.mu);
          s.writeBatch(lk);
        },
        [](uv_work_t* w, int) {
          std::unique_ptr<WorkReq> r(static_cast<WorkReq*>(w->data));
          r->sink->onWorkDone(w->loop);
        });
    if (rc != 0) {
      delete req;
      std::unique_lock lk(mu);
      scheduled = false;
      writeBatch(lk);
    }
  }

  void onWorkDone(uv_loop_t* uv) {
    std::unique_lock lk(mu);
    scheduled = false;
    if (home == nullptr || pending.empty()) return;
    scheduled = true;
    lk.unlock();
    queueWork(uv);
  }

  static constexpr std::size_t kSpareBytes = std::size_t{1} << 20;

 public:
  const int fd;
  const bool ownsFd;
  const std::size_t maxBufferBytes;
  std::thread::id homeThread;   // set before the sink is shared
  uv_loop_t* homeUv = nullptr;  // set before the sink is shared

  std::mutex mu;
  std::condition_variable cv;
  std::string pending;
  std::string spare;       // a drained batch, kept for its capacity
  Loop* home = nullptr;    // null once detached
  bool writing = false;    // a batch is being written (by any thread)
  bool scheduled = false;  // a work request is queued on the home loop
  bool posted = false;     // a post() to the home loop is pending
  bool errorReported = false;
};

/// What a root logger, its copies and children share; the last of them writes what is left.
struct LogCore {
  LogCore() = default;
  LogCore(const LogCore&) = delete;
  LogCore& operator=(const LogCore&) = delete;
  ~LogCore() {
    if (sink) sink->flushSync();
  }

  std::shared_ptr<LogSink> sink;
  std::vector<std::vector<std::string>> redact;
  std::uint64_t allPaths = 0;
  std::string censorJson;
  bool redactRemove = false;
  bool timestamp = true;
};

namespace {

// Detaches the sinks created on a thread when the thread ends (for the main thread: at exit(),
// before static destructors), so that a logger that outlives its thread's default loop writes
// synchronously instead of touching the dead loop.
struct ThreadSinks {
  std::vector<std::weak_ptr<LogSink>> sinks;
  ~ThreadSinks() {
    for (auto& w : sinks) {
      if (auto s = w.lock()) s->detach();
    }
  }
  void add(const std::shared_ptr<LogSink>& s) {
    std::erase_if(sinks, [](const std::weak_ptr<LogSink>& w) { return w.expired(); });
    sinks.push_back(s);
  }
};

}  // namespace

/// Writes LogValues as JSON, applying the redaction paths. A path set is a bit mask over
/// LogCore::redact: the paths whose first `depth` segments match the keys above.
struct LogWriter {
  const LogCore& core;
  std::string& out;

  // `,"k":v` for each field (the first without a comma when `first`).
  void members(Fields fields, std::uint64_t active, std::size_t depth, bool first) {
    for (const LogField& f : fields) {
      bool censored = false;
      std::uint64_t child = 0;
      for (std::uint64_t m = active; m != 0; m &= m - 1) {
        const int p = std::countr_zero(m);
        const auto& segs = core.redact[static_cast<std::size_t>(p)];
        if (depth < segs.size() && (segs[depth] == "*" || segs[depth] == f.key)) {
          if (depth + 1 == segs.size()) {
            censored = true;
          } else {
            child |= std::uint64_t{1} << p;
          }
        }
      }
      if (censored && core.redactRemove) continue;
      if (!first) out += ',';
      first = false;
      appendJsonString(out, f.key);
      out += ':';
      if (censored) {
        out += core.censorJson;
      } else {
        value(f.value, child, depth + 1);
      }
    }
  }

  void object(Fields fields, std::uint64_t active, std::size_t depth) {
    out += '{';
    members(fields, active, depth, true);
    out += '}';
  }

  void value(const LogValue& v, std::uint64_t active, std::size_t depth) {
    using K = LogValue::Kind;
    switch (v.kind_) {
      case K::Null:
        out += "null";
        break;
      case K::Bool:
        out += v.scalar_.b ? "true" : "false";
        break;
      case K::Int:
        appendJsonInt(out, v.scalar_.i);
        break;
      case K::Uint:
        appendJsonInt(out, v.scalar_.u);
        break;
      case K::Double:
        appendJsonNumber(out, v.scalar_.d);
        break;
      case K::String:
        appendJsonString(out, std::string_view(static_cast<const char*>(v.ptr_), v.size_));
        break;
      case K::Object:
        object(std::span(static_cast<const LogField*>(v.ptr_), v.size_), active, depth);
        break;
      case K::Array: {
        // Redaction paths name object keys only, as pino's do for the common cases.
        out += '[';
        auto* items = static_cast<const LogValue*>(v.ptr_);
        for (std::size_t i = 0; i < v.size_; ++i) {
          if (i != 0) out += ',';
          value(items[i], 0, depth + 1);
        }
        out += ']';
        break;
      }
      case K::Error:
        if (!v.error_) {
          out += "null";
          break;
        }
        try {
          std::rethrow_exception(v.error_);
        } catch (const std::exception& e) {
          exception(e, active, depth);
        } catch (...) {
          object({{"type", "Error"}, {"message", "exception of unknown type"}}, active, depth);
        }
        break;
      case K::Exception:
        exception(*static_cast<const std::exception*>(v.ptr_), active, depth);
    }
  }

  // pino's err serializer: type, message, then the error's own properties (Node's order).
  void exception(const std::exception& e, std::uint64_t active, std::size_t depth) {
    const auto* se = dynamic_cast<const SystemError*>(&e);
    const std::string type = se != nullptr ? std::string(se->name()) : demangle(typeid(e).name());
    LogField f[6];
    std::size_t n = 0;
    f[n++] = {"type", type};
    f[n++] = {"message", e.what()};
    std::vector<LogValue> nested;
    if (const auto* ue = dynamic_cast<const UvError*>(&e)) {
      f[n++] = {"errno", ue->errnum()};
      f[n++] = {"code", ue->code()};
      if (!ue->syscall().empty()) f[n++] = {"syscall", ue->syscall()};
      if (!ue->path().empty()) f[n++] = {"path", ue->path()};
    } else if (se != nullptr) {
      f[n++] = {"code", se->code()};
      if (const auto* ae = dynamic_cast<const AggregateError*>(&e)) {
        nested.assign(ae->errors().begin(), ae->errors().end());
        f[n++] = {"aggregateErrors", LogValue::array(nested)};
      }
    }
    object(std::span<const LogField>(f, n), active, depth);
  }

  // The message pino takes from a top-level "err" when the call has none.
  static std::optional<std::string> errMessage(Fields fields) {
    const LogValue* err = nullptr;
    for (const LogField& f : fields) {
      if (f.key == "msg") return std::nullopt;
      if (f.key == "err" && err == nullptr) err = &f.value;
    }
    if (err == nullptr) return std::nullopt;
    if (err->kind_ == LogValue::Kind::Exception) {
      return static_cast<const std::exception*>(err->ptr_)->what();
    }
    if (err->kind_ != LogValue::Kind::Error || !err->error_) return std::nullopt;
    try {
      std::rethrow_exception(err->error_);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "exception of unknown type";
    }
  }
};

}  // namespace detail

LogValue::LogValue(const char* s) noexcept : kind_(s != nullptr ? Kind::String : Kind::Null) {
  if (s != nullptr) {
    ptr_ = s;
    size_ = std::strlen(s);
  }
}
LogValue::LogValue(std::initializer_list<LogField> object) noexcept
    : kind_(Kind::Object), ptr_(object.begin()), size_(object.size()) {}
LogValue::LogValue(Fields object) noexcept
    : kind_(Kind::Object), ptr_(object.begin()), size_(object.size()) {}
LogValue LogValue::array(std::initializer_list<LogValue> items) noexcept {
  return LogValue(Kind::Array, items.begin(), items.size());
}
LogValue LogValue::array(std::span<const LogValue> items) noexcept {
  return LogValue(Kind::Array, items.data(), items.size());
}

Logger::Logger(LoggerOptions options) : level_(detail::parseLevelOrThrow(options.level)) {
  auto core = std::make_shared<detail::LogCore>();
  if (options.redact.size() > 64) {
    throw RangeError("ERR_INVALID_ARG_VALUE", "at most 64 redact paths are supported");
  }
  for (const std::string& p : options.redact) {
    core->allPaths |= std::uint64_t{1} << core->redact.size();
    core->redact.push_back(detail::parseRedactPath(p));
  }
  detail::appendJsonString(core->censorJson, options.censor);
  core->redactRemove = options.redactRemove;
  core->timestamp = options.timestamp;

  int fd = 1;
  bool owns = false;
  if (const auto* path = std::get_if<std::string>(&options.destination)) {
    fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0) throw UvError(-errno, "open", *path);
    owns = true;
  } else {
    fd = std::get<int>(options.destination);
  }
  core->sink = std::make_shared<detail::LogSink>(fd, owns, options.maxBufferBytes);

  // Construct the thread's default loop (if it is the current one) before ThreadSinks, so that
  // ThreadSinks is destroyed first and detaches the sink while the loop still exists.
  Loop& home = loop();
  thread_local detail::ThreadSinks threadSinks;
  detail::LogSink& sink = *core->sink;
  sink.home = &home;
  sink.homeUv = home.uv();
  sink.homeThread = std::this_thread::get_id();
  threadSinks.add(core->sink);
  EventEmitter& events = process::emitter();
  // One "exit" listener per root logger; raise the limit so that many loggers do not look like
  // a leak. The listener holds the sink weakly and outlives it harmlessly.
  if (std::size_t max = events.getMaxListeners(); max != 0) events.setMaxListeners(max + 1);
  events.on("exit", [weak = std::weak_ptr<detail::LogSink>(core->sink)](int) {
    if (auto s = weak.lock()) s->detach();
  });

  if (options.base) {
    prefix_ += ",\"pid\":";
    detail::appendJsonInt(prefix_, process::pid());
    char host[256];
    std::size_t size = sizeof host;
    prefix_ += ",\"hostname\":";
    detail::appendJsonString(
        prefix_, uv_os_gethostname(host, &size) == 0 ? std::string_view(host, size) : "");
  }
  if (!options.name.empty()) {
    prefix_ += ",\"name\":";
    detail::appendJsonString(prefix_, options.name);
  }
  core_ = std::move(core);
}

Logger::Logger(std::shared_ptr<detail::LogCore> core, std::string prefix, int level) noexcept
    : core_(std::move(core)), prefix_(std::move(prefix)), level_(level) {}

Logger::Logger(const Logger& other)
    : core_(other.core_), prefix_(other.prefix_), level_(other.level_.load()) {}

Logger& Logger::operator=(const Logger& other) {
  if (this != &other) {
    core_ = other.core_;
    prefix_ = other.prefix_;
    level_.store(other.level_.load());
  }
  return *this;
}

Logger::Logger(Logger&& other) noexcept
    : core_(std::move(other.core_)),
      prefix_(std::move(other.prefix_)),
      level_(other.level_.load()) {}

Logger& Logger::operator=(Logger&& other) noexcept {
  if (this != &other) {
    core_ = std::move(other.core_);
    prefix_ = std::move(other.prefix_);
    level_.store(other.level_.load());
  }
  return *this;
}

Logger::~Logger() = default;

void Logger::format(LogLevel level, Fields fields, const std::string_view* msg) const {
  thread_local std::string line;
  line.clear();
  line += "{\"level\":";
  detail::appendJsonInt(line, static_cast<int>(level));
  if (core_->timestamp) {
    line += ",\"time\":";
    detail::appendJsonInt(line, std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  }
  line += prefix_;
  detail::LogWriter writer{*core_, line};
  writer.members(fields, core_->allPaths, 0, false);
  if (msg != nullptr) {
    line += ",\"msg\":";
    detail::appendJsonString(line, *msg);
  } else if (auto m = detail::LogWriter::errMessage(fields)) {
    line += ",\"msg\":";
    detail::appendJsonString(line, *m);
  }
  line += "}\n";
  core_->sink->append(line);
  if (line.capacity() > (std::size_t{64} << 10)) line = std::string();
}

Logger Logger::child(Fields bindings) const {
  std::string prefix = prefix_;
  detail::LogWriter{*core_, prefix}.members(bindings, core_->allPaths, 0, false);
  return Logger(core_, std::move(prefix), level_.load());
}

std::string_view Logger::level() const noexcept {
  switch (level_.load(std::memory_order_relaxed)) {
    case 10:
      return "trace";
    case 20:
      return "debug";
    case 30:
      return "info";
    case 40:
      return "warn";
    case 50:
      return "error";
    case 60:
      return "fatal";
    default:
      return "silent";
  }
}

void Logger::setLevel(std::string_view level) { level_.store(detail::parseLevelOrThrow(level)); }

bool Logger::isLevelEnabled(std::string_view level) const noexcept {
  auto l = detail::parseLevel(level);
  return l && isLevelEnabled(static_cast<LogLevel>(*l));
}

void Logger::flushSync() const { core_->sink->flushSync(); }

}  // namespace nx
