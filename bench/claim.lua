-- wrk script: staff members claim queue entries at once, each thread walking the list of
-- entries from its own place, and one JSON line of results. Arguments: the entries' ids
-- ("12,13,…"), then one "cookie<TAB>csrf token" per signed-in staff member; the connections
-- of a thread share its walk, each request from the next staff member in turn.
-- A claim answered 200 names its entry and holder: `done` gathers every (entry, holder) won,
-- so that the bench can count entries two staff members were both told they hold.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local ids, staff = {}, {}
local sent = 0
won = ""  -- globals: `done` reads them from each thread
answers = ""

local counts = {}

function init(args)
  for id in string.gmatch(args[1], "%d+") do
    ids[#ids + 1] = id
  end
  for index = 2, #args do
    local cookie, token = args[index]:match("^([^\t]*)\t([^\t]*)$")
    staff[#staff + 1] = { cookie = cookie, token = token }
  end
  sent = id * 7  -- each thread starts at its own place, as the Python claimers did
end

function request()
  sent = sent + 1
  local member = staff[sent % #staff + 1]
  return wrk.format("POST", "/api/callbacks/" .. ids[sent % #ids + 1] .. "/claim", {
    ["Cookie"] = member.cookie,
    ["X-CSRF-Token"] = member.token,
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
  }, "{}")
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  local parts = {}
  for code, n in pairs(counts) do
    parts[#parts + 1] = code .. ":" .. n
  end
  answers = table.concat(parts, ",")
  if status == 200 then
    local id = body:match('"id":%s*(%d+)')
    local holder = body:match('"claimed_by":%s*"([^"]*)"')
    won = won .. id .. "=" .. (holder or "") .. ";"
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local all_won, all_answers = {}, {}
  for _, thread in ipairs(threads) do
    all_won[#all_won + 1] = thread:get("won")
    all_answers[#all_answers + 1] = thread:get("answers")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": %d, "won": "%s", "answers": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.connect + errors.read + errors.write + errors.timeout,
    table.concat(all_won), table.concat(all_answers, ",")))
end
