// SPDX-License-Identifier: MIT
#include "nodexx/fs/internal/file_stream_io.hpp"

#include <fcntl.h>
#include <uv.h>

#include <memory>
#include <utility>
#include <vector>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/internal/loop_state.hpp"
#include "nodexx/core/loop.hpp"

namespace nx::fs::detail {
namespace {

/// One libuv fs request: freed in its callback, after `done` has run. It owns the buffers it
/// reads into or writes from, so their storage outlives the pool thread's use of it whatever
/// the stream does meanwhile.
struct FsRequest {
  uv_fs_t req{};
  FsDone done;
  std::vector<Buffer> buffers;
};

void onFsDone(uv_fs_t* req) {
  std::unique_ptr<FsRequest> owned(static_cast<FsRequest*>(req->data));
  uv_loop_t* uvLoop = req->loop;
  const auto result = static_cast<std::int64_t>(req->result);
  uv_fs_req_cleanup(req);
  nx::detail::invokeCallback(nx::detail::stateOf(uvLoop),
                             [&owned, result] { owned->done(result); });
}

/// Starts `start(loop, req)`; a synchronous failure (only ENOMEM or EINVAL in libuv) is
/// reported through `done` in a tick, so callers see one asynchronous path.
template <class Start>
void submit(std::unique_ptr<FsRequest> r, Start start) {
  r->req.data = r.get();
  const int rc = start(loop().uv(), &r->req);
  if (rc < 0) {
    nextTick([done = std::move(r->done), rc]() mutable { done(rc); });
    return;
  }
  (void)r.release();  // owned by libuv until onFsDone
}

/// A UvError whose message is built as Node's C++ layer builds it: the path is quoted even
/// when empty ("open ''"), which core's UvError leaves out.
class FsError final : public UvError {
 public:
  FsError(int uvErr, const char* syscall, const std::string* path)
      : UvError(uvErr, syscall, path ? *path : std::string()) {
    // uv_strerror() leaks a heap string for unknown codes; uv_strerror_r() does not.
    char text[128];
    uv_strerror_r(uvErr, text, sizeof text);
    message_ = std::string(uvErrorName(uvErr)) + ": " + text + ", " + syscall;
    if (path) message_ += " '" + *path + "'";
  }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

/// Node's ERR_INVALID_ARG_VALUE is a TypeError; core has no TypeError class yet.
class TypeError final : public SystemError {
 public:
  using SystemError::SystemError;
  std::string_view name() const noexcept override { return "TypeError"; }
};

/// util.inspect() of a string, as Node's argument errors print it: quotes chosen to avoid
/// escaping, control characters as \xNN, cut after 128 UTF-16 units with "..." (the same
/// rules as fs.cpp's copy).
std::string inspect(std::string_view s) {
  char quote = '\'';
  if (s.find('\'') != std::string_view::npos) {
    if (s.find('"') == std::string_view::npos) {
      quote = '"';
    } else if (s.find('`') == std::string_view::npos && s.find("${") == std::string_view::npos) {
      quote = '`';
    }
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(1, quote);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const char* escape = nullptr;
    switch (c) {
      case '\b':
        escape = "\\b";
        break;
      case '\t':
        escape = "\\t";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\f':
        escape = "\\f";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\\':
        escape = "\\\\";
        break;
      default:
        break;
    }
    if (escape != nullptr) {
      out += escape;
    } else if (c == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += quote;
    } else if (c < 0x20 || c == 0x7f) {
      out += {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      // C1 control characters (U+0080..U+009F) are escaped too.
      const auto d = static_cast<unsigned char>(s[++i]);
      out += {'\\', 'x', kHex[d >> 4], kHex[d & 15]};
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  std::size_t units = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if ((c & 0xc0) == 0x80) continue;  // a continuation byte
    units += c >= 0xf0 ? 2 : 1;
    if (units > 128) return out.substr(0, i) + "...";
  }
  return out;
}

/// Node's addNumericalSeparator(): "9007199254740992" → "9_007_199_254_740_992".
std::string withSeparators(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (i - lead) % 3 == 0) out += '_';
    out += digits[i];
  }
  return out;
}

/// How ERR_OUT_OF_RANGE prints a received integer: with separators past 2^32.
std::string received(std::uint64_t n) {
  return n > (std::uint64_t{1} << 32) ? withSeparators(n) : std::to_string(n);
}

}  // namespace

void fsOpen(const std::string& path, int flags, int mode, FsDone done) {
  auto r = std::make_unique<FsRequest>();
  r->done = std::move(done);
  submit(std::move(r), [&](uv_loop_t* l, uv_fs_t* req) {
    return uv_fs_open(l, req, path.c_str(), flags, mode, onFsDone);
  });
}

void fsRead(int fd, Buffer buffer, std::int64_t position, FsDone done) {
  auto r = std::make_unique<FsRequest>();
  r->done = std::move(done);
  uv_buf_t buf =
      uv_buf_init(reinterpret_cast<char*>(buffer.data()), static_cast<unsigned int>(buffer.size()));
  r->buffers.push_back(std::move(buffer));
  submit(std::move(r), [&](uv_loop_t* l, uv_fs_t* req) {
    return uv_fs_read(l, req, fd, &buf, 1, position, onFsDone);
  });
}

void fsWrite(int fd, std::span<const Buffer> buffers, std::int64_t position, FsDone done) {
  auto r = std::make_unique<FsRequest>();
  r->done = std::move(done);
  // libuv copies the uv_buf_t array into the request; the bytes stay in r->buffers.
  std::vector<uv_buf_t> bufs;
  bufs.reserve(buffers.size());
  r->buffers.reserve(buffers.size());
  for (const Buffer& b : buffers) {
    bufs.push_back(
        uv_buf_init(reinterpret_cast<char*>(b.data()), static_cast<unsigned int>(b.size())));
    r->buffers.push_back(b);
  }
  submit(std::move(r), [&](uv_loop_t* l, uv_fs_t* req) {
    return uv_fs_write(l, req, fd, bufs.data(), static_cast<unsigned int>(bufs.size()), position,
                       onFsDone);
  });
}

void fsClose(int fd, FsDone done) {
  auto r = std::make_unique<FsRequest>();
  r->done = std::move(done);
  submit(std::move(r),
         [&](uv_loop_t* l, uv_fs_t* req) { return uv_fs_close(l, req, fd, onFsDone); });
}

void fsCloseSync(int fd) noexcept {
  uv_fs_t req;
  uv_fs_close(nullptr, &req, fd, nullptr);
  uv_fs_req_cleanup(&req);
}

std::exception_ptr uvException(int uvErr, const char* syscall, const std::string* path) {
  return std::make_exception_ptr(FsError(uvErr, syscall, path));
}

std::optional<int> parseOpenFlags(std::string_view f) {
  if (f == "r") return O_RDONLY;
  if (f == "rs" || f == "sr") return O_RDONLY | O_SYNC;
  if (f == "r+") return O_RDWR;
  if (f == "rs+" || f == "sr+") return O_RDWR | O_SYNC;
  if (f == "w") return O_TRUNC | O_CREAT | O_WRONLY;
  if (f == "wx" || f == "xw") return O_TRUNC | O_CREAT | O_WRONLY | O_EXCL;
  if (f == "w+") return O_TRUNC | O_CREAT | O_RDWR;
  if (f == "wx+" || f == "xw+") return O_TRUNC | O_CREAT | O_RDWR | O_EXCL;
  if (f == "a") return O_APPEND | O_CREAT | O_WRONLY;
  if (f == "ax" || f == "xa") return O_APPEND | O_CREAT | O_WRONLY | O_EXCL;
  if (f == "as" || f == "sa") return O_APPEND | O_CREAT | O_WRONLY | O_SYNC;
  if (f == "a+") return O_APPEND | O_CREAT | O_RDWR;
  if (f == "ax+" || f == "xa+") return O_APPEND | O_CREAT | O_RDWR | O_EXCL;
  if (f == "as+" || f == "sa+") return O_APPEND | O_CREAT | O_RDWR | O_SYNC;
  return std::nullopt;
}

std::exception_ptr invalidFlags(std::string_view flags) {
  return std::make_exception_ptr(TypeError(
      "ERR_INVALID_ARG_VALUE", "The argument 'flags' is invalid. Received " + inspect(flags)));
}

void validatePath(const std::string& path) {
  if (path.find('\0') == std::string::npos) return;
  throw TypeError("ERR_INVALID_ARG_VALUE",
                  "The argument 'path' must be a string, Uint8Array, or URL without null bytes. "
                  "Received " +
                      inspect(path));
}

void validatePosition(const char* name, std::optional<std::uint64_t> value) {
  if (!value || *value <= kMaxSafeInteger) return;
  throw RangeError("ERR_OUT_OF_RANGE", std::string("The value of \"") + name +
                                           "\" is out of range. It must be >= 0 && <= "
                                           "9007199254740991. Received " +
                                           received(*value));
}

void validateRange(std::optional<std::uint64_t> start, std::optional<std::uint64_t> end) {
  if (!start || !end || *start <= *end) return;
  throw RangeError("ERR_OUT_OF_RANGE",
                   "The value of \"start\" is out of range. It must be <= \"end\" (here: " +
                       std::to_string(*end) + "). Received " + received(*start));
}

}  // namespace nx::fs::detail
