// SPDX-License-Identifier: MIT
#include "open_loop.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <vector>

#include "response_parser.hpp"

namespace loadgen {
namespace {

constexpr std::int64_t kNsPerS = 1'000'000'000;
constexpr std::size_t kReadBuffer = 16384;
// A refused connection is retried after this long, so that a dead server does not make the
// generator spin.
constexpr std::int64_t kConnectRetryNs = 100'000'000;

std::int64_t nowNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * kNsPerS + t.tv_nsec;
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// One connection and its share of the schedule: its k-th request is global request
// k × connections + index. `due`, `sent` and `done` count its requests: due so far, written,
// and answered (or given up when the connection failed).
struct Conn {
  int fd = -1;
  std::uint32_t index = 0;
  std::uint32_t generation = 0;  // tells events of a closed socket from its successor's
  bool connecting = false;
  bool wantWrite = false;  // EPOLLOUT is in the interest set
  bool dirty = false;      // in the list of connections to flush this round
  std::uint64_t due = 0;
  std::uint64_t sent = 0;
  std::uint64_t done = 0;
  std::size_t pendingBytes = 0;            // the unwritten tail of the last write
  std::int64_t retryAt = 0;                // when a closed connection reopens
  std::unique_ptr<std::int64_t[]> sentAt;  // send time of request k at [k % pipeline]
  std::unique_ptr<char[]> buf;
  std::size_t len = 0;
  ResponseParser parser;
};

class Generator {
 public:
  explicit Generator(const Options& o) : o_(o), conns_(static_cast<std::size_t>(o.connections)) {
    if (o.connections < 1 || o.pipeline < 1 || !(o.rate > 0) || !(o.durationS > 0) ||
        o.warmupS < 0 || o.drainS < 0)
      throw std::runtime_error("connections, pipeline, rate and duration must be positive");
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(o.port);
    if (inet_pton(AF_INET, o.host.c_str(), &addr_.sin_addr) != 1)
      throw std::runtime_error("--host must be an IPv4 address: " + o.host);
    const std::string one = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                            std::to_string(o.port) + "\r\n\r\n";
    reqLen_ = one.size();
    for (int i = 0; i < o.pipeline; ++i) requests_ += one;
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    events_.resize(conns_.size() + 1);
    dirty_.reserve(conns_.size());
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      c.index = static_cast<std::uint32_t>(i);
      c.sentAt = std::make_unique<std::int64_t[]>(static_cast<std::size_t>(o.pipeline));
      c.buf = std::make_unique<char[]>(kReadBuffer);
    }
    periodNs_ = 1e9 / o.rate;
  }

  ~Generator() {
    for (Conn& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    if (ep_ >= 0) ::close(ep_);
  }

  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  Result run();

 private:
  std::int64_t dueTime(std::uint64_t n) const {
    return t0_ + static_cast<std::int64_t>(std::llround(static_cast<double>(n) * periodNs_));
  }

  void open(Conn& c, std::int64_t now);
  void fail(Conn& c, std::uint64_t& counter, std::int64_t now, std::int64_t retryAfterNs = 0);
  void closeQuietly(Conn& c, std::int64_t now);
  void watch(Conn& c, bool write);
  void markDirty(Conn& c) {
    if (!c.dirty) {
      c.dirty = true;
      dirty_.push_back(&c);
    }
  }
  void flush(Conn& c, std::int64_t now);
  void onConnected(Conn& c, std::int64_t now);
  void onWritable(Conn& c, std::int64_t now);
  void onReadable(Conn& c, std::int64_t now);
  void onResponse(Conn& c, std::int64_t now, int status);
  void handleEvents(int n, std::int64_t now);
  int wait(std::int64_t timeoutNs);

  const Options& o_;
  std::vector<Conn> conns_;
  std::vector<Conn*> dirty_;
  std::vector<epoll_event> events_;
  sockaddr_in addr_{};
  std::string requests_;  // `pipeline` copies of the request: any write is a suffix of it
  std::size_t reqLen_ = 0;
  int ep_ = -1;
  std::size_t down_ = 0;  // connections waiting to reopen
  double periodNs_ = 0;
  std::int64_t t0_ = 0, tMeasure_ = 0, tEnd_ = 0;
  std::uint64_t nStart_ = 0, nEnd_ = 0, nNext_ = 0, doneTotal_ = 0;
  Result r_;
};

void Generator::watch(Conn& c, bool write) {
  epoll_event ev{};
  ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
  ev.data.u64 = (std::uint64_t{c.generation} << 32) | c.index;
  epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  c.wantWrite = write;
}

void Generator::open(Conn& c, std::int64_t now) {
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    fail(c, r_.errors.connect, now, kConnectRetryNs);
    return;
  }
  ++c.generation;
  const int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.len = 0;
  c.pendingBytes = 0;
  c.parser = ResponseParser{};
  const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_);
  if (rc != 0 && errno != EINPROGRESS) {
    fail(c, r_.errors.connect, now, kConnectRetryNs);
    return;
  }
  c.connecting = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = (std::uint64_t{c.generation} << 32) | c.index;
  epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
  c.wantWrite = true;
}

// Closes the connection after a failure: what it had written and not seen answered is lost
// (those requests are never measured, so the window counts them as unanswered); its backlog of
// due requests stays and goes out on the next connection.
void Generator::fail(Conn& c, std::uint64_t& counter, std::int64_t now, std::int64_t retryAfterNs) {
  ++counter;
  closeQuietly(c, now);
  c.retryAt = now + retryAfterNs;
}

void Generator::closeQuietly(Conn& c, std::int64_t now) {
  r_.errors.lost += c.sent - c.done;
  doneTotal_ += c.sent - c.done;
  c.done = c.sent;
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.connecting = false;
  c.pendingBytes = 0;
  c.retryAt = now;
  ++down_;
}

// Writes as many due requests as the pipeline allows, in one write.
void Generator::flush(Conn& c, std::int64_t now) {
  if (c.fd < 0 || c.connecting || c.pendingBytes > 0) return;
  const std::uint64_t room = static_cast<std::uint64_t>(o_.pipeline) - (c.sent - c.done);
  const std::uint64_t k = std::min(room, c.due - c.sent);
  if (k == 0) return;
  for (std::uint64_t j = 0; j < k; ++j)
    c.sentAt[(c.sent + j) % static_cast<std::uint64_t>(o_.pipeline)] = now;
  c.sent += k;
  const std::size_t bytes = static_cast<std::size_t>(k) * reqLen_;
  const ssize_t n = ::send(c.fd, requests_.data() + requests_.size() - bytes, bytes, MSG_NOSIGNAL);
  if (n == static_cast<ssize_t>(bytes)) return;
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    fail(c, r_.errors.write, now);
    return;
  }
  c.pendingBytes = bytes - static_cast<std::size_t>(std::max<ssize_t>(n, 0));
  watch(c, true);
}

void Generator::onConnected(Conn& c, std::int64_t now) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    fail(c, r_.errors.connect, now, kConnectRetryNs);
    return;
  }
  c.connecting = false;
  watch(c, false);
  markDirty(c);
}

void Generator::onWritable(Conn& c, std::int64_t now) {
  const ssize_t n = ::send(c.fd, requests_.data() + requests_.size() - c.pendingBytes,
                           c.pendingBytes, MSG_NOSIGNAL);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) fail(c, r_.errors.write, now);
    return;
  }
  c.pendingBytes -= static_cast<std::size_t>(n);
  if (c.pendingBytes == 0) {
    watch(c, false);
    markDirty(c);
  }
}

void Generator::onReadable(Conn& c, std::int64_t now) {
  const ssize_t n = ::read(c.fd, c.buf.get() + c.len, kReadBuffer - c.len);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) fail(c, r_.errors.read, now);
    return;
  }
  if (n == 0) {
    // A server may close an idle keep-alive connection; with requests pending it is an error.
    if (c.sent > c.done || c.len > 0 || c.parser.midResponse()) {
      fail(c, r_.errors.read, now);
    } else {
      ++r_.reconnects;
      closeQuietly(c, now);
    }
    return;
  }
  c.len += static_cast<std::size_t>(n);
  std::size_t pos = 0;
  while (pos < c.len) {
    const ResponseParser::Step step = c.parser.parse(c.buf.get() + pos, c.len - pos);
    pos += step.used;
    if (step.outcome == ResponseParser::Outcome::kNeedMore) break;
    if (step.outcome == ResponseParser::Outcome::kError || c.done == c.sent) {
      fail(c, r_.errors.parse, now);  // not HTTP, or a response nobody asked for
      return;
    }
    onResponse(c, now, c.parser.status());
    if (c.parser.close()) {
      ++r_.reconnects;
      closeQuietly(c, now);
      return;
    }
  }
  std::memmove(c.buf.get(), c.buf.get() + pos, c.len - pos);
  c.len -= pos;
}

void Generator::onResponse(Conn& c, std::int64_t now, int status) {
  const std::uint64_t k = c.done++;
  ++doneTotal_;
  if (status < 200 || status > 299) ++r_.errors.status;
  if (now >= tMeasure_ && now < tEnd_) ++r_.inWindow;
  const std::uint64_t n = k * conns_.size() + c.index;
  if (n >= nStart_ && n < nEnd_) {
    const std::int64_t due = dueTime(n);
    const std::int64_t sent = c.sentAt[k % static_cast<std::uint64_t>(o_.pipeline)];
    ++r_.answered;
    r_.latency.record(now - due);
    r_.service.record(now - sent);
    r_.sendLag.record(sent - due);
  }
  if (c.due > c.sent) markDirty(c);
}

void Generator::handleEvents(int n, std::int64_t now) {
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events_[static_cast<std::size_t>(i)];
    Conn& c = conns_[ev.data.u64 & 0xffffffffu];
    const auto generation = static_cast<std::uint32_t>(ev.data.u64 >> 32);
    const auto alive = [&] { return c.fd >= 0 && c.generation == generation; };
    if (!alive()) continue;  // closed earlier in this batch
    if (c.connecting) {
      if (ev.events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) onConnected(c, now);
      continue;
    }
    if (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) onReadable(c, now);
    if (alive() && (ev.events & EPOLLOUT) && c.pendingBytes > 0) onWritable(c, now);
  }
}

int Generator::wait(std::int64_t timeoutNs) {
  if (o_.busyPoll) timeoutNs = 0;
  timeoutNs = std::max<std::int64_t>(timeoutNs, 0);
  const timespec ts{static_cast<time_t>(timeoutNs / kNsPerS),
                    static_cast<long>(timeoutNs % kNsPerS)};
  const int n = epoll_pwait2(ep_, events_.data(), static_cast<int>(events_.size()), &ts, nullptr);
  if (n < 0 && errno != EINTR)
    throw std::runtime_error(std::string("epoll_pwait2: ") + std::strerror(errno));
  return std::max(n, 0);
}

Result Generator::run() {
  // The default timer slack (50 µs) would make every timed wake-up late by that much, and a
  // late send counts as latency.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  std::int64_t now = nowNs();
  for (Conn& c : conns_) open(c, now);
  down_ = 0;
  for (Conn& c : conns_) down_ += c.fd < 0;
  const std::int64_t connectDeadline = now + static_cast<std::int64_t>(o_.connectTimeoutS * 1e9);
  while (now < connectDeadline &&
         std::any_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.connecting; })) {
    const int n = wait(10'000'000);
    now = nowNs();
    handleEvents(n, now);
  }
  dirty_.clear();
  for (Conn& c : conns_) c.dirty = false;

  const auto nConn = static_cast<std::uint64_t>(conns_.size());
  t0_ = nowNs();
  nStart_ = static_cast<std::uint64_t>(std::ceil(o_.warmupS * o_.rate));
  nEnd_ = nStart_ + std::max<std::uint64_t>(
                        1, static_cast<std::uint64_t>(std::llround(o_.durationS * o_.rate)));
  tMeasure_ = dueTime(nStart_);
  tEnd_ = dueTime(nEnd_);
  r_.measured = nEnd_ - nStart_;
  bool windowOpen = false, windowClosed = false;
  double cpuAtStart = 0;
  std::int64_t drainDeadline = 0;

  while (true) {
    now = nowNs();
    if (!windowOpen && now >= tMeasure_) {
      windowOpen = true;
      cpuAtStart = cpuSeconds();
    }
    if (down_ > 0) {
      for (Conn& c : conns_) {
        if (c.fd < 0 && c.retryAt <= now) {
          --down_;
          open(c, now);
        }
      }
    }
    // Hand the requests that fell due to their connections, then write once per connection.
    if (windowOpen && !windowClosed && nNext_ < nEnd_ && dueTime(nNext_) <= now)
      r_.loopLag.record(now - dueTime(nNext_));
    for (; nNext_ < nEnd_ && dueTime(nNext_) <= now; ++nNext_) {
      Conn& c = conns_[nNext_ % nConn];
      ++c.due;
      markDirty(c);
    }
    for (Conn* c : dirty_) {
      c->dirty = false;
      flush(*c, now);
    }
    dirty_.clear();

    if (!windowClosed && now >= tEnd_) {
      windowClosed = true;
      r_.clientCpuS = cpuSeconds() - cpuAtStart;
      r_.windowS = static_cast<double>(tEnd_ - tMeasure_) / 1e9;
      for (const Conn& c : conns_) r_.behindAtEnd += c.due - c.sent;
      r_.achievedRate = static_cast<double>(r_.inWindow) / r_.windowS;
      // A server slower than the rate builds a backlog that grows through the run, so it shows
      // in the rate achieved and in what is still unsent at the end.
      r_.sustained = r_.achievedRate >= kSustainedFraction * o_.rate &&
                     static_cast<double>(r_.behindAtEnd) <= kSustainedBacklogS * o_.rate + 1;
      // An unsustained rate leaves a backlog the drain cannot clear: stop at once.
      if (!r_.sustained) break;
      drainDeadline = now + static_cast<std::int64_t>(o_.drainS * 1e9);
    }
    if (windowClosed && (doneTotal_ >= nEnd_ || now >= drainDeadline)) break;

    std::int64_t next = windowClosed ? drainDeadline : tEnd_;
    if (nNext_ < nEnd_) next = std::min(next, dueTime(nNext_));
    if (down_ > 0) next = std::min(next, now + 1'000'000);
    const int n = wait(next - now);
    handleEvents(n, nowNs());
  }
  r_.unanswered = r_.measured - r_.answered;
  return std::move(r_);
}

}  // namespace

Result run(const Options& options) { return Generator(options).run(); }

}  // namespace loadgen
