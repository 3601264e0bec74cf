-- SPDX-License-Identifier: MIT
-- wrk script for bench/http's pipelined runs: each write carries `depth` requests (the script
-- argument after `--`, default 16), as TechEmpower's pipeline.lua does. wrk counts the
-- requests in one request() string and waits for that many responses before the next write.
-- done() prints the run's figures as one JSON line for run.py to read; each latency sample is
-- a response's time since its batch was written.
local req

function init(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

function request()
  return req
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%.0f,"p90_us":%.0f,' ..
    '"p99_us":%.0f,"mean_us":%.1f,"max_us":%.0f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end
