-- wrk script: each request from a file of prepared requests, one per line, tab-separated:
--   METHOD <tab> PATH <tab> COOKIE <tab> BODY
-- (bench/run.py writes it: a different signed-in person per line, with their CSRF token). Thread n
-- of N takes lines n, n+N, n+2N... and wraps around when it runs out (counted: a POST sent twice is
-- not a fresh request, and the harness reports the run as such).
--
-- Arguments after "--": the file, the number of threads, the status every response should have, and
-- for a redirect the text its Location should contain ("302" "/registrations/", "200" "").
--
-- Counted besides wrk's own figures: responses that send the client to the sign-in or second-factor
-- page (a run whose requests "succeed" by redirecting there has failed), and any other response
-- that is not the expected one (a form sent back with errors, a redirect elsewhere).
-- done() prints one JSON line the harness reads.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local count = tonumber(args[2])
  expected_status = tonumber(args[3])
  expected_location = args[4] or ""
  requests_list = {}
  local number = 0
  for line in io.lines(path) do
    if number % count == id then
      local method, target, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Cookie"] = cookie }
      if method == "POST" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      table.insert(requests_list, wrk.format(method, target, headers, body))
    end
    number = number + 1
  end
  position = 0
  wrapped = 0
  signin = 0
  failed = 0
  unexpected = 0
end

function request()
  position = position + 1
  if position > #requests_list then
    position = 1
    wrapped = wrapped + 1
  end
  return requests_list[position]
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status >= 300 and status < 400 and (location:find("/accounts/login/", 1, true)
      or location:find("/accounts/second-factor/", 1, true) or location:find("/accounts/2fa/", 1, true)) then
    signin = signin + 1
  elseif status >= 400 then
    failed = failed + 1
  elseif status ~= expected_status or not location:find(expected_location, 1, true) then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local signin_total, failed_total, unexpected_total, wrapped_total = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    signin_total = signin_total + (thread:get("signin") or 0)
    failed_total = failed_total + (thread:get("failed") or 0)
    unexpected_total = unexpected_total + (thread:get("unexpected") or 0)
    wrapped_total = wrapped_total + (thread:get("wrapped") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"status_errors": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
    .. '"signin": %d, "failed": %d, "unexpected": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    signin_total, failed_total, unexpected_total, wrapped_total))
end
