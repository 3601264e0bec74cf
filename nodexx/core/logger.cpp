// SPDX-License-Identifier: MIT
#include "nodexx/core/logger.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <uv.h>

#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <typeinfo>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/loop.hpp"
#include "nodexx/core/process.hpp"

namespace nx {
namespace detail {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The length of the valid UTF-8 sequence at p, or 0 when it is invalid; then `skip` is the
// length of its maximal subpart, which becomes one U+FFFD (as TextDecoder and Buffer do).
std::size_t utf8Sequence(const unsigned char* p, const unsigned char* end, std::size_t& skip) {
  const unsigned char c = *p;
  std::size_t need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    skip = 1;
    return 0;
  }
  for (std::size_t i = 1; i <= need; ++i) {
    if (p + i >= end || p[i] < lo || p[i] > hi) {
      skip = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

// A JSON string as JSON.stringify writes it, with invalid UTF-8 replaced by U+FFFD.
void appendString(std::string& out, std::string_view s) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char* run = p;
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') ++p;
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
      ++p;
      continue;
    }
    std::size_t skip = 0;
    if (std::size_t n = utf8Sequence(p, end, skip); n != 0) {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    } else {
      out += "\xEF\xBF\xBD";
      p += skip;
    }
  }
  out += '"';
}

template <class I>
void appendInt(std::string& out, I v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// A double as JavaScript's Number.prototype.toString prints it (ECMA-262 Number::toString):
// the shortest round-trip digits, positional for exponents in [-7, 21), else `de+n`.
void appendNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0) {  // also -0, which JSON.stringify writes as 0
    out += '0';
    return;
  }
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t e = sci.find('e');
  char digits[20];
  int k = 0;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits[k++] = c;
  }
  int exp = 0;
  std::string_view es = sci.substr(e + 1);
  if (es.front() == '+') es.remove_prefix(1);
  std::from_chars(es.data(), es.data() + es.size(), exp);
  const int n = exp + 1;
  if (k <= n && n <= 21) {
    out.append(digits, static_cast<std::size_t>(k));
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits + n, static_cast<std::size_t>(k - n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(digits, static_cast<std::size_t>(k));
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits + 1, static_cast<std::size_t>(k - 1));
    }
    out += n - 1 >= 0 ? "e+" : "e-";
    appendInt(out, std::abs(n - 1));
  }
}

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
      appendString(out, f.key);
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
        appendInt(out, v.scalar_.i);
        break;
      case K::Uint:
        appendInt(out, v.scalar_.u);
        break;
      case K::Double:
        appendNumber(out, v.scalar_.d);
        break;
      case K::String:
        appendString(out, std::string_view(static_cast<const char*>(v.ptr_), v.size_));
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
  detail::appendString(core->censorJson, options.censor);
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
    detail::appendInt(prefix_, process::pid());
    char host[256];
    std::size_t size = sizeof host;
    prefix_ += ",\"hostname\":";
    detail::appendString(prefix_,
                         uv_os_gethostname(host, &size) == 0 ? std::string_view(host, size) : "");
  }
  if (!options.name.empty()) {
    prefix_ += ",\"name\":";
    detail::appendString(prefix_, options.name);
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
  detail::appendInt(line, static_cast<int>(level));
  if (core_->timestamp) {
    line += ",\"time\":";
    detail::appendInt(line, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  }
  line += prefix_;
  detail::LogWriter writer{*core_, line};
  writer.members(fields, core_->allPaths, 0, false);
  if (msg != nullptr) {
    line += ",\"msg\":";
    detail::appendString(line, *msg);
  } else if (auto m = detail::LogWriter::errMessage(fields)) {
    line += ",\"msg\":";
    detail::appendString(line, *m);
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
