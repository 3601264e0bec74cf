-- SPDX-License-Identifier: MIT
-- wrk script for bench/web: spreads the requests over the three kinds of route, in turn
-- static, param, wildcard (a third each), each time on another route of that kind and with
-- other param values, from a fixed table of 999 requests built in init() (a deterministic
-- sequence, so every peer gets the same mix). done() prints the run's figures as one JSON line
-- for run.py to read (the same fields as bench/http/wrk/report.lua).
local reqs = {}
local n = 0
local i = 0

function init(args)
  local static, param, wildcard = 100, 80, 20   -- must match bench/web's route table
  local seed = 12345
  local function rand(m)   -- Park-Miller: the same sequence on every run, exact in doubles
    seed = (seed * 16807) % 2147483647
    return seed % m
  end
  for j = 0, 332 do
    local s = rand(static)
    local p = rand(param)
    local w = rand(wildcard)
    local paths = {
      string.format("/api/v1/items/static%d", s),
      string.format("/api/v1/users%d/%d/items/%d", p, rand(100000), rand(1000)),
      string.format("/files%d/docs/%d/report-%d.txt", w, rand(50), rand(1000)),
    }
    for _, path in ipairs(paths) do
      n = n + 1
      reqs[n] = wrk.format("GET", path)
    end
  end
end

function request()
  i = i % n + 1
  return reqs[i]
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
