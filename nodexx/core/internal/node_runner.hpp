// SPDX-License-Identifier: MIT
// Test support for the tests that compare nodexx with `node`: the repository root, JSON string
// literals for the tables handed to a script, a temporary input file, and running a script with
// the npm packages of bench/node_modules, to completion or as a server. Header-only, never
// installed.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern char** environ;

namespace nx::testing {

/// The repository root: NX_SOURCE_DIR (ctest sets it), else derived from this header's path
/// (nodexx/core/internal/node_runner.hpp), which serves a test binary run by hand.
inline std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("NX_SOURCE_DIR"); dir != nullptr && *dir != '\0') return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path();
}

/// The npm packages the oracles run against (Express and its dependencies): bench/node_modules.
inline std::filesystem::path npmModules() { return sourceDir() / "bench" / "node_modules"; }

/// Whether `node` runs from PATH.
inline bool hasNode() { return std::system("node --version > /dev/null 2>&1") == 0; }

namespace detail {

inline std::string quoteJson(std::string_view s, bool escapeNonAscii) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (!escapeNonAscii && c >= '\b' && c <= '\r' && c != '\v') {
      // JSON.stringify's short escapes, for \b \t \n \f \r (index c - '\b').
      out += '\\';
      out += "btn?fr"[c - '\b'];
    } else if (c < 0x20 || (escapeNonAscii && c >= 0x7F)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace detail

/// A JSON string literal for `s` as JSON.stringify writes it for valid UTF-8: `"` and `\`
/// escaped, control characters as \b \t \n \f \r or \u00XX, every other byte as it is.
inline std::string jsonString(std::string_view s) { return detail::quoteJson(s, false); }

/// A JSON string literal for `bytes` with every byte outside printable ASCII as \u00XX: node
/// reads it back as the latin-1 character, as it reads header values.
inline std::string jsonBytes(std::string_view bytes) { return detail::quoteJson(bytes, true); }

/// `s` single-quoted for a POSIX shell.
inline std::string shellQuote(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

/// `text` cut at each '\n'; a last line without one is kept, an empty text has no lines.
inline std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

/// A file in the temporary directory holding `content` (written in binary), removed when the
/// object dies. Its name is `prefix`, the process id, a counter and `extension` (such as ".js"),
/// so that test processes running side by side never share one.
class TempFile {
 public:
  TempFile(std::string_view prefix, std::string_view content, std::string_view extension = "") {
    static std::atomic<unsigned> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (std::string(prefix) + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++) + std::string(extension));
    std::ofstream(path_, std::ios::binary) << content;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

  /// The file's absolute path.
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// What a `node` run printed on stdout, and how it ended.
struct NodeOutput {
  std::string out;  ///< everything written to stdout
  int status = -1;  ///< pclose()'s status: 0 for exit code 0, -1 when node could not start

  /// `out` in lines (splitLines).
  [[nodiscard]] std::vector<std::string> lines() const { return splitLines(out); }
};

/// How to run a script under node.
struct NodeCommand {
  /// The script, relative to the repository root (or absolute).
  std::filesystem::path script;
  /// Its arguments, each shell-quoted.
  std::vector<std::string> args = {};
  /// Environment assignments put before NODE_PATH, such as "TZ=UTC" (not quoted).
  std::string env = {};
  /// Whether node's stderr (warnings, stack traces) is dropped; by default it reaches the test's.
  bool quietStderr = false;
};

namespace detail {
/// The shell command that runs `c` (NODE_PATH set to npmModules()); with `exec`, the shell
/// replaces itself with node.
inline std::string nodeShellCommand(const NodeCommand& c, bool exec = false) {
  std::string command =
      c.env + (c.env.empty() ? "" : " ") + "NODE_PATH=" + shellQuote(npmModules().string()) +
      (exec ? " exec node " : " node ") + shellQuote((sourceDir() / c.script).string());
  for (const std::string& a : c.args) command += " " + shellQuote(a);
  if (c.quietStderr) command += " 2>/dev/null";
  return command;
}
}  // namespace detail

/// Runs `node <script> <args...>` through the shell with NODE_PATH set to npmModules(), waits
/// for it, and returns its stdout and exit status. Never throws for a failing script: the
/// caller decides what a non-zero status means.
inline NodeOutput runNode(const NodeCommand& c) {
  const std::string command = detail::nodeShellCommand(c);
  NodeOutput result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) result.out.append(buf, n);
  result.status = ::pclose(pipe);
  return result;
}

/// A `node` script that keeps running, such as a server written in JS (run as runNode runs
/// it). The constructor waits for the first line the script prints on stdout (its port,
/// usually); the destructor closes its stdin and sends SIGTERM, then reaps it. firstLine() is
/// empty when node could not start or printed nothing. Not copyable.
class NodeServer {
 public:
  explicit NodeServer(const NodeCommand& c) {
    int out[2], in[2];
    if (::pipe(out) != 0) return;
    if (::pipe(in) != 0) {
      ::close(out[0]);
      ::close(out[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    // exec: the shell becomes node, so that the signal reaches the script.
    std::string command = detail::nodeShellCommand(c, true);
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), command.data(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", &actions, nullptr, argv, environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(in[0]);
    stdin_ = in[1];
    if (FILE* f = ::fdopen(out[0], "r")) {
      char line[4096] = {0};
      if (std::fgets(line, sizeof line, f) != nullptr) firstLine_ = line;
      std::fclose(f);
    } else {
      ::close(out[0]);
    }
    if (!firstLine_.empty() && firstLine_.back() == '\n') firstLine_.pop_back();
  }
  ~NodeServer() {
    if (stdin_ >= 0) ::close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }
  NodeServer(const NodeServer&) = delete;
  NodeServer& operator=(const NodeServer&) = delete;

  /// The first line the script printed, without its line end.
  const std::string& firstLine() const noexcept { return firstLine_; }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
  std::string firstLine_;
};

}  // namespace nx::testing
