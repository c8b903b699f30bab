#!/usr/bin/env bash
# Usage: bench/neighbour.sh [REQUESTS]   (default 600)
# The hostile neighbour: how much one client flooding the hub with hostile and over-limit
# queries slows another. The release build serves the demo data on a fresh SQLite data
# directory with its default limits, behind one (simulated) proxy: each client is told apart by
# the address its X-Forwarded-For names. The well-behaved client, signed in, sends REQUESTS
# GraphQL queries one after the other, at most one every 200 ms (an events page, an event by id,
# an organisation with its events), alone,
# then again while the flooder (wrk, 1 thread, FLOOD_CONNECTIONS connections, default 16) posts
# as fast as it can: documents 2,000 brackets deep, 10,000 aliases, a fragment bomb, 10,000
# directives, a batch of 1,000 operations, and valid but costly pages that spend its query
# budget until it is answered 429. Prints p50/p99 alone and under the flood, their ratio, and
# what the flooder was answered. Env: PORT (5615), FLOOD_CONNECTIONS, ROUNDS (alternations of
# alone and flooded, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-600}
PORT=${PORT:-5615}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-16}
ROUNDS=${ROUNDS:-2}
WORK=$(mktemp -d)
HUB_PID=
trap 'kill $HUB_PID 2>/dev/null && wait $HUB_PID 2>/dev/null; rm -rf "$WORK"' EXIT
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
export PASSERELLE_DATA_DIR=$WORK/data PASSERELLE_TRUSTED_PROXIES=1 RUST_LOG=warn
unset PASSERELLE_DATABASE_URL
PASSERELLE_LISTEN=127.0.0.1:$PORT target/release/passerelle serve --demo >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

# The well-behaved client is a signed-in front-end (its own query budget, as a person's).
target/release/passerelle user create --email voisine@passerelle.test --role admin --json |
  python3 bench/accounts.py "http://127.0.0.1:$PORT/graphql" >"$WORK/token"

# The flooder's documents, one JSON body per line.
python3 - >"$WORK/flood.bodies" <<'PY'
import json
def fan_out(n):
    doc = "query { ...F0 }\n"
    for i in range(n):
        doc += f"fragment F{i} on Query {{ ...F{i+1} ...F{i+1} }}\n"
    return doc + f"fragment F{n} on Query {{ __typename }}\n"
# Valid and under the complexity limit, but 300 points each: the budget is soon spent.
costly = "{ events(first: 100) { nodes { title startsAt location { city } } } }"
bodies = [
    {"query": "{ __type(name: " + "[" * 2000 + '"x"' + "]" * 2000 + ") { name } }"},
    {"query": "{ " + " ".join(f"a{i}: __typename" for i in range(10000)) + " }"},
    {"query": fan_out(30)},
    {"query": "{ __typename " + "@skip(if: false) " * 10000 + "}"},
    [{"query": "{ __typename }"}] * 1000,
    {"query": costly}, {"query": costly}, {"query": costly},
]
for body in bodies:
    print(json.dumps(body))
PY
cat >"$WORK/flood.lua" <<'LUA'
local bodies = {}
for line in io.lines(os.getenv("FLOOD_BODIES")) do table.insert(bodies, line) end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; statuses = {} end
function request()
  n = n + 1
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = "203.0.113.66",
  }, bodies[(n % #bodies) + 1])
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  local parts = {}
  for status, count in pairs(total) do table.insert(parts, string.format("%d: %d", status, count)) end
  table.sort(parts)
  io.write(string.format("FLOOD requests=%d rps=%.0f statuses=%s\n", summary.requests,
    summary.requests / (summary.duration / 1e6), table.concat(parts, ", ")))
end
LUA

python3 - "$PORT" "$REQUESTS" "$ROUNDS" "$WORK" "$FLOOD_CONNECTIONS" <<'PY'
import http.client, json, statistics, subprocess, sys, time, os

port, requests, rounds, work, connections = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
conn = http.client.HTTPConnection("127.0.0.1", port)
token = open(f"{work}/token").read().strip()
PACE = 0.2  # a request every 200 ms at most: a busy front-end, within its budget

def post(body):
    conn.request("POST", "/graphql", json.dumps(body),
                 {"content-type": "application/json", "x-forwarded-for": "198.51.100.7",
                  "authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    answer = json.loads(resp.read())
    if resp.status != 200 or answer.get("errors"):
        sys.exit(f"the well-behaved client was refused ({resp.status}): {answer}")
    return answer

first = post({"query": "{ events(first: 1) { nodes { id } } organisations(first: 1) { nodes { slug } } }"})
event_id = first["data"]["events"]["nodes"][0]["id"]
slug = first["data"]["organisations"]["nodes"][0]["slug"]
queries = [
    {"query": "{ events(first: 20) { nodes { id title startsAt location { city } organiser { name } } pageInfo { endCursor } } }"},
    {"query": "query($id: ID!) { event(id: $id) { id title description startsAt tags } }", "variables": {"id": event_id}},
    {"query": "query($s: String!) { organisation(slug: $s) { name events(first: 10) { nodes { title } } } }",
     "variables": {"s": slug}},
]

def measure():
    times = []
    for i in range(requests):
        t0 = time.perf_counter()
        post(queries[i % len(queries)])
        spent = time.perf_counter() - t0
        times.append(spent * 1000)
        time.sleep(max(0.0, PACE - spent))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]

for i in range(100):  # warm-up
    post(queries[i % 3])
    time.sleep(PACE)
rows = []
for r in range(rounds):
    alone = measure()
    env = dict(os.environ, FLOOD_BODIES=f"{work}/flood.bodies")
    flood = subprocess.Popen(["wrk", "-t1", f"-c{connections}", "-d600s", "-s", f"{work}/flood.lua",
                              f"http://127.0.0.1:{port}/graphql"], env=env, stdout=subprocess.PIPE, text=True)
    time.sleep(2)  # the flooder's budget is spent: it is answered 429 from now on
    flooded = measure()
    flood.send_signal(2)
    out = flood.communicate()[0]
    line = next((l for l in out.splitlines() if l.startswith("FLOOD")), "FLOOD (no summary)")
    rows.append((alone, flooded, line))
    time.sleep(1)

print("| round | alone p50 ms | alone p99 ms | flooded p50 ms | flooded p99 ms | p99 ratio | what the flooder got |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for i, (alone, flooded, line) in enumerate(rows, 1):
    print(f"| {i} | {alone[0]:.2f} | {alone[1]:.2f} | {flooded[0]:.2f} | {flooded[1]:.2f} | "
          f"{flooded[1] / alone[1]:.2f} | {line.removeprefix('FLOOD ')} |")
worst = max(f[1] / a[1] for a, f, _ in rows)
print(f"\nworst p99 ratio: {worst:.2f} (target: at most 2)")
sys.exit(0 if worst <= 2 else 1)
PY
