#!/usr/bin/env bash
# Usage: bench/profile.sh QUERYFILE [REQUESTS=200] [TOKEN]
#   e.g. bench/profile.sh bench/queries/a-events-first50.graphql 200
# Counts the instructions the hub spends per request with callgrind (repeatable even when the
# machine is busy, unlike timings): the release build serves the benchmark database
# (bench/prepare.sh) under `valgrind --tool=callgrind`, answers 20 warm-up requests, then the
# counters are zeroed and REQUESTS requests are sent one after the other on one connection.
# Prints the instructions per request and the costliest functions (inclusive), and leaves the
# whole profile in /tmp/passerelle-profile-<pid>.out for callgrind_annotate or kcachegrind.
# TOKEN: a session token sent as `Authorization: Bearer` (shape e). Env: PORT (5622), BIN (the
# binary, default target/release/passerelle: another build to compare with).
set -euo pipefail
cd "$(dirname "$0")/.."
QUERY=${1:?query file}
N=${2:-200}
TOKEN=${3:-}
PORT=${PORT:-5622}
BIN=${BIN:-target/release/passerelle}
HUB_DB_URL="postgres://hub:hub@127.0.0.1:5432/peer_bench?sslmode=disable&options=-c%20search_path%3Dpublic"
TOOLS=${TOOLS:-$(cd ../shared/tools && pwd)}
BODY=$(mktemp /tmp/passerelle-profile-body-XXXXXX.json)
DATA=$(mktemp -d /tmp/passerelle-profile-data-XXXXXX)
node "$TOOLS/lib/gql-body.mjs" "$QUERY" >"$BODY"

PASSERELLE_DATABASE_URL=$HUB_DB_URL PASSERELLE_LISTEN=127.0.0.1:$PORT RUST_LOG=warn \
  PASSERELLE_SEARCH_INDEXER=false PASSERELLE_FEEDS_SCHEDULER=false PASSERELLE_MAIL_SENDER=false PASSERELLE_DATA_DIR=$DATA \
  PASSERELLE_RATE_LIMIT_ANONYMOUS=0 PASSERELLE_RATE_LIMIT_AUTHENTICATED=0 \
  valgrind --tool=callgrind --callgrind-out-file=/tmp/passerelle-profile-%p.out \
  $BIN serve >/tmp/passerelle-profile-$PORT.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$BODY" "$DATA"' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
  sleep 0.5
done
python3 bench/profile.py "http://127.0.0.1:$PORT/graphql" "$BODY" 20 "$TOKEN"
callgrind_control -z "$PID" >/dev/null
python3 bench/profile.py "http://127.0.0.1:$PORT/graphql" "$BODY" "$N" "$TOKEN"
callgrind_control -d "$PID" >/dev/null
sleep 1
OUT=$(ls -t /tmp/passerelle-profile-"$PID".out.* | head -n 1)
ANNOTATED=$(mktemp /tmp/passerelle-profile-annotated-XXXXXX)
callgrind_annotate --inclusive=yes "$OUT" 2>/dev/null >"$ANNOTATED"
total=$(awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}' "$ANNOTATED")
# A pool connection opened while measuring (SCRAM's 4,096 rounds of SHA-256) is not the
# request's work: counted apart.
opened=$(awk '/PgConnection>::establish::\{\{closure\}\} / {gsub(",", "", $1); print $1; exit}' "$ANNOTATED")
opened=${opened:-0}
echo "instructions per request: $(((total - opened) / N)) ($N requests, $(basename "$QUERY")); connections opened meanwhile: $opened instructions"
# What the request's parts cost (inclusive, per request).
for part in 'parse::executable::parse_query' 'validation::check_rules' 'graphql::guard::' \
  'store::page::fetch' 'store::page::by_ids' 'store::page::fetch_by_parents' 'auth::authenticate' \
  'as sea_orm::entity::model::FromQueryResult>::from_query_result ' 'store::rows::' \
  'ResponseBody as serde' 'Schema<Query,Mutation,Subscription>>::execute::' 'http::graphql::post::'; do
  awk -v p="$part" -v n="$N" 'index($0, p) {gsub(",", "", $1); printf "%12d  %s\n", $1 / n, substr($0, index($0, $3)); exit}' "$ANNOTATED" | cut -c1-160
done
rm -f "$ANNOTATED"
echo "profile: $OUT"
