// SPDX-License-Identifier: MIT
#include "selftest.hpp"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "open_loop.hpp"
#include "response_parser.hpp"

namespace loadgen {
namespace {

using namespace std::chrono_literals;

// What the test server does wrong on purpose. Requests are counted over all connections from
// 1; "every n-th" is off when n is 0.
struct Behaviour {
  int stallEvery = 0;                 // this request waits `stall` (the whole server waits)
  std::chrono::microseconds stall{};  // how long
  bool mixedFraming = false;          // rotate Content-Length, chunked with trailers, 204, 1xx
  int errorEvery = 0;                 // this response is 503
  int closeEvery = 0;                 // this response says `Connection: close` and closes
  int dropEvery = 0;                  // this request gets no response: the connection closes
};

constexpr std::string_view kPlain =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nHello\r\n8\r\n, World!"
    "\r\n0\r\nX-Trailer: yes\r\n\r\n";
constexpr std::string_view kNoContent = "HTTP/1.1 204 No Content\r\n\r\n";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kUnavailable =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
constexpr std::string_view kClosing =
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 13\r\n\r\nHello, World!";

// A single-threaded HTTP/1.1 server on 127.0.0.1 (an ephemeral port), run on its own thread
// until destroyed. It blocks while it stalls, as an event loop does when a handler blocks it.
class TestServer {
 public:
  explicit TestServer(Behaviour b) : b_(b) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_, 1024) != 0 ||
        getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error(std::string("test server: ") + std::strerror(errno));
    port_ = ntohs(a.sin_port);
    wake_ = eventfd(0, EFD_CLOEXEC);
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    add(listen_);
    add(wake_);
    thread_ = std::thread([this] { loop(); });
  }
  ~TestServer() {
    const std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    thread_.join();
    for (auto& [fd, in] : clients_) ::close(fd);
    ::close(listen_);
    ::close(wake_);
    ::close(ep_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  void add(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  void drop(int fd) {
    ::close(fd);
    clients_.erase(fd);
  }

  void loop() {
    epoll_event events[64];
    while (true) {
      const int n = epoll_wait(ep_, events, 64, -1);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wake_) return;
        if (fd == listen_) {
          const int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) {
            clients_[c];
            add(c);
          }
          continue;
        }
        serve(fd);
      }
    }
  }

  // Reads what arrived, answers every complete request in one write (or closes).
  void serve(int fd) {
    char buf[16384];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      drop(fd);
      return;
    }
    std::string& in = clients_[fd];
    in.append(buf, static_cast<std::size_t>(n));
    std::string out;
    bool close = false;
    for (std::size_t end; !close && (end = in.find("\r\n\r\n")) != std::string::npos;) {
      in.erase(0, end + 4);
      const long i = ++count_;
      if (b_.stallEvery && i % b_.stallEvery == 0) std::this_thread::sleep_for(b_.stall);
      if (b_.dropEvery && i % b_.dropEvery == 0) {
        out.clear();  // nothing of this read is answered: the client sees a bare close
        close = true;
      } else if (b_.closeEvery && i % b_.closeEvery == 0) {
        out += kClosing;
        close = true;
      } else if (b_.errorEvery && i % b_.errorEvery == 0) {
        out += kUnavailable;
      } else if (b_.mixedFraming) {
        if (i % 7 == 0) out += kContinue;
        out += i % 3 == 0 ? kPlain : i % 3 == 1 ? kChunked : kNoContent;
      } else {
        out += kPlain;
      }
    }
    for (std::size_t off = 0; off < out.size();) {
      const ssize_t w = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL);
      if (w <= 0) {
        close = true;
        break;
      }
      off += static_cast<std::size_t>(w);
    }
    if (close) drop(fd);
  }

  Behaviour b_;
  int listen_ = -1, wake_ = -1, ep_ = -1;
  std::uint16_t port_ = 0;
  long count_ = 0;
  std::map<int, std::string> clients_;
  std::thread thread_;
};

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) ++failures;
}

double us(double ns) { return ns / 1000.0; }

void describe(const char* name, const Result& r) {
  std::printf(
      "%s: %.0f req/s achieved, answered %llu/%llu, errors %llu (status %llu, read %llu, "
      "connect %llu), lost %llu, reconnects %llu; latency us p50 %.1f p99 %.1f p99.9 %.1f "
      "max %.1f; service p99 %.1f; send lag max %.1f\n",
      name, r.achievedRate, static_cast<unsigned long long>(r.answered),
      static_cast<unsigned long long>(r.measured),
      static_cast<unsigned long long>(r.errors.total()),
      static_cast<unsigned long long>(r.errors.status),
      static_cast<unsigned long long>(r.errors.read),
      static_cast<unsigned long long>(r.errors.connect),
      static_cast<unsigned long long>(r.errors.lost), static_cast<unsigned long long>(r.reconnects),
      us(r.latency.percentile(50)), us(r.latency.percentile(99)), us(r.latency.percentile(99.9)),
      us(r.latency.percentile(100)), us(r.service.percentile(99)), us(r.sendLag.percentile(100)));
}

Options against(const TestServer& s, int connections, double rate, int pipeline = 1) {
  Options o;
  o.port = s.port();
  o.connections = connections;
  o.rate = rate;
  o.pipeline = pipeline;
  o.durationS = 1.0;
  o.warmupS = 0.3;
  o.drainS = 1.0;
  return o;
}

// Feeds `bytes` to a parser in every split into two reads (and byte by byte), as the
// generator would after each read; returns the statuses of the responses found, or -1 for an
// error.
std::vector<int> parseSplit(std::string_view bytes, std::size_t split) {
  ResponseParser p;
  std::vector<int> statuses;
  std::string buf;
  auto feed = [&](std::string_view more) {
    buf += more;
    std::size_t pos = 0;
    while (pos < buf.size()) {
      const auto step = p.parse(buf.data() + pos, buf.size() - pos);
      pos += step.used;
      if (step.outcome == ResponseParser::Outcome::kNeedMore) break;
      if (step.outcome == ResponseParser::Outcome::kError) {
        statuses.push_back(-1);
        buf.clear();
        return false;
      }
      statuses.push_back(p.status());
    }
    buf.erase(0, pos);
    return true;
  };
  if (split == 0) {
    for (char c : bytes)
      if (!feed(std::string_view(&c, 1))) break;
  } else if (feed(bytes.substr(0, split))) {
    feed(bytes.substr(split));
  }
  return statuses;
}

void parserChecks() {
  std::printf("parser: every framing, fed in every split and byte by byte\n");
  const std::string all = std::string(kContinue) + std::string(kPlain) + std::string(kChunked) +
                          std::string(kNoContent) + std::string(kUnavailable) +
                          "HTTP/1.1 200 OK\r\ncontent-length:  3 \r\n\r\nabc";
  const std::vector<int> want{200, 200, 204, 503, 200};
  bool same = true;
  for (std::size_t split = 0; split < all.size(); ++split)
    same = same && parseSplit(all, split) == want;
  check(same,
        "5 responses (1xx skipped, Content-Length, chunked with extension and trailer, "
        "204, 503) in every split");
  const std::vector<int> error{-1};
  check(parseSplit("HTTP/1.1 200 OK\r\n\r\nbody until close", 0) == error,
        "a body without a length is an error");
  check(parseSplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0) == error,
        "Transfer-Encoding without chunked is an error");
  check(parseSplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0) == error,
        "a bad chunk size is an error");
  check(parseSplit("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 0) == error,
        "conflicting Content-Length fields are an error");
  check(parseSplit("SMTP ready\r\n\r\n", 0) == error, "a bad status line is an error");
  ResponseParser p;
  const char closing[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  const auto step = p.parse(closing, sizeof closing - 1);
  check(step.outcome == ResponseParser::Outcome::kComplete && p.close(),
        "HTTP/1.0 without keep-alive closes");
}

void histogramChecks() {
  std::printf("histogram: percentiles within 1 %% of the exact values\n");
  Histogram h;
  // 1 µs to 1 s, logarithmically spaced: every bucket size is exercised.
  std::vector<double> values;
  for (int i = 0; i <= 100000; ++i) values.push_back(1000.0 * std::pow(1e6, i / 100000.0));
  for (double v : values) h.record(static_cast<std::int64_t>(v));
  bool within = true;
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) {
    const double exact = values[static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1];
    within = within && std::abs(h.percentile(p) - exact) <= 0.01 * exact;
  }
  check(within, "p1 to p99.99 of 100,001 values from 1 us to 1 s");
  check(h.percentile(100) == static_cast<double>(h.max()) && h.max() == 1'000'000'000,
        "p100 is the exact maximum");
  check(h.countAtOrAbove(500'000'000) > 0 && h.countAtOrAbove(2'000'000'000) == 0,
        "counts above a value");
}

}  // namespace

bool selftest() {
  failures = 0;
  parserChecks();
  histogramChecks();
  {
    // A 1 ms stall every 100th request: about 1 % of requests (the stalled ones and the few
    // due during a stall) are slow, so p99.9 must hold the stall and p50 must not.
    TestServer s({.stallEvery = 100, .stall = 1ms});
    const Result r = run(against(s, 8, 4000));
    describe("stall 1 ms every 100th, 8 connections at 4000/s", r);
    check(r.sustained && r.errors.total() == 0 && r.unanswered == 0, "sustained, no errors");
    check(r.latency.percentile(50) < 500'000, "p50 below 0.5 ms");
    check(r.latency.percentile(99.9) >= 950'000 && r.latency.max() >= 1'000'000,
          "p99.9 and max hold the 1 ms stall");
  }
  {
    // One connection, a request due every 0.5 ms, a 2 ms stall every 100th: the 3 requests due
    // during the stall wait in the generator. Measured from when they were due, each waited at
    // least 0.5 ms, so 4 % of requests (3 % allowing for the ends of the window) are that slow.
    // Measured from when they went out (wrk's way), only the stalled 1 % would be.
    TestServer s({.stallEvery = 100, .stall = 2ms});
    const Result r = run(against(s, 1, 2000));
    describe("stall 2 ms every 100th, 1 connection at 2000/s", r);
    check(r.sustained && r.errors.total() == 0, "sustained, no errors");
    check(static_cast<double>(r.latency.countAtOrAbove(500'000)) >= 0.03 * r.answered,
          "requests queued behind a stall count from when they were due (>= 3 % above 0.5 ms)");
    check(r.sendLag.max() >= 1'000'000, "the send lag shows the queueing (max >= 1 ms)");
  }
  {
    TestServer s({.mixedFraming = true});
    const Result r = run(against(s, 4, 4000, 4));
    describe("mixed framing, pipelined x4", r);
    check(r.sustained && r.errors.total() == 0 && r.answered == r.measured,
          "every response parsed (Content-Length, chunked, 204, after 1xx), no errors");
  }
  {
    TestServer s({.errorEvery = 10, .closeEvery = 50, .dropEvery = 301});
    const Result r = run(against(s, 4, 2000));
    describe("503 every 10th, Connection: close every 50th, a bare close every 301st", r);
    const double share = static_cast<double>(r.errors.status) / std::max<double>(1, r.answered);
    check(share > 0.05 && share < 0.15, "about 10 % of responses counted as status errors");
    check(r.reconnects > 0, "Connection: close reopens the connection");
    check(r.errors.read > 0 && r.errors.lost > 0 && r.unanswered > 0,
          "a close with a request pending is a read error and its request is unanswered");
  }
  {
    // 1 ms per request caps the server near 1000/s, a third of the target.
    TestServer s({.stallEvery = 1, .stall = 1ms});
    Options o = against(s, 4, 3000);
    const Result r = run(o);
    describe("a server capped near 1000/s, asked for 3000/s", r);
    check(!r.sustained && r.achievedRate < kSustainedFraction * o.rate && r.behindAtEnd > 0,
          "the rate is reported as not sustained, with a backlog");
  }
  {
    std::uint16_t port = 0;
    {
      TestServer s({});  // a port that was just free, closed again below
      port = s.port();
    }
    Options o;
    o.port = port;
    o.connections = 2;
    o.rate = 1000;
    o.durationS = 0.3;
    o.warmupS = 0;
    o.connectTimeoutS = 0.5;
    const Result r = run(o);
    describe("nothing listening", r);
    check(r.errors.connect > 0 && !r.sustained, "connect errors, rate not sustained");
  }
  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "passed", failures);
  return failures == 0;
}

}  // namespace loadgen
