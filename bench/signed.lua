-- wrk script: replay signed Twilio-shaped requests from a file, each thread its own share,
-- and print one JSON line of results. The file holds lines "path<TAB>body<TAB>signature".
-- Arguments: the file, the number of threads, and the first line to send (earlier runs of
-- the same file sent the lines before it: a first webhook stays a first webhook).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local position = 0

function init(args)
  local index = 0
  local share = tonumber(args[2] or "1")
  local first = tonumber(args[3] or "0")
  for line in io.lines(args[1]) do
    local path, body, signature = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    if index >= first and (index - first) % share == id then
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Twilio-Signature"] = signature,
      }, body)
    end
    index = index + 1
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
