#!/usr/bin/env bash
# The hostile documents of the security audit against the release build on the embedded
# default: how long each refusal takes, and how long /healthz takes while eight of them are
# in flight. Usage: bench/hostile.sh [ROUNDS]   (default 20 refusals of each document)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
PORT=${PORT:-5611}
DATA=$(mktemp -d)
trap 'kill "$HUB" 2>/dev/null || true; rm -rf "$DATA"' EXIT

cargo build --release --quiet
# No query budget: each refusal costs its address 100 points, and this measures the refusals
# themselves, not the door that an address over budget meets (bench/neighbour.sh does).
PASSERELLE_DATA_DIR="$DATA" PASSERELLE_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn PASSERELLE_RATE_LIMIT_ANONYMOUS=0 \
  PASSERELLE_FEEDS_SCHEDULER=false target/release/passerelle serve &
HUB=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

python3 - "$PORT" "$ROUNDS" <<'PY'
import json, statistics, sys, threading, time, urllib.request

port, rounds = int(sys.argv[1]), int(sys.argv[2])
url = f"http://127.0.0.1:{port}/graphql"

def fan_out(n):
    doc = "query { ...F0 }\n"
    for i in range(n):
        doc += f"fragment F{i} on Query {{ ...F{i+1} ...F{i+1} }}\n"
    return doc + f"fragment F{n} on Query {{ __typename }}\n"

documents = {
    "2,000 nested [ in an argument": "{ __type(name: " + "[" * 2000 + '"x"' + "]" * 2000 + ") { name } }",
    "2,000 nested {a: in an argument": "{ events(filter: " + "{a:" * 2000 + "null" + "}" * 2000 + ") { totalCount } }",
    "fragment fan-out n = 24": fan_out(24),
    "fragment fan-out n = 30": fan_out(30),
    "10,000 aliases": "{ " + " ".join(f"a{i}: __typename" for i in range(10000)) + " }",
    # The costliest documents still accepted: at the field and nesting limits.
    "1,962 expanded fields of one name (accepted)": "{ organisations(first: 1) { nodes { " + "...F " * 40
        + "} } } fragment F on Organisation { " + "name " * 49 + "}",
    "63 nested [ (accepted, then invalid)": "{ __type(name: " + "[" * 62 + '"x"' + "]" * 62 + ") { name } }",
}

def post(query):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(req) as resp:
        answer = json.load(resp)
    errors = answer.get("errors") or [{}]
    code = errors[0].get("extensions", {}).get("code", "GRAPHQL_VALIDATION_FAILED" if errors[0] else "ok")
    return (time.perf_counter() - started) * 1000, code

print(f"| document | answer | p50 ms | p99 ms | /healthz p50 ms while 8 are in flight |")
print(f"| --- | --- | --- | --- | --- |")
for name, query in documents.items():
    times, code = [], None
    for _ in range(rounds):
        ms, code = post(query)
        times.append(ms)
    health = []
    def attack():
        for _ in range(rounds):
            post(query)
    attackers = [threading.Thread(target=attack) for _ in range(8)]
    for t in attackers:
        t.start()
    while any(t.is_alive() for t in attackers):
        started = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").read()
        health.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    for t in attackers:
        t.join()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"| {name} | {code} | {statistics.median(times):.2f} | {p99:.2f} | {statistics.median(health):.2f} |")
PY
