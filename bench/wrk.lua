-- wrk script of bench/run.sh: POSTs one GraphQL body (GQL_BODY_FILE), with
-- `Authorization: Bearer $GQL_TOKEN` when that is set, and counts bad answers: any status
-- other than 2xx, and 2xx bodies with `"errors":`. Prints one line at the end:
--   WRKRESULT requests=N duration_us=N p50_us=N p99_us=N bad=N socket_errors=N
-- (the same counters as ../shared/tools/load/post.lua, plus the header).
local f = assert(io.open(os.getenv("GQL_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/graphql-response+json, application/json"
local token = os.getenv("GQL_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 or (body and string.find(body, '"errors":', 1, true)) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format("WRKRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d bad=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), n,
    e.connect + e.read + e.write + e.timeout))
end
