// SPDX-License-Identifier: MIT
#include "nodexx/fs/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include "nodexx/core/errors.hpp"
#include "nodexx/core/threadpool.hpp"
#include "nodexx/fs/internal/fs_errors.hpp"

namespace nx::fs {
namespace {

using detail::FsError;
using detail::inspect;
using detail::parseFlags;
using detail::TypeError;

// Node reads files of unknown size (st_size 0: /proc, pipes) in chunks of this size.
constexpr std::size_t kReadFileUnknownBufferLength = 64 * 1024;
// Bytes per read()/write() call; Linux caps a call at 0x7ffff000 bytes anyway.
constexpr std::size_t kMaxIoChunk = std::size_t{1} << 30;

int lastError() noexcept { return uv_translate_sys_error(errno); }

[[noreturn]] void fail(const char* syscall) { throw FsError(lastError(), syscall); }

[[noreturn]] void fail(const char* syscall, const std::string& path) {
  int err = lastError();
  throw FsError(err, syscall, &path);
}

std::exception_ptr invalidArg(const char* name, std::string_view value, const char* reason) {
  return std::make_exception_ptr(TypeError(
      "ERR_INVALID_ARG_VALUE",
      std::string("The argument '") + name + "' " + reason + ". Received " + inspect(value)));
}

/// Node rejects paths with NUL bytes before any system call (they would truncate the C string).
std::exception_ptr checkPath(const std::string& path, const char* name) {
  if (path.find('\0') == std::string::npos) return nullptr;
  return invalidArg(name, path, "must be a string, Uint8Array, or URL without null bytes");
}

/// An open descriptor, closed on destruction; close() reports the error of a final close.
class File {
 public:
  File(const std::string& path, int flags, mode_t mode) {
    do {
      fd_ = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) fail("open", path);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }
  void close() {
    // On Linux the descriptor is released even when close() fails with EINTR: no retry.
    if (::close(std::exchange(fd_, -1)) != 0 && errno != EINTR) fail("close");
  }

 private:
  int fd_ = -1;
};

std::size_t readSome(int fd, std::uint8_t* data, std::size_t length) {
  ssize_t n;
  do {
    n = ::read(fd, data, std::min(length, kMaxIoChunk));
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail("read");
  return static_cast<std::size_t>(n);
}

void writeAll(int fd, const std::uint8_t* data, std::size_t length) {
  while (length > 0) {
    ssize_t n = ::write(fd, data, std::min(length, kMaxIoChunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    data += n;
    length -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void fileTooLarge(std::uint64_t size) {
  throw RangeError("ERR_FS_FILE_TOO_LARGE",
                   "File size (" + std::to_string(size) + ") is greater than 2 GiB");
}

/// Node's readFileHandle(): a regular file is read into one buffer of its stat size (a file
/// that shrank is cut, growth is not read); size 0 means unknown and reads chunks to EOF.
Buffer readWhole(const std::string& path) {
  File file(path, O_RDONLY, 0);
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) fail("fstat");
  const std::uint64_t size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (size > kMaxReadFileBytes) fileTooLarge(size);
  Buffer result;
  if (size > 0) {
    Buffer buf = Buffer::allocUnsafe(size);
    std::size_t total = 0;
    while (total < size) {
      std::size_t n = readSome(file.fd(), buf.data() + total, size - total);
      if (n == 0) break;
      total += n;
    }
    result = total == size ? std::move(buf) : buf.subarray(0, static_cast<std::ptrdiff_t>(total));
  } else {
    std::vector<Buffer> chunks;
    std::uint64_t total = 0;
    for (;;) {
      Buffer chunk = Buffer::allocUnsafe(kReadFileUnknownBufferLength);
      std::size_t n = readSome(file.fd(), chunk.data(), chunk.size());
      if (n == 0) break;
      total += n;
      // Node stops only at Buffer's 4 GiB limit here; the documented 2 GiB applies to both.
      if (total > kMaxReadFileBytes) fileTooLarge(total);
      chunks.push_back(n == chunk.size() ? std::move(chunk)
                                         : chunk.subarray(0, static_cast<std::ptrdiff_t>(n)));
    }
    if (chunks.size() == 1) {
      result = std::move(chunks[0]);
    } else if (!chunks.empty()) {
      result = Buffer::concat(chunks, total);
    }
  }
  file.close();
  return result;
}

void writeWhole(const std::string& path, int flags, mode_t mode, const std::uint8_t* data,
                std::size_t length) {
  File file(path, flags, mode);
  writeAll(file.fd(), data, length);
  file.close();
}

template <class Data>
Promise<> writeFileWith(std::string path, Data data, WriteOptions options,
                        const char* defaultFlag) {
  if (auto e = checkPath(path, "path")) return Promise<>::reject(e);
  const std::string_view flag = options.flag.empty() ? defaultFlag : options.flag;
  auto flags = parseFlags(flag);
  if (!flags) return Promise<>::reject(invalidArg("flags", flag, "is invalid"));
  return threadpool::run(
      [path = std::move(path), data = std::move(data), flags = *flags, mode = options.mode] {
        writeWhole(path, flags, static_cast<mode_t>(mode),
                   reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
      });
}

double msFromTimeSpec(std::int64_t sec, std::int64_t nsec) noexcept {
  // Node's msFromTimeSpec(), in the same double arithmetic so that values compare equal.
  return static_cast<double>(sec) * 1e3 + static_cast<double>(nsec) / 1e6;
}

/// stat()/lstat() through statx() as libuv does (for birthtime), falling back to stat() where
/// statx is unavailable (old kernels, seccomp); birthtime is then ctime, as in libuv.
Stats statPath(const std::string& path, bool follow) {
  const char* syscall = follow ? "stat" : "lstat";
  Stats s;
  struct statx sx {};
  int flags = AT_STATX_SYNC_AS_STAT | (follow ? 0 : AT_SYMLINK_NOFOLLOW);
  if (::statx(AT_FDCWD, path.c_str(), flags, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0) {
    s.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
    s.ino = sx.stx_ino;
    s.mode = sx.stx_mode;
    s.nlink = sx.stx_nlink;
    s.uid = sx.stx_uid;
    s.gid = sx.stx_gid;
    s.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
    s.size = sx.stx_size;
    s.blksize = sx.stx_blksize;
    s.blocks = sx.stx_blocks;
    s.atimeMs = msFromTimeSpec(sx.stx_atime.tv_sec, sx.stx_atime.tv_nsec);
    s.mtimeMs = msFromTimeSpec(sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
    s.ctimeMs = msFromTimeSpec(sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec);
    // Zero where the file system has no birth time (stx_mask lacks STATX_BTIME), as Node.
    s.birthtimeMs = msFromTimeSpec(sx.stx_btime.tv_sec, sx.stx_btime.tv_nsec);
    return s;
  }
  if (errno != ENOSYS && errno != EPERM && errno != EOPNOTSUPP && errno != EINVAL) {
    fail(syscall, path);
  }
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
    fail(syscall, path);
  }
  s.dev = st.st_dev;
  s.ino = st.st_ino;
  s.mode = st.st_mode;
  s.nlink = st.st_nlink;
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.rdev = st.st_rdev;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.blksize = static_cast<std::uint64_t>(st.st_blksize);
  s.blocks = static_cast<std::uint64_t>(st.st_blocks);
  s.atimeMs = msFromTimeSpec(st.st_atim.tv_sec, st.st_atim.tv_nsec);
  s.mtimeMs = msFromTimeSpec(st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  s.ctimeMs = msFromTimeSpec(st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  s.birthtimeMs = s.ctimeMs;
  return s;
}

FileType typeOfMode(std::uint32_t mode) noexcept {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileType::File;
    case S_IFDIR:
      return FileType::Directory;
    case S_IFLNK:
      return FileType::SymbolicLink;
    case S_IFIFO:
      return FileType::Fifo;
    case S_IFSOCK:
      return FileType::Socket;
    case S_IFCHR:
      return FileType::CharacterDevice;
    case S_IFBLK:
      return FileType::BlockDevice;
    default:
      return FileType::Unknown;
  }
}

FileType typeOfDirent(unsigned char t) noexcept {
  switch (t) {
    case DT_REG:
      return FileType::File;
    case DT_DIR:
      return FileType::Directory;
    case DT_LNK:
      return FileType::SymbolicLink;
    case DT_FIFO:
      return FileType::Fifo;
    case DT_SOCK:
      return FileType::Socket;
    case DT_CHR:
      return FileType::CharacterDevice;
    case DT_BLK:
      return FileType::BlockDevice;
    default:
      return FileType::Unknown;
  }
}

std::string join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

/// libuv's scandir(): every entry but "." and "..", sorted with strcmp (std::string's
/// ordering compares bytes as unsigned char, like strcmp).
std::vector<Dirent> scanDir(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) fail("scandir", path);
  std::vector<Dirent> entries;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir.get());
    if (!e) {
      if (errno != 0) fail("scandir", path);
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    entries.push_back(Dirent{e->d_name, {}, typeOfDirent(e->d_type)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Dirent& a, const Dirent& b) { return a.name < b.name; });
  return entries;
}

/// Node's MKDirpSync (src/node_file.cc), step for step, so results and errors match: the
/// first directory created is reported as spelled, errors carry the original path.
std::optional<std::string> mkdirp(const std::string& path, mode_t mode) {
  std::vector<std::string> paths{path};
  std::optional<std::string> first;
  while (!paths.empty()) {
    std::string next = std::move(paths.back());
    paths.pop_back();
    int err = ::mkdir(next.c_str(), mode) == 0 ? 0 : lastError();
    for (;;) {
      switch (err) {
        case 0:
          if (!first) first = next;
          break;
        case UV_EACCES:
        case UV_ENOSPC:
        case UV_ENOTDIR:
        case UV_EPERM:
          throw FsError(err, "mkdir", &path);
        case UV_ENOENT: {
          std::string dirname = next.substr(0, next.find_last_of('/'));
          if (dirname != next) {
            paths.push_back(std::move(next));
            paths.push_back(std::move(dirname));
          } else if (paths.empty()) {
            err = UV_EEXIST;
            continue;
          }
          break;
        }
        default: {
          const int original = err;
          struct stat st {};
          err = ::stat(next.c_str(), &st) == 0 ? 0 : lastError();
          if (err == 0 && !S_ISDIR(st.st_mode)) {
            throw FsError(original == UV_EEXIST && !paths.empty() ? UV_ENOTDIR : UV_EEXIST, "mkdir",
                          &path);
          }
          if (err < 0) throw FsError(err, "mkdir", &path);
          break;
        }
      }
      break;
    }
  }
  return first;
}

void rimraf(const std::string& path);

/// Removes the entries of `path`, trying each and throwing the first failure (Node awaits
/// them with allSettled), then the directory itself.
void rmChildren(const std::string& path) {
  std::exception_ptr firstError;
  for (const Dirent& e : scanDir(path)) {
    try {
      rimraf(join(path, e.name));
    } catch (...) {
      if (!firstError) firstError = std::current_exception();
    }
  }
  if (firstError) std::rethrow_exception(firstError);
  if (::rmdir(path.c_str()) != 0) fail("rmdir", path);
}

void rmdirTree(const std::string& path, std::exception_ptr original) {
  if (::rmdir(path.c_str()) == 0) return;
  const int e = errno;
  if (e == ENOENT) return;
  if (e == ENOTDIR && original) std::rethrow_exception(original);
  if (e == ENOTEMPTY || e == EEXIST || e == EPERM) return rmChildren(path);
  throw FsError(uv_translate_sys_error(e), "rmdir", &path);
}

/// Node's rimrafPromises() (lib/internal/fs/rimraf.js) without retries: links are unlinked,
/// never followed, and a path that vanishes meanwhile is not an error.
void rimraf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    fail("lstat", path);
  }
  if (S_ISDIR(st.st_mode)) return rmdirTree(path, nullptr);
  if (::unlink(path.c_str()) == 0) return;
  const int e = errno;
  if (e == ENOENT) return;
  FsError error(uv_translate_sys_error(e), "unlink", &path);
  if (e == EISDIR || e == EPERM) return rmdirTree(path, std::make_exception_ptr(error));
  throw error;
}

void rmPath(const std::string& path, RmOptions options) {
  // Node's validateRmOptions(): the lstat error (or ERR_FS_EISDIR) comes before any removal.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT && options.force) return;
    fail("lstat", path);
  }
  if (S_ISDIR(st.st_mode) && !options.recursive) {
    throw SystemError("ERR_FS_EISDIR",
                      "Path is a directory: rm returned EISDIR (is a directory) " + path,
                      std::error_code(EISDIR, std::generic_category()));
  }
  rimraf(path);
}

}  // namespace

FileType Stats::type() const noexcept { return typeOfMode(mode); }

Promise<Buffer> readFile(std::string path) {
  if (auto e = checkPath(path, "path")) return Promise<Buffer>::reject(e);
  return threadpool::run([path = std::move(path)] { return readWhole(path); });
}

Promise<std::string> readFile(std::string path, Encoding encoding) {
  if (auto e = checkPath(path, "path")) return Promise<std::string>::reject(e);
  // Decoding runs on the pool thread too, off the loop.
  return threadpool::run(
      [path = std::move(path), encoding] { return readWhole(path).toString(encoding); });
}

Promise<> writeFile(std::string path, Buffer data, WriteOptions options) {
  return writeFileWith(std::move(path), std::move(data), options, "w");
}

Promise<> writeFile(std::string path, std::string data, WriteOptions options) {
  return writeFileWith(std::move(path), std::move(data), options, "w");
}

Promise<> appendFile(std::string path, Buffer data, WriteOptions options) {
  return writeFileWith(std::move(path), std::move(data), options, "a");
}

Promise<> appendFile(std::string path, std::string data, WriteOptions options) {
  return writeFileWith(std::move(path), std::move(data), options, "a");
}

Promise<Stats> stat(std::string path) {
  if (auto e = checkPath(path, "path")) return Promise<Stats>::reject(e);
  return threadpool::run([path = std::move(path)] { return statPath(path, true); });
}

Promise<Stats> lstat(std::string path) {
  if (auto e = checkPath(path, "path")) return Promise<Stats>::reject(e);
  return threadpool::run([path = std::move(path)] { return statPath(path, false); });
}

Promise<> unlink(std::string path) {
  if (auto e = checkPath(path, "path")) return Promise<>::reject(e);
  return threadpool::run([path = std::move(path)] {
    if (::unlink(path.c_str()) != 0) fail("unlink", path);
  });
}

Promise<std::optional<std::string>> mkdir(std::string path, MkdirOptions options) {
  if (auto e = checkPath(path, "path")) return Promise<std::optional<std::string>>::reject(e);
  return threadpool::run([path = std::move(path), options]() -> std::optional<std::string> {
    const auto mode = static_cast<mode_t>(options.mode);
    if (options.recursive) return mkdirp(path, mode);
    if (::mkdir(path.c_str(), mode) != 0) fail("mkdir", path);
    return std::nullopt;
  });
}

Promise<std::vector<std::string>> readdir(std::string path) {
  if (auto e = checkPath(path, "path")) return Promise<std::vector<std::string>>::reject(e);
  return threadpool::run([path = std::move(path)] {
    std::vector<Dirent> entries = scanDir(path);
    std::vector<std::string> names;
    names.reserve(entries.size());
    for (Dirent& e : entries) names.push_back(std::move(e.name));
    return names;
  });
}

Promise<std::vector<Dirent>> readdir(std::string path, WithFileTypes) {
  if (auto e = checkPath(path, "path")) return Promise<std::vector<Dirent>>::reject(e);
  return threadpool::run([path = std::move(path)] {
    std::vector<Dirent> entries = scanDir(path);
    for (Dirent& e : entries) {
      e.parentPath = path;
      if (e.type != FileType::Unknown) continue;
      // Some file systems leave d_type unset; Node then asks lstat, as here.
      std::string full = join(path, e.name);
      struct stat st {};
      if (::lstat(full.c_str(), &st) != 0) fail("lstat", full);
      e.type = typeOfMode(st.st_mode);
    }
    return entries;
  });
}

Promise<> rm(std::string path, RmOptions options) {
  if (auto e = checkPath(path, "path")) return Promise<>::reject(e);
  return threadpool::run([path = std::move(path), options] { rmPath(path, options); });
}

Promise<> rename(std::string oldPath, std::string newPath) {
  if (auto e = checkPath(oldPath, "oldPath")) return Promise<>::reject(e);
  if (auto e = checkPath(newPath, "newPath")) return Promise<>::reject(e);
  return threadpool::run([oldPath = std::move(oldPath), newPath = std::move(newPath)] {
    if (::rename(oldPath.c_str(), newPath.c_str()) != 0) {
      const int err = lastError();
      throw FsError(err, "rename", &oldPath, &newPath);
    }
  });
}

Promise<> access(std::string path, int mode) {
  if (auto e = checkPath(path, "path")) return Promise<>::reject(e);
  if (mode < kFOk || mode > (kROk | kWOk | kXOk)) {
    return Promise<>::reject(RangeError("ERR_OUT_OF_RANGE", "mode is out of range: >= 0 && <= 7"));
  }
  return threadpool::run([path = std::move(path), mode] {
    if (::access(path.c_str(), mode) != 0) fail("access", path);
  });
}

Promise<std::string> mkdtemp(std::string prefix) {
  if (auto e = checkPath(prefix, "prefix")) return Promise<std::string>::reject(e);
  return threadpool::run([tmpl = std::move(prefix) + "XXXXXX"]() mutable {
    // mkdtemp(3) fills in the Xs before it fails, so the error names the path it tried.
    if (::mkdtemp(tmpl.data()) == nullptr) fail("mkdtemp", tmpl);
    return tmpl;
  });
}

}  // namespace nx::fs
