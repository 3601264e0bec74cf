// SPDX-License-Identifier: MIT
// bench_http_loadgen: an open-loop HTTP/1.1 load generator for latency percentiles, in the
// manner of wrk2. Each connection sends keep-alive GETs on its own fixed schedule, and each
// response's latency runs from when its request was due, not from when it went out, so a stall
// of the server counts for every request queued behind it (coordinated omission corrected).
//
//   bench_http_loadgen --port 8080 --rate 50000 [--host 127.0.0.1] [--path /plaintext]
//       [--connections 64] [--duration 10] [--warmup 3] [--pipeline 1] [--drain 2]
//       [--busy-poll]
//   bench_http_loadgen --selftest
//
// Prints one JSON line and one line for people. Exit status: 0 when the run took place
// (whether or not it sustained the rate: the JSON says), 1 when it could not run, 2 for bad
// arguments; with --selftest, 0 when every check passed, 1 otherwise. See bench/http/README.md.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "loadgen/open_loop.hpp"
#include "loadgen/selftest.hpp"

namespace {

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bench_http_loadgen: %s\n"
               "usage: bench_http_loadgen --port P --rate R [--host 127.0.0.1] "
               "[--path /plaintext] [--connections 64] [--duration 10] [--warmup 3] "
               "[--pipeline 1] [--drain 2] [--busy-poll]\n"
               "       bench_http_loadgen --selftest\n",
               why);
  std::exit(2);
}

double number(std::string_view flag, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0') usage((std::string(flag) + " needs a number").c_str());
  return v;
}

loadgen::Options parse(int argc, char** argv, bool& selftest) {
  loadgen::Options o;
  bool havePort = false, haveRate = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--selftest") {
      selftest = true;
      continue;
    }
    if (a == "--busy-poll") {
      o.busyPoll = true;
      continue;
    }
    if (a == "--help" || a == "-h") usage("help");
    if (i + 1 >= argc) usage((std::string(a) + " needs a value").c_str());
    const char* v = argv[++i];
    if (a == "--host") {
      o.host = v;
    } else if (a == "--path") {
      o.path = v;
      if (o.path.empty() || o.path[0] != '/') usage("--path must start with '/'");
    } else if (a == "--port") {
      const double p = number(a, v);
      if (p < 1 || p > 65535) usage("--port must be 1 to 65535");
      o.port = static_cast<std::uint16_t>(p);
      havePort = true;
    } else if (a == "--rate") {
      o.rate = number(a, v);
      haveRate = true;
    } else if (a == "--connections") {
      o.connections = static_cast<int>(number(a, v));
    } else if (a == "--duration") {
      o.durationS = number(a, v);
    } else if (a == "--warmup") {
      o.warmupS = number(a, v);
    } else if (a == "--pipeline") {
      o.pipeline = static_cast<int>(number(a, v));
    } else if (a == "--drain") {
      o.drainS = number(a, v);
    } else {
      usage(("unknown option " + std::string(a)).c_str());
    }
  }
  if (!selftest && (!havePort || !haveRate)) usage("--port and --rate are required");
  return o;
}

// One flat JSON object, built field by field in the order given.
class JsonLine {
 public:
  JsonLine& number(const char* key, double v, int decimals = 1) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return raw(key, text);
  }
  JsonLine& count(const char* key, std::uint64_t v) { return raw(key, std::to_string(v)); }
  JsonLine& flag(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
  // A number, or null when `show` is false.
  JsonLine& maybe(const char* key, bool show, double v) {
    return show ? number(key, v) : raw(key, "null");
  }
  JsonLine& raw(const char* key, const std::string& value) {
    text_ += text_.size() > 1 ? ",\"" : "\"";
    text_ += key;
    text_ += "\":";
    text_ += value;
    return *this;
  }
  std::string str() const { return text_ + "}"; }

 private:
  std::string text_ = "{";
};

void printResult(const loadgen::Options& o, const loadgen::Result& r) {
  const auto us = [](double ns) { return ns / 1000.0; };
  const auto& e = r.errors;
  // Percentiles of a run that fell behind its schedule measure the backlog, not the server,
  // so they are left out (null) rather than printed.
  const bool show = r.sustained && r.answered > 0;
  const double perReq = r.inWindow ? r.clientCpuS * 1e6 / static_cast<double>(r.inWindow) : 0;
  JsonLine j;
  j.number("target_rps", o.rate)
      .number("achieved_rps", r.achievedRate)
      .flag("sustained", r.sustained);
  j.count("connections", static_cast<std::uint64_t>(o.connections))
      .count("pipeline", static_cast<std::uint64_t>(o.pipeline))
      .number("duration_s", r.windowS, 3)
      .number("warmup_s", o.warmupS, 3)
      .flag("busy_poll", o.busyPoll);
  j.count("measured", r.measured).count("answered", r.answered).count("unanswered", r.unanswered);
  j.count("behind_at_end", r.behindAtEnd).count("errors", e.total());
  j.count("connect_errors", e.connect).count("read_errors", e.read).count("write_errors", e.write);
  j.count("status_errors", e.status).count("parse_errors", e.parse).count("lost", e.lost);
  j.count("reconnects", r.reconnects);
  j.maybe("p50_us", show, us(r.latency.percentile(50)))
      .maybe("p90_us", show, us(r.latency.percentile(90)))
      .maybe("p99_us", show, us(r.latency.percentile(99)))
      .maybe("p999_us", show, us(r.latency.percentile(99.9)))
      .maybe("max_us", show, us(r.latency.percentile(100)))
      .maybe("mean_us", show, us(r.latency.mean()));
  j.maybe("service_p50_us", show, us(r.service.percentile(50)))
      .maybe("service_p99_us", show, us(r.service.percentile(99)))
      .maybe("service_p999_us", show, us(r.service.percentile(99.9)));
  j.maybe("send_lag_p50_us", show, us(r.sendLag.percentile(50)))
      .maybe("send_lag_p99_us", show, us(r.sendLag.percentile(99)))
      .maybe("send_lag_max_us", show, us(r.sendLag.percentile(100)));
  // The generator's own lateness is shown even when the rate was not sustained: it tells
  // whether the generator or the server fell short.
  const bool lagged = r.loopLag.count() > 0;
  j.maybe("loop_lag_p99_us", lagged, us(r.loopLag.percentile(99)))
      .maybe("loop_lag_max_us", lagged, us(r.loopLag.percentile(100)));
  j.number("client_cpu_s", r.clientCpuS, 3).number("client_us_per_req", perReq, 3);
  std::printf("%s\n", j.str().c_str());

  std::printf("loadgen: %.0f req/s target, %.0f achieved over %.1f s, %d connections x%d: ", o.rate,
              r.achievedRate, r.windowS, o.connections, o.pipeline);
  if (show) {
    std::printf(
        "latency us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f (p99/p50 %.2f); "
        "service p50 %.1f p99 %.1f; send lag p99 %.1f; loop lag p99 %.1f",
        us(r.latency.percentile(50)), us(r.latency.percentile(90)), us(r.latency.percentile(99)),
        us(r.latency.percentile(99.9)), us(r.latency.percentile(100)),
        r.latency.percentile(99) / std::max(r.latency.percentile(50), 1.0),
        us(r.service.percentile(50)), us(r.service.percentile(99)), us(r.sendLag.percentile(99)),
        us(r.loopLag.percentile(99)));
  } else {
    std::printf("RATE NOT SUSTAINED (%.0f%% of target, %llu behind): no percentiles",
                100.0 * r.achievedRate / o.rate, static_cast<unsigned long long>(r.behindAtEnd));
  }
  std::printf("; errors %llu, unanswered %llu; client %.2f us/req\n",
              static_cast<unsigned long long>(e.total()),
              static_cast<unsigned long long>(r.unanswered), perReq);
}

}  // namespace

int main(int argc, char** argv) {
  bool selftest = false;
  const loadgen::Options options = parse(argc, argv, selftest);
  try {
    if (selftest) return loadgen::selftest() ? 0 : 1;
    const loadgen::Result result = loadgen::run(options);
    printResult(options, result);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_http_loadgen: %s\n", e.what());
    return 1;
  }
}
