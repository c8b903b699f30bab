#!/usr/bin/env bash
# Usage: bench/soak.sh [DATABASE_URL]   (default: a fresh SQLite data directory)
# The soak run: the release build serves the demo data with its default settings (scheduler,
# indexer) but no query budget (each client sends about 30 requests/s, far beyond a person's
# use: the default budget would refuse them, as bench/neighbour.sh shows it does) while bench/soak.py sends mixed reads, searches and writes for
# DURATION seconds (default 300) from CONCURRENCY clients (default 32), each signed in with an
# account of its own, plus one client asking for a feed sync every 5 s. Prints the report:
# requests and errors per operation, latency, resident memory at minute 1 and minute 5, and
# the search outbox after the load. Exits 1 on any failed request. A PostgreSQL URL must point
# at an empty database. Env: DURATION, CONCURRENCY, PORT (5613), FEED_PORT (5614).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-300}
CONCURRENCY=${CONCURRENCY:-32}
PORT=${PORT:-5613}
FEED_PORT=${FEED_PORT:-5614}
WORK=$(mktemp -d)
HUB_PID=
trap 'kill $HUB_PID 2>/dev/null && wait $HUB_PID 2>/dev/null; rm -rf "$WORK"' EXIT
cargo build --release --quiet
BIN=target/release/passerelle
export PASSERELLE_DATA_DIR=$WORK/data PASSERELLE_FEEDS_ALLOW_HOSTS=127.0.0.1 RUST_LOG=warn
export PASSERELLE_RATE_LIMIT_AUTHENTICATED=0
if [ -n "${1:-}" ]; then export PASSERELLE_DATABASE_URL=$1; else unset PASSERELLE_DATABASE_URL; fi
PASSERELLE_LISTEN=127.0.0.1:$PORT $BIN serve --demo >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

# One administrator account per client, signed in and past its temporary password.
for i in $(seq 0 "$CONCURRENCY"); do
  $BIN user create --email "soak-$i@passerelle.test" --role admin --json
done >"$WORK/accounts.jsonl"
python3 bench/accounts.py "http://127.0.0.1:$PORT/graphql" <"$WORK/accounts.jsonl" >"$WORK/tokens"

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); database: $([ -n "${1:-}" ] && echo PostgreSQL || echo SQLite)"
echo "# duration ${DURATION} s, concurrency ${CONCURRENCY}, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
python3 bench/soak.py "http://127.0.0.1:$PORT" "$HUB_PID" "$WORK/tokens" "$FEED_PORT" "$DURATION" "$CONCURRENCY" || status=$?
kill -0 "$HUB_PID" 2>/dev/null || { echo "the hub is gone" >&2; status=1; }
if grep -E '"level":"(ERROR)"| ERROR ' "$WORK/serve.log" >&2; then
  echo "the hub logged errors (above)" >&2
  status=1
fi
exit $status
