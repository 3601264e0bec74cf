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
#include "nodexx/fs/internal/fs_errors.hpp"

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
