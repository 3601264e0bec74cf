// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <climits>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace nx {

/// pino's numeric levels. Silent disables every method.
enum class LogLevel : int {
  Trace = 10,
  Debug = 20,
  Info = 30,
  Warn = 40,
  Error = 50,
  Fatal = 60,
  Silent = INT_MAX,
};

struct LogField;
class Fields;

namespace detail {
struct LogWriter;
struct LogCore;
template <class T>
concept LogInteger = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;
}  // namespace detail

/// One JSON value of a log line: null, bool, integer, double, string, object (Fields),
/// array (LogValue::array) or an exception (serialised as pino's `err` serializer does:
/// {"type","message",...}). A LogValue is a view: strings, objects and arrays refer to the
/// caller's data, which must outlive the log call (temporaries in the call's full expression
/// do). Doubles that are not finite are written as null, as JSON.stringify does.
class LogValue {
 public:
  /// null.
  LogValue() noexcept : kind_(Kind::Null) {}
  LogValue(std::nullptr_t) noexcept : kind_(Kind::Null) {}
  LogValue(bool b) noexcept : kind_(Kind::Bool) { scalar_.b = b; }
  /// Integers (not bool or char) are written exactly, also beyond 2^53.
  template <detail::LogInteger T>
  LogValue(T v) noexcept : kind_(std::is_signed_v<T> ? Kind::Int : Kind::Uint) {
    if constexpr (std::is_signed_v<T>) {
      scalar_.i = v;
    } else {
      scalar_.u = v;
    }
  }
  /// Written as JavaScript prints numbers (shortest round-trip, `1e+21`, `1e-7`).
  template <std::floating_point T>
  LogValue(T v) noexcept : kind_(Kind::Double) {
    scalar_.d = static_cast<double>(v);
  }
  /// A null pointer is written as null. Invalid UTF-8 is written as U+FFFD.
  LogValue(const char* s) noexcept;
  LogValue(std::string_view s) noexcept : kind_(Kind::String), ptr_(s.data()), size_(s.size()) {}
  LogValue(const std::string& s) noexcept : LogValue(std::string_view(s)) {}
  /// A nested object: `{"req", {{"method", "GET"}, {"url", "/"}}}`.
  LogValue(std::initializer_list<LogField> object) noexcept;
  LogValue(Fields object) noexcept;
  /// An exception, serialised as {"type","message"} plus, from nx::SystemError, "code"; from
  /// nx::UvError also "errno", "syscall" and "path"; from nx::AggregateError "aggregateErrors".
  /// "type" is SystemError::name() or the demangled C++ type. A null exception_ptr is null.
  LogValue(std::exception_ptr e) noexcept : kind_(Kind::Error), error_(std::move(e)) {}
  LogValue(const std::exception& e) noexcept : kind_(Kind::Exception), ptr_(&e) {}

  /// A JSON array: `LogValue::array({1, "two", 3.5})`.
  static LogValue array(std::initializer_list<LogValue> items) noexcept;
  static LogValue array(std::span<const LogValue> items) noexcept;

 private:
  friend struct detail::LogWriter;
  enum class Kind : unsigned char {
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Object,
    Array,
    Error,
    Exception
  };
  explicit LogValue(Kind k, const void* p, std::size_t n) noexcept : kind_(k), ptr_(p), size_(n) {}

  Kind kind_;
  union {
    bool b;
    std::int64_t i;
    std::uint64_t u;
    double d;
  } scalar_{};
  const void* ptr_ = nullptr;
  std::size_t size_ = 0;
  std::exception_ptr error_;
};

/// A key and its value, as in a JS object literal.
struct LogField {
  std::string_view key;
  LogValue value;
};

/// A view of the fields of one log call or child binding, written in order. Built from a
/// braced list (`{{"user", id}, {"ms", 12.5}}`) or a span of LogField (e.g. a vector).
class Fields {
 public:
  Fields() noexcept = default;
// GCC's -Winit-list-lifetime cannot see that a Fields lives only within the call's full
// expression, like the braced list it views.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
  Fields(std::initializer_list<LogField> fields) noexcept
      : data_(fields.begin()), size_(fields.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  Fields(std::span<const LogField> fields) noexcept : data_(fields.data()), size_(fields.size()) {}
  Fields(const std::vector<LogField>& fields) noexcept
      : data_(fields.data()), size_(fields.size()) {}
  const LogField* begin() const noexcept { return data_; }
  const LogField* end() const noexcept { return data_ + size_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  const LogField* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Options of a root Logger, as pino's options.
struct LoggerOptions {
  /// Minimum level: "trace", "debug", "info", "warn", "error", "fatal" or "silent".
  std::string level = "info";
  /// Written as "name" after pid and hostname when not empty.
  std::string name;
  /// Key paths to censor in bindings and fields, as pino's `redact`: "password" (top-level
  /// key), "req.headers.authorization" (nested), "*.password" (`*` matches any one key),
  /// `a["x-y"]` for keys with dots. At most 64 paths.
  std::vector<std::string> redact;
  /// What a redacted value becomes (a JSON string).
  std::string censor = "[Redacted]";
  /// Remove redacted keys instead of censoring them (pino's `redact.remove`).
  bool redactRemove = false;
  /// A file descriptor (default 1, stdout; not closed by the logger) or a file path, opened
  /// for appending (created 0666 & ~umask) and closed when the last logger using it is gone.
  std::variant<int, std::string> destination = 1;
  /// Write pino's base bindings "pid" and "hostname".
  bool base = true;
  /// Write "time" (milliseconds since the Unix epoch, like Date.now()).
  bool timestamp = true;
  /// When more than this many bytes wait to be written, the logging thread writes them itself
  /// (synchronously) instead of buffering more: lines are never dropped.
  std::size_t maxBufferBytes = std::size_t{16} << 20;
};

/// A pino-compatible structured logger writing one JSON object per line:
/// `{"level":30,"time":...,"pid":...,"hostname":"...","name":"...",<bindings>,<fields>,
/// "msg":"..."}`. The line is formatted on the calling thread and appended to an in-memory
/// buffer; the loop that was current when the root logger was created (its home loop) writes
/// buffered lines in batches on libuv's thread pool, never blocking the loop. Any thread may
/// log: lines from other threads reach the home loop through Loop::post(). Everything is
/// written synchronously when the home loop emits process "exit", at flushSync(), when the
/// thread that created the logger ends, and when the last logger of a destination is destroyed.
/// Copies and children share the destination; each has its own level. Logging methods are
/// thread-safe; a Logger must not be used after its home loop has been destroyed unless that
/// loop ran to completion (its "exit" was emitted) or was the thread's default loop.
class Logger {
 public:
  /// Creates a root logger. Throws RangeError ERR_INVALID_ARG_VALUE for an unknown level or a
  /// malformed redact path, and UvError when the destination file cannot be opened.
  explicit Logger(LoggerOptions options = {});
  Logger(const Logger& other);
  Logger& operator=(const Logger& other);
  Logger(Logger&& other) noexcept;
  Logger& operator=(Logger&& other) noexcept;
  ~Logger();

  /// Log at a level: a message, fields, or fields then a message. Fields are written in order
  /// after the bindings; "msg" comes last and is omitted when no message is given, except
  /// that a top-level "err" field holding an exception supplies its message, as in pino.
  void trace(std::string_view msg) const { write(LogLevel::Trace, {}, &msg); }
  void trace(Fields fields) const { write(LogLevel::Trace, fields, nullptr); }
  void trace(Fields fields, std::string_view msg) const { write(LogLevel::Trace, fields, &msg); }
  void debug(std::string_view msg) const { write(LogLevel::Debug, {}, &msg); }
  void debug(Fields fields) const { write(LogLevel::Debug, fields, nullptr); }
  void debug(Fields fields, std::string_view msg) const { write(LogLevel::Debug, fields, &msg); }
  void info(std::string_view msg) const { write(LogLevel::Info, {}, &msg); }
  void info(Fields fields) const { write(LogLevel::Info, fields, nullptr); }
  void info(Fields fields, std::string_view msg) const { write(LogLevel::Info, fields, &msg); }
  void warn(std::string_view msg) const { write(LogLevel::Warn, {}, &msg); }
  void warn(Fields fields) const { write(LogLevel::Warn, fields, nullptr); }
  void warn(Fields fields, std::string_view msg) const { write(LogLevel::Warn, fields, &msg); }
  void error(std::string_view msg) const { write(LogLevel::Error, {}, &msg); }
  void error(Fields fields) const { write(LogLevel::Error, fields, nullptr); }
  void error(Fields fields, std::string_view msg) const { write(LogLevel::Error, fields, &msg); }
  void fatal(std::string_view msg) const { write(LogLevel::Fatal, {}, &msg); }
  void fatal(Fields fields) const { write(LogLevel::Fatal, fields, nullptr); }
  void fatal(Fields fields, std::string_view msg) const { write(LogLevel::Fatal, fields, &msg); }

  /// A logger that writes `bindings` (redacted, serialised once, here) after its parent's
  /// bindings on every line. Shares the destination; starts at the parent's level.
  Logger child(Fields bindings) const;

  /// The current level's name ("info").
  std::string_view level() const noexcept;
  /// Changes this logger's level (not its parent's or children's). Throws RangeError
  /// ERR_INVALID_ARG_VALUE for an unknown name. Thread-safe.
  void setLevel(std::string_view level);
  void setLevel(LogLevel level) noexcept { level_.store(static_cast<int>(level)); }
  /// True if a call at `level` would write a line. Unknown names are false.
  bool isLevelEnabled(LogLevel level) const noexcept {
    return level != LogLevel::Silent &&
           static_cast<int>(level) >= level_.load(std::memory_order_relaxed);
  }
  bool isLevelEnabled(std::string_view level) const noexcept;

  /// Writes every buffered line of this destination now, on the calling thread, after any
  /// batch already being written. Blocks; safe from any thread.
  void flushSync() const;

 private:
  Logger(std::shared_ptr<detail::LogCore> core, std::string prefix, int level) noexcept;
  void write(LogLevel level, Fields fields, const std::string_view* msg) const {
    if (isLevelEnabled(level)) format(level, fields, msg);
  }
  void format(LogLevel level, Fields fields, const std::string_view* msg) const;

  // Shared by the root, its copies and children: the destination and the redaction rules.
  std::shared_ptr<detail::LogCore> core_;
  std::string prefix_;  // `,"pid":..,"hostname":..,"name":..` and the child bindings
  std::atomic<int> level_;
};

}  // namespace nx
