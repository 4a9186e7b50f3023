-- wrk script: staff members race to claim the same queue entries, and one JSON line of
-- results. Arguments: the entries' ids ("12,13,…"), then one "cookie<TAB>csrf token" per
-- signed-in staff member. Each thread claims as one staff member (thread n as member
-- n % members), and every thread walks the same list from its start, its connections taking
-- the next entries: at each step the threads ask for the same entries at the same moment.
-- `done` gathers every (entry, member) that was answered 200, so that the bench can count the
-- entries two staff members were both told they hold, and compare them with the database.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local ids, staff = {}, {}
local member, member_index
local sent = 0
local seen, counts = {}, {}
won = ""  -- globals: `done` reads them from each thread
answers = ""
unreadable = 0

function init(args)
  for entry in string.gmatch(args[1], "%d+") do
    ids[#ids + 1] = entry
  end
  for index = 2, #args do
    local cookie, token = args[index]:match("^([^\t]*)\t([^\t]*)$")
    staff[#staff + 1] = { cookie = cookie, token = token }
  end
  member_index = id % #staff
  member = staff[member_index + 1]
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/api/callbacks/" .. ids[(sent - 1) % #ids + 1] .. "/claim", {
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
    local entry = body:match('"id":%s*(%d+)')
    if entry == nil then
      unreadable = unreadable + 1
    else
      local key = entry .. "=" .. member_index
      if not seen[key] then
        seen[key] = true
        won = won .. key .. ";"
      end
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local all_won, all_answers, all_unreadable = {}, {}, 0
  for _, thread in ipairs(threads) do
    all_won[#all_won + 1] = thread:get("won")
    all_answers[#all_answers + 1] = thread:get("answers")
    all_unreadable = all_unreadable + thread:get("unreadable")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"socket_errors": %d, "unreadable": %d, "won": "%s", "answers": "%s"}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.connect + errors.read + errors.write + errors.timeout, all_unreadable,
    table.concat(all_won), table.concat(all_answers, ",")))
end
