// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodexx/core/buffer.hpp"
#include "nodexx/core/promise.hpp"

/// Node's fs/promises basics. Every call is one round trip to libuv's thread pool (shared with
/// DNS, crypto and compression; see nx::threadpool) and settles on the calling loop's thread.
/// Must be called on a loop thread. Paths are bytes (UTF-8 by convention), relative to the
/// process's working directory, as in Node.
///
/// Errors, as Node reports them:
/// - OS failures reject with nx::UvError: code() "ENOENT", syscall() "open", path(), and what()
///   "ENOENT: no such file or directory, open '/x'" (rename adds " -> 'dest'").
/// - A path holding a NUL byte or an invalid flag rejects with SystemError
///   ERR_INVALID_ARG_VALUE (a TypeError in Node); out-of-range numbers with RangeError
///   ERR_OUT_OF_RANGE.
namespace nx::fs {

/// access() modes, as fs.constants.F_OK, R_OK, W_OK and X_OK (may be or'ed).
inline constexpr int kFOk = 0;
inline constexpr int kXOk = 1;
inline constexpr int kWOk = 2;
inline constexpr int kROk = 4;

/// Node's readFile limit (kIoMaxLength, 2^31 - 1 bytes); larger files reject with RangeError
/// ERR_FS_FILE_TOO_LARGE.
inline constexpr std::uint64_t kMaxReadFileBytes = 2147483647;

/// The kind of a directory entry or stat result.
enum class FileType : std::uint8_t {
  Unknown,
  File,
  Directory,
  SymbolicLink,
  Fifo,
  Socket,
  CharacterDevice,
  BlockDevice,
};

/// Node's fs.Stats (number form). Times are milliseconds since the Unix epoch with a fraction
/// (sec * 1e3 + nsec / 1e6, computed as Node does). birthtimeMs is 0 where the file system
/// does not record it.
struct Stats {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint32_t mode = 0;  ///< type and permission bits, as st_mode
  std::uint64_t nlink = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t rdev = 0;
  std::uint64_t size = 0;  ///< bytes
  std::uint64_t blksize = 0;
  std::uint64_t blocks = 0;  ///< 512-byte blocks allocated
  double atimeMs = 0;
  double mtimeMs = 0;
  double ctimeMs = 0;
  double birthtimeMs = 0;

  /// The type bits of `mode`.
  FileType type() const noexcept;
  bool isFile() const noexcept { return type() == FileType::File; }
  bool isDirectory() const noexcept { return type() == FileType::Directory; }
  /// Only lstat() can report a link; stat() follows it.
  bool isSymbolicLink() const noexcept { return type() == FileType::SymbolicLink; }
  bool isFIFO() const noexcept { return type() == FileType::Fifo; }
  bool isSocket() const noexcept { return type() == FileType::Socket; }
  bool isCharacterDevice() const noexcept { return type() == FileType::CharacterDevice; }
  bool isBlockDevice() const noexcept { return type() == FileType::BlockDevice; }
};

/// Node's fs.Dirent: one entry of readdir(path, withFileTypes).
struct Dirent {
  std::string name;        ///< the entry's name, without the directory
  std::string parentPath;  ///< the path given to readdir()
  FileType type = FileType::Unknown;

  bool isFile() const noexcept { return type == FileType::File; }
  bool isDirectory() const noexcept { return type == FileType::Directory; }
  bool isSymbolicLink() const noexcept { return type == FileType::SymbolicLink; }
  bool isFIFO() const noexcept { return type == FileType::Fifo; }
  bool isSocket() const noexcept { return type == FileType::Socket; }
  bool isCharacterDevice() const noexcept { return type == FileType::CharacterDevice; }
  bool isBlockDevice() const noexcept { return type == FileType::BlockDevice; }
};

/// Options of writeFile() and appendFile(). Trivially copyable on purpose: GCC 12 double-frees
/// a braced temporary with a std::string member passed in a co_await expression
/// (`co_await fs::writeFile(p, s, {.flag = "a"})`), so the flag is a view.
struct WriteOptions {
  /// Node's open flag: "w" (create or truncate), "wx" (fail with EEXIST if it exists), "a"
  /// (append), "ax", "as", "w+", "a+", "r+", ... (every string Node accepts). Empty means "w"
  /// for writeFile() and "a" for appendFile(), so `{.mode = 0600}` keeps the default. Read
  /// before the call returns: it need not outlive the call.
  std::string_view flag = {};
  /// Permission bits for a created file, before the umask.
  std::uint32_t mode = 0666;
};

/// Options of mkdir().
struct MkdirOptions {
  /// Create missing parents too; an existing directory is then not an error.
  bool recursive = false;
  /// Permission bits, before the umask.
  std::uint32_t mode = 0777;
};

/// Options of rm().
struct RmOptions {
  /// Remove a directory and its contents; without it a directory rejects with ERR_FS_EISDIR.
  bool recursive = false;
  /// Ignore a missing path.
  bool force = false;
};

/// Selects the Dirent form of readdir(): `fs::readdir(dir, fs::withFileTypes)`.
struct WithFileTypes {
  explicit WithFileTypes() = default;
};
inline constexpr WithFileTypes withFileTypes{};

/// The whole file as bytes (fs.promises.readFile(path)). Reads regular files in one
/// allocation of their size, and files that report size 0 (/proc, pipes) in 64 KiB chunks up
/// to EOF. Errors: UvError from open (with path) or read (without path, e.g. EISDIR for a
/// directory); RangeError ERR_FS_FILE_TOO_LARGE "File size (N) is greater than 2 GiB" past
/// kMaxReadFileBytes.
Promise<Buffer> readFile(std::string path);

/// The whole file decoded with `encoding` (fs.promises.readFile(path, encoding)); the text
/// is returned as UTF-8 (invalid UTF-8 becomes U+FFFD with Encoding::Utf8). Errors as
/// readFile(path).
Promise<std::string> readFile(std::string path, Encoding encoding);

/// Writes `data` to the file, created with options.mode if missing (fs.promises.writeFile).
/// Default flag "w" truncates; "wx" rejects with EEXIST if the file exists; "a" appends.
/// Errors: UvError from open (with path) or write/close (without path); ERR_INVALID_ARG_VALUE
/// for an unknown flag.
Promise<> writeFile(std::string path, Buffer data, WriteOptions options = {});
/// writeFile() of text (its UTF-8 bytes).
Promise<> writeFile(std::string path, std::string data, WriteOptions options = {});

/// writeFile() with flag "a" by default (fs.promises.appendFile): creates the file if missing.
Promise<> appendFile(std::string path, Buffer data, WriteOptions options = {});
/// appendFile() of text (its UTF-8 bytes).
Promise<> appendFile(std::string path, std::string data, WriteOptions options = {});

/// The file's status, following symbolic links (fs.promises.stat). Errors: UvError "stat".
Promise<Stats> stat(std::string path);
/// The status of the path itself, not following a final symbolic link (fs.promises.lstat).
/// Errors: UvError "lstat".
Promise<Stats> lstat(std::string path);

/// Removes a file or symbolic link (fs.promises.unlink). Errors: UvError "unlink" (a
/// directory gives EISDIR on Linux).
Promise<> unlink(std::string path);

/// Creates a directory (fs.promises.mkdir). Non-recursive: fulfills with nullopt; EEXIST if
/// the path exists. Recursive: fulfills with the first directory it created (spelled as in
/// `path`, e.g. "a/b" for "a/b/c"), or nullopt if the directory existed; rejects with EEXIST if
/// the path is a file and ENOTDIR if a parent is one. Errors: UvError "mkdir" with `path`.
Promise<std::optional<std::string>> mkdir(std::string path, MkdirOptions options = {});

/// The names in a directory without "." and "..", sorted bytewise as Node's (libuv's scandir
/// sorts with strcmp). Errors: UvError "scandir" (ENOTDIR for a file, ENOENT).
Promise<std::vector<std::string>> readdir(std::string path);
/// readdir() as Dirents, sorted by name; types come from the directory entry, with an lstat
/// where the file system does not report them (as Node). Errors as readdir(path).
Promise<std::vector<Dirent>> readdir(std::string path, WithFileTypes);

/// Removes a file, a link, or with options.recursive a directory tree (fs.promises.rm; links
/// are removed, never followed). Errors: UvError "lstat" ENOENT for a missing path unless
/// options.force; SystemError ERR_FS_EISDIR "Path is a directory: rm returned EISDIR (is a
/// directory) <path>" for a directory without recursive; UvError "unlink"/"rmdir"/"scandir"
/// while removing (the first one, after trying every entry).
Promise<> rm(std::string path, RmOptions options = {});

/// Renames `oldPath` to `newPath`, replacing a file there (fs.promises.rename). Errors:
/// UvError "rename" with path() oldPath and what() "...rename 'old' -> 'new'".
Promise<> rename(std::string oldPath, std::string newPath);

/// Checks that the file exists (kFOk, the default) or that the process may read, write or
/// execute it (kROk | kWOk | kXOk) (fs.promises.access). Fulfills if allowed. Errors:
/// UvError "access" (ENOENT, EACCES); RangeError ERR_OUT_OF_RANGE for a mode outside 0..7.
Promise<> access(std::string path, int mode = kFOk);

/// Creates a unique directory named `prefix` plus six random characters and fulfills with
/// its path (fs.promises.mkdtemp; `prefix` "/tmp/app-" gives "/tmp/app-a1B2c3"). Errors:
/// UvError "mkdtemp" whose path has the random characters, as Node's.
Promise<std::string> mkdtemp(std::string prefix);

}  // namespace nx::fs
