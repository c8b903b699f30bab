#!/usr/bin/env bash
# Usage: bench/run.sh [DURATION] [CONCURRENCY]   (defaults: 10s 16)
# Measures Passerelle and the PostGraphile peer back to back, on the same PostgreSQL and the
# same rows: the peer's seed (2,000 organisations, 100,000 events, 20,000 resources) is copied
# into Passerelle's tables in the same database. Prints one line per query and server, and the
# resident memory of both servers after the load. Env: TOOLS (default ../shared/tools),
# REPEAT (default 3), LOADGEN (default wrk), HUB_PORT (5602), PEER_PORT (5601).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONCURRENCY=${2:-16}
TOOLS=${TOOLS:-$(cd ../shared/tools && pwd)}
export REPEAT=${REPEAT:-3} LOADGEN=${LOADGEN:-wrk}
HUB_PORT=${HUB_PORT:-5602}
PEER_PORT=${PEER_PORT:-5601}
DB_URL=postgres://hub:hub@127.0.0.1:5432/peer_bench
# The peer owns schema `hub` (first on role hub's search path); Passerelle keeps its tables in `public`.
# sslmode=disable: the peer (node-postgres) talks to the local server in clear too.
HUB_DB_URL="$DB_URL?sslmode=disable&options=-c%20search_path%3Dpublic"

"$TOOLS/peer-postgraphile/setup.sh" >&2
cargo build --release --quiet
PASSERELLE_DATABASE_URL=$HUB_DB_URL target/release/passerelle migrate
psql -X -q -v ON_ERROR_STOP=1 -f bench/load-peer-data.sql "$DB_URL" >&2

PASSERELLE_DATABASE_URL=$HUB_DB_URL PASSERELLE_LISTEN=127.0.0.1:$HUB_PORT RUST_LOG=warn PASSERELLE_SEARCH_INDEXER=false \
  target/release/passerelle serve >/tmp/passerelle-bench.log 2>&1 &
HUB_PID=$!
PEER_PID=$("$TOOLS/peer-postgraphile/serve.sh" "$PEER_PORT")
trap 'kill $HUB_PID $PEER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$HUB_PORT/readyz" >/dev/null && break
  sleep 0.2
done

echo "# machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# duration $DURATION, concurrency $CONCURRENCY, REPEAT=$REPEAT, LOADGEN=$LOADGEN"
echo "## PostGraphile"
"$TOOLS/load/suite.sh" "http://127.0.0.1:$PEER_PORT/graphql" "$TOOLS/peer-postgraphile/queries" "$DURATION" "$CONCURRENCY"
echo "## Passerelle"
"$TOOLS/load/suite.sh" "http://127.0.0.1:$HUB_PORT/graphql" bench/queries "$DURATION" "$CONCURRENCY"
echo "## resident memory after load (KiB): passerelle $(ps -o rss= -p $HUB_PID), postgraphile $(ps -o rss= -p $PEER_PID)"
