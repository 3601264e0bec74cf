// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace loadgen {

/// What one open-loop run does. Request n (counting from 0 over all connections) is due at
/// start + n / rate and belongs to connection n % connections, so each connection has its own
/// fixed schedule of rate / connections requests per second, the connections interleaved.
struct Options {
  std::string host = "127.0.0.1";  ///< an IPv4 address (no name resolution)
  std::uint16_t port = 0;
  std::string path = "/plaintext";  ///< sent as `GET <path> HTTP/1.1` with a Host field
  int connections = 64;
  double rate = 1000;          ///< requests per second over all connections
  double durationS = 10;       ///< the measured window, seconds
  double warmupS = 3;          ///< load before the window, not measured, seconds
  int pipeline = 1;            ///< requests a connection may have unanswered at once
  double drainS = 2;           ///< how long to wait after the window for its last responses
  bool busyPoll = false;       ///< poll without sleeping (a whole core) instead of timed waits
  double connectTimeoutS = 5;  ///< how long to wait for the connections before starting
};

/// Error counts of a run (all of it, warm-up included).
struct Errors {
  std::uint64_t connect = 0;  ///< connections refused or failed
  std::uint64_t read = 0;     ///< read failures and closes by the server with requests pending
  std::uint64_t write = 0;    ///< write failures
  std::uint64_t status = 0;   ///< responses whose status is not 2xx
  std::uint64_t parse = 0;    ///< bytes that are not a valid response, or an unasked response
  std::uint64_t lost = 0;     ///< requests written on a connection that failed before answering
  std::uint64_t total() const { return connect + read + write + status + parse; }
};

/// What a run measured. A request is measured when it is due inside the window; its latency
/// runs from when it was due (its intended send time), so time it spent queued behind a slow
/// response, in the client or in the server, counts: coordinated omission is corrected.
struct Result {
  Histogram latency;  ///< due time to the end of its response (ns), measured requests
  Histogram service;  ///< actual send to the end of its response (ns): what wrk's loop sees
  Histogram sendLag;  ///< due time to actual send (ns): queueing on the connection plus the
                      ///< generator's own lateness
  Histogram loopLag;  ///< per round in the window, how late the generator handed out the first
                      ///< request that fell due (ns): its own lateness alone. Large values
                      ///< mean the generator, not the server, fell behind the schedule
  std::uint64_t measured = 0;     ///< requests due in the window
  std::uint64_t answered = 0;     ///< measured requests whose response came
  std::uint64_t unanswered = 0;   ///< measured requests without a response at the end
  std::uint64_t behindAtEnd = 0;  ///< measured requests still unsent when the window closed
  std::uint64_t inWindow = 0;     ///< responses (to any request) received inside the window
  double windowS = 0;             ///< the window's actual length, seconds
  double achievedRate = 0;        ///< inWindow / windowS
  bool sustained = false;         ///< achievedRate ≥ 98 % of the target, and at most 10 ms of
                                  ///< the schedule still unsent when the window closed
  Errors errors;
  std::uint64_t reconnects = 0;  ///< connections reopened after `Connection: close`
  double clientCpuS = 0;         ///< this process's CPU time (user + system) in the window
};

/// The fraction of the target rate a run must achieve to count as sustained.
inline constexpr double kSustainedFraction = 0.98;
/// The most of its schedule (seconds' worth of requests) a sustained run may leave unsent.
inline constexpr double kSustainedBacklogS = 0.01;

/// Runs the generator on the calling thread: connects, loads for warm-up + duration, drains,
/// and returns the figures. Failures of connections are counted, not thrown (a connection that
/// fails is reopened); throws std::runtime_error only for bad options or a failing epoll.
Result run(const Options& options);

}  // namespace loadgen
