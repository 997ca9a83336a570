-- wrk script: GET a random path from a file, with the API key, on keep-alive connections.
-- Usage: wrk -s bench/wrk/lookup.lua URL -- PATHS_FILE KEY [HEADER]
-- HEADER names the key's header: X-API-Key (the default: DNSDB, native API), APIKEY
-- (SecurityTrails face), x-apikey (VirusTotal face).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  key = args[2]
  header = args[3] or "X-API-Key"
  math.randomseed(1000 + id)
  statuses = {}
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { [header] = key })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for status, n in pairs(seen) do
      io.write(string.format("status %d: %d\n", status, n))
    end
  end
  io.write(string.format("p50_us %d\np99_us %d\nrequests %d\nerrors %d\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
