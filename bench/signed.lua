-- wrk script: replay signed Twilio-shaped requests from a file, each thread its own share,
-- and print one JSON line of results. The file holds lines "path<TAB>body<TAB>signature".
-- Arguments: the file, the number of threads, and the first line to send (earlier runs of
-- the same file sent the lines before it: a first webhook stays a first webhook). The JSON
-- says where the next run starts (after the furthest line any thread sent, in flight ones
-- included) and whether a thread ran out of lines and sent some twice.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local numbers = {}  -- each request's line in the file
position = 0  -- globals: `done` reads them from each thread
wrapped = false
furthest = nil

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
      numbers[#numbers + 1] = index
    end
    index = index + 1
  end
  if #requests == 0 then
    error("no request left in " .. args[1] .. " from line " .. first .. " for thread " .. id)
  end
end

function request()
  if position == #requests then
    wrapped = true
  end
  position = position % #requests + 1
  furthest = numbers[position]
  return requests[position]
end

function done(summary, latency, requests)
  local errors = summary.errors
  local next_line, ran_out = 0, false
  for _, thread in ipairs(threads) do
    local furthest = thread:get("furthest")
    if furthest and furthest + 1 > next_line then
      next_line = furthest + 1
    end
    ran_out = ran_out or thread:get("wrapped")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d, "next_line": %d, "wrapped": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    next_line, tostring(ran_out)))
end
