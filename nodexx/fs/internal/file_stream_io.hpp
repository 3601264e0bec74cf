// SPDX-License-Identifier: MIT
// What ReadStream and WriteStream share: libuv fs requests on the current loop, and Node's
// argument checks and error objects. Private to the fs module.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/move_function.hpp"

namespace nx::fs::detail {

/// The completion of one request: libuv's result (>= 0: a descriptor or a byte count;
/// < 0: a negative errno). Runs on the loop thread as a loop callback (ticks drain after it).
using FsDone = MoveFunction<void(std::int64_t result)>;

/// uv_fs_open on the current loop's thread pool. `flags` are open(2) flags (O_CLOEXEC is
/// added by libuv).
void fsOpen(const std::string& path, int flags, int mode, FsDone done);
/// uv_fs_read of up to buffer.size() bytes into `buffer` at `position` (-1: the file
/// position, as read(2)). The request keeps the buffer's storage alive.
void fsRead(int fd, Buffer buffer, std::int64_t position, FsDone done);
/// uv_fs_write of every buffer in one call (pwritev/writev), at `position` (-1: the file
/// position). The request keeps the buffers' storage alive.
void fsWrite(int fd, std::span<const Buffer> buffers, std::int64_t position, FsDone done);
/// uv_fs_close.
void fsClose(int fd, FsDone done);
/// close(2) now, ignoring errors: for destructors, which must not leak a descriptor.
void fsCloseSync(int fd) noexcept;

/// Node's exception for a failed call: UvError with code, syscall and path, and a message
/// built as Node's C++ layer does ("ENOENT: no such file or directory, open 'x'"; an empty
/// path still prints "open ''"). `path` null: no path (read, write, close).
std::exception_ptr uvException(int uvErr, const char* syscall, const std::string* path = nullptr);

/// TypeError ERR_INVALID_ARG_VALUE "The argument 'flags' is invalid. Received 'q'".
std::exception_ptr invalidFlags(std::string_view flags);

/// Node's validatePath(): throws TypeError ERR_INVALID_ARG_VALUE for a path with a NUL byte.
void validatePath(const std::string& path);

/// Node's validateInteger(value, name, 0): throws RangeError ERR_OUT_OF_RANGE past
/// Node's check of start <= end: throws RangeError ERR_OUT_OF_RANGE 'The value of "start" is
/// out of range. It must be <= "end" (here: 2). Received 5'.
void validateRange(std::optional<std::uint64_t> start, std::optional<std::uint64_t> end);

/// Number.MAX_SAFE_INTEGER (2^53 - 1), as Node prints it ("Received 9_007_199_254_740_992").
void validatePosition(const char* name, std::optional<std::uint64_t> value);

/// Node's check of start <= end: throws RangeError ERR_OUT_OF_RANGE 'The value of "start" is
/// out of range. It must be <= "end" (here: 2). Received 5'.
void validateRange(std::optional<std::uint64_t> start, std::optional<std::uint64_t> end);

/// Number.MAX_SAFE_INTEGER: the largest start/end Node accepts.
inline constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;

}  // namespace nx::fs::detail
