// SPDX-License-Identifier: MIT
// Test support: a blocking raw-socket HTTP/1.1 client that writes exact bytes and reads exact
// bytes back. Run it on the thread pool (nx::threadpool::run) so the loop keeps serving.
// Used by the server tests and the conformance runner; never by the library.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace nx::http::testing {

class RawClient {
 public:
  /// Connects to 127.0.0.1:port (blocking). fd() < 0 on failure.
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) closeFd();
    if (fd_ >= 0) {
      int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  /// Connects to a Unix socket.
  explicit RawClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) closeFd();
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() { closeFd(); }

  int fd() const noexcept { return fd_; }

  /// Writes all of `bytes`; false if the peer is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Writes `bytes` one byte at a time, `gap` apart (slowloris).
  bool dribble(std::string_view bytes, std::chrono::milliseconds gap) {
    for (char c : bytes) {
      if (!send(std::string_view(&c, 1))) return false;
      std::this_thread::sleep_for(gap);
    }
    return true;
  }
  /// Reads until the peer closes (or `timeout` of silence). Sets eof().
  std::string readAll(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string out;
    while (fill(timeout)) {
    }
    out.swap(buf_);
    return out;
  }
  /// Reads exactly one response (framed by Content-Length, chunked, or close). A response to
  /// HEAD has no body: pass `head = true`. Returns "" on timeout/EOF before a full head.
  std::string readResponse(bool head = false,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(timeout)) return take(buf_.size());
    }
    std::size_t headLen = end + 4;
    std::string_view headText(buf_.data(), headLen);
    int status = std::atoi(buf_.c_str() + 9);
    if (head || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return take(headLen);
    }
    std::string lower(headText);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t cl = lower.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      std::size_t len = std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
      while (buf_.size() < headLen + len) {
        if (!fill(timeout)) break;
      }
      return take(std::min(buf_.size(), headLen + len));
    }
    if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
      std::size_t pos = headLen;
      while (true) {
        std::size_t eol;
        while ((eol = buf_.find("\r\n", pos)) == std::string::npos) {
          if (!fill(timeout)) return take(buf_.size());
        }
        std::size_t size = std::strtoul(buf_.c_str() + pos, nullptr, 16);
        std::size_t need = eol + 2 + size + 2;
        while (buf_.size() < need) {
          if (!fill(timeout)) return take(buf_.size());
        }
        pos = need;
        if (size == 0) return take(pos);
      }
    }
    while (fill(timeout)) {
    }
    return take(buf_.size());
  }
  /// True if the peer closed the connection (read returns 0) within `timeout`, after
  /// consuming whatever else arrives.
  bool closedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    while (fill(timeout)) {
    }
    return eof_;
  }
  bool eof() const noexcept { return eof_; }
  /// Unread bytes received so far.
  const std::string& pending() const noexcept { return buf_; }
  /// Half-closes (shutdown(SHUT_WR)).
  void shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

 private:
  bool fill(std::chrono::milliseconds timeout) {
    if (eof_ || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }
  std::string take(std::size_t n) {
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }
  void closeFd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

/// The status code of a raw response ("HTTP/1.1 404 ..." → 404), 0 if none.
inline int statusOf(std::string_view response) {
  if (response.size() < 12 || response.substr(0, 5) != "HTTP/") return 0;
  return std::atoi(std::string(response.substr(9, 3)).c_str());
}

/// The body of a raw response (after the blank line).
inline std::string_view bodyOf(std::string_view response) {
  std::size_t p = response.find("\r\n\r\n");
  return p == std::string_view::npos ? std::string_view() : response.substr(p + 4);
}

/// The response with the Date field's value replaced by "X" (for byte comparisons).
inline std::string withoutDate(std::string response) {
  for (std::size_t p = 0; (p = response.find("\r\nDate: ", p)) != std::string::npos; p += 9) {
    std::size_t e = response.find("\r\n", p + 2);
    response.replace(p + 8, e - (p + 8), "X");
  }
  return response;
}

}  // namespace nx::http::testing
