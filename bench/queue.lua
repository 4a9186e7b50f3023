-- wrk script: GET the given path with the staff session cookie; print one JSON line.
function init(args)
  wrk.headers["Cookie"] = args[1]
  wrk.headers["Accept"] = args[2] or "application/json"
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    summary.bytes))
end
