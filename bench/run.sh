#!/usr/bin/env bash
# Usage: bench/run.sh [DURATION=10s] [CONCURRENCY=16]
# Measures PostGraphile 4, PostGraphile 5 and Passerelle back to back on one PostgreSQL and the
# same rows, then Passerelle alone on an SQLite copy of those rows. Shapes (bench/queries/):
#   a  50 events + organiser          b  event by id            c  20 organisations x 10 events
#   d  filtered page with totalCount  e  (a) with a member's session token (and (a) anonymous
#      in turn with it: the line `anon`, so the ratio is the session's cost)
#   f  createEvent (writes/s)         g1 / g500  page 1 / page 500 of 20 events by cursor
#   h  full-text search (embedded engine; Meilisearch only with MEILI_URL, see bench/search.sh)
# The peers answer a, b and c (their own query files in ../shared/tools); the other shapes have
# no equivalent there. Each repeat runs every server once per shape, in turn (v4, v5,
# Passerelle), so that drift on a shared machine hits all three alike; the median is printed.
# For each shape, `pgbench` runs the best single statement that answers it (bench/sql/), to
# show how close the server gets to the database's own limit. Resident memory: idle (after
# start), after each shape's load, and the peak (VmHWM).
# Env: REPEAT (3), SEED_EVENTS (100000; 1000000 reseeds the peer's database, a few minutes),
#      SHAPES ("a b c d e f g1 g500 h"), PEERS ("v4 v5"; empty: Passerelle alone),
#      SQLITE (1: also the SQLite copy), PGBENCH (1), WARMUP (2 seconds), TOOLS (../shared/tools),
#      RESULTS (a directory for the raw lines; default a fresh one under /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONC=${2:-16}
SECS=${DURATION%s}
TOOLS=${TOOLS:-$(cd ../shared/tools && pwd)}
export TOOLS SEED_EVENTS=${SEED_EVENTS:-100000}
REPEAT=${REPEAT:-3}
SHAPES=${SHAPES:-a b c d e f g1 g500 h}
PEERS=${PEERS-v4 v5}
SQLITE=${SQLITE:-1}
PGBENCH=${PGBENCH:-1}
WARMUP=${WARMUP:-2}
RESULTS=${RESULTS:-$(mktemp -d /tmp/passerelle-bench-XXXXXX)}
DB_URL=postgres://hub:hub@127.0.0.1:5432/peer_bench
HUB_DB_URL="$DB_URL?sslmode=disable&options=-c%20search_path%3Dpublic"
BIN=target/release/passerelle
PSQL=(psql -X -q -tA -v ON_ERROR_STOP=1)
mkdir -p "$RESULTS"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

bench/prepare.sh
ensure_wrk() { command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }; }
ensure_wrk

# The hub as the benchmarks run it: no query budget (the peers have none), no background jobs.
start_hub() { # PORT DATABASE_URL DATA_DIR -> pid
  PASSERELLE_DATABASE_URL=$2 PASSERELLE_LISTEN=127.0.0.1:$1 RUST_LOG=warn PASSERELLE_DATA_DIR=$3 \
    PASSERELLE_SEARCH_INDEXER=false PASSERELLE_FEEDS_SCHEDULER=false PASSERELLE_MAIL_SENDER=false \
    PASSERELLE_RATE_LIMIT_ANONYMOUS=0 PASSERELLE_RATE_LIMIT_AUTHENTICATED=0 \
    $BIN serve >"$RESULTS/hub-$1.log" 2>&1 &
  echo $!
}
wait_ready() { # URL
  for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done
  echo "no answer from $1" >&2
  return 1
}
rss() { awk '/^VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print int($2 / 1024)}' "/proc/$1/status"; }

# A JSON body from a query file and its variables (a JSON text, or the sibling .variables.json).
body() { # QUERYFILE OUT [VARIABLES_JSON]
  python3 - "$@" <<'PY'
import json, os, sys
q, out = sys.argv[1], sys.argv[2]
variables = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
side = q[: -len(".graphql")] + ".variables.json"
if variables is None and os.path.exists(side):
    variables = json.load(open(side))
body = {"query": open(q).read()}
if variables is not None:
    body["variables"] = variables
json.dump(body, open(out, "w"))
PY
}

gql() { # URL BODYFILE [TOKEN] -> response
  curl -sf -H 'content-type: application/json' ${3:+-H "authorization: Bearer $3"} --data-binary @"$2" "$1"
}

# One measured run: "rps p50_ms p99_ms bad" (bad = non-2xx, GraphQL errors, socket errors).
load() { # URL BODYFILE TOKEN
  local pre
  pre=$(gql "$1" "$2" "$3") || { echo "pre-flight failed: $1 $2" >&2; return 1; }
  if grep -q '"errors"' <<<"$pre"; then echo "pre-flight answered errors: $1 $2: ${pre:0:300}" >&2; return 1; fi
  [ "$WARMUP" -gt 0 ] && GQL_BODY_FILE=$2 GQL_TOKEN=$3 wrk -t 2 -c "$CONC" -d "${WARMUP}s" -s bench/wrk.lua "$1" >/dev/null
  GQL_BODY_FILE=$2 GQL_TOKEN=$3 wrk -t 2 -c "$CONC" -d "${SECS}s" --timeout 10s -s bench/wrk.lua "$1" \
    | awk '/^WRKRESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
             printf "%.0f %.2f %.2f %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"] / 1000,
                    v["p99_us"] / 1000, v["bad"] + v["socket_errors"] }'
}

# pgbench on the best single statement: "tps avg_latency_ms".
pgb() { # SQLFILE [-D var=value ...]
  local f=$1; shift
  PGPASSWORD=hub pgbench -n -M prepared -c "$CONC" -j 2 -T "$SECS" "$@" -f "$f" -h 127.0.0.1 -U hub peer_bench 2>/dev/null \
    | awk '/^tps/ {tps = $3} /^latency average/ {lat = $4} END {printf "%.0f %.2f\n", tps, lat}'
}

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# ---- servers
HUB_DATA=$(mktemp -d /tmp/passerelle-bench-data-XXXXXX)
# Shape (h) searches the embedded index, built before the hub opens it.
if [[ " $SHAPES " == *" h "* ]]; then
  RUST_LOG=warn PASSERELLE_DATABASE_URL=$HUB_DB_URL PASSERELLE_DATA_DIR=$HUB_DATA $BIN search reindex >"$RESULTS/reindex.log" 2>&1
fi
HUB_PID=$(start_hub 5602 "$HUB_DB_URL" "$HUB_DATA")
PIDS+=("$HUB_PID")
declare -A URL=([hub]=http://127.0.0.1:5602/graphql)
declare -A SRV_PID=([hub]=$HUB_PID)
if [[ " $PEERS " == *" v4 "* ]]; then
  NODE22_DIR=$(dirname "$("$TOOLS/peer-postgraphile5/install.sh" --print-node)")
  V4_PID=$(PATH="$NODE22_DIR:$PATH" "$TOOLS/peer-postgraphile/serve.sh" 5601)
  PIDS+=("$V4_PID"); URL[v4]=http://127.0.0.1:5601/graphql; SRV_PID[v4]=$V4_PID
fi
if [[ " $PEERS " == *" v5 "* ]]; then
  V5_PID=$("$TOOLS/peer-postgraphile5/serve.sh" 5611)
  PIDS+=("$V5_PID"); URL[v5]=http://127.0.0.1:5611/graphql; SRV_PID[v5]=$V5_PID
fi
wait_ready http://127.0.0.1:5602/readyz

# ---- what the shapes need: a member and an editor signed in, a cursor at page 500, a search index
ORG_ID=$("${PSQL[@]}" -c "select id from public.organisations order by slug, id limit 1" "$DB_URL")
ORG_SLUG=$("${PSQL[@]}" -c "select slug from public.organisations where id = '$ORG_ID'" "$DB_URL")
signed_in() { # DATABASE_URL GRAPHQL_URL ROLE -> token
  RUST_LOG=warn PASSERELLE_DATABASE_URL=$1 PASSERELLE_DATA_DIR=$HUB_DATA $BIN user create --json \
    --email "bench-$3-$RANDOM$RANDOM@passerelle.test" --role "$3" --organisation "$ORG_SLUG" \
    | python3 bench/accounts.py "$2"
}
MEMBER_TOKEN=$(signed_in "$HUB_DB_URL" "${URL[hub]}" member)
EDITOR_TOKEN=$(signed_in "$HUB_DB_URL" "${URL[hub]}" editor)
# Page 500 of 20 starts after the 9,980th public event by (starts_at, id).
read -r G_TS G_ID < <("${PSQL[@]}" -F ' ' -c "select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), id
  from public.events where visibility = 'public' order by starts_at, id offset 9979 limit 1" "$DB_URL")
G_CURSOR=$(python3 -c "import base64, json, sys; print(base64.urlsafe_b64encode(json.dumps(
  {'o': 'StartsAtAsc', 'k': {'t': 'Time', 'v': sys.argv[1]}, 'i': sys.argv[2]}, separators=(',', ':')).encode()).decode().rstrip('='))" "$G_TS" "$G_ID")
F_VARS=$(printf '{"input": {"title": "Atelier bench-f", "startsAt": "2027-03-01T09:00:00Z", "organiserId": "%s", "audiences": ["LYCEE"]}}' "$ORG_ID")

# The body and token of a shape for Passerelle (hub) or a peer.
prepare_shape() { # SHAPE SERVER DIR -> "BODYFILE TOKEN"
  local s=$1 srv=$2 dir=$3 f="$3/$1.json" token=
  case $srv in
    v4) body "$(ls "$TOOLS"/peer-postgraphile/queries/"$s"-*.graphql)" "$f" ;;
    v5) body "$(ls "$TOOLS"/peer-postgraphile5/queries/"$s"-*.graphql)" "$f" ;;
    *)
      case $s in
        e) body bench/queries/a-events-first50.graphql "$f"; token=$MEMBER_TOKEN ;;
        f) body bench/queries/f-create-event.graphql "$f" "$F_VARS"; token=$EDITOR_TOKEN ;;
        g1) body bench/queries/g-page-by-cursor.graphql "$f" '{}' ;;
        g500) body bench/queries/g-page-by-cursor.graphql "$f" "{\"after\": \"$G_CURSOR\"}" ;;
        *) body "$(ls bench/queries/"$s"-*.graphql)" "$f" ;;
      esac ;;
  esac
  echo "$f $token"
}

pgbench_of() { # SHAPE -> "tps latency" or "- -"
  [ "$PGBENCH" = 1 ] || { echo "- -"; return; }
  case $1 in
    a | b | c | d) pgb "bench/sql/$1.sql" ;;
    e) pgb bench/sql/e.sql -D "org=$ORG_ID" ;;
    f) pgb bench/sql/f.sql -D "org=$ORG_ID" ;;
    g1) pgb bench/sql/g.sql -D "ts=1970-01-01T00:00:00Z" -D "id=00000000-0000-0000-0000-000000000000" ;;
    g500) pgb bench/sql/g.sql -D "ts=$G_TS" -D "id=$G_ID" ;;
    *) echo "- -" ;;
  esac
}

# Events written by (f) and its pgbench line are removed, so that every run reads the same rows.
forget_writes() { # DATABASE (psql URL, or an SQLite file)
  if [[ $1 == postgres* ]]; then
    "${PSQL[@]}" -c "delete from public.events where title in ('Atelier bench-f', 'Atelier pgbench')" "$1"
  else
    sqlite3 "$1" "delete from events where title = 'Atelier bench-f'"
  fi
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); $(git log -1 --format='%h %s' | cut -c1-60)"
echo "# uptime before: $(uptime)"
echo "# events=$SEED_EVENTS duration=$DURATION concurrency=$CONC repeat=$REPEAT wrk; raw results in $RESULTS"
declare -A IDLE
for srv in "${!SRV_PID[@]}"; do IDLE[$srv]=$(rss "${SRV_PID[$srv]}"); done
echo "# idle RSS MiB: $(for srv in v4 v5 hub; do [ -n "${SRV_PID[$srv]:-}" ] && printf '%s %s  ' "$srv" "${IDLE[$srv]}"; done)"

run_shapes() { # LABEL DATABASE SERVERS...
  local label=$1 database=$2; shift 2
  local servers=("$@") dir
  dir=$(mktemp -d "$RESULTS/$label-XXXX")
  printf '%-5s %-6s %8s %8s %8s %6s %7s   %s\n' shape server rps p50_ms p99_ms bad rss_MiB "vs best peer / vs pgbench"
  for s in $SHAPES; do
    local in_shape=()
    for srv in "${servers[@]}"; do
      if [ "$srv" = hub ] || [[ " a b c " == *" $s "* ]]; then in_shape+=("$srv"); fi
    done
    # (e) is told against (a) run in turn with it: the same page, anonymous.
    [ "$s" = e ] && in_shape=(anon hub)
    [ "$s" = h ] && [ "$label" != pg ] && continue
    for r in $(seq 1 "$REPEAT"); do
      for srv in "${in_shape[@]}"; do
        if [ "$srv" = anon ]; then
          read -r f token < <(prepare_shape a hub "$dir")
          load "${URL[hub]}" "$f" "" >>"$dir/$s.$srv" || echo "0 0 0 -1" >>"$dir/$s.$srv"
        else
          read -r f token < <(prepare_shape "$s" "$srv" "$dir")
          load "${URL[$srv]}" "$f" "$token" >>"$dir/$s.$srv" || echo "0 0 0 -1" >>"$dir/$s.$srv"
        fi
      done
    done
    [ "$s" = f ] && forget_writes "$database"
    local best=0
    for srv in "${in_shape[@]}"; do
      local rps p50 p99 bad
      rps=$(cut -d' ' -f1 "$dir/$s.$srv" | median); p50=$(cut -d' ' -f2 "$dir/$s.$srv" | median)
      p99=$(cut -d' ' -f3 "$dir/$s.$srv" | median); bad=$(awk '{n += $4} END {print n}' "$dir/$s.$srv")
      if [ "$srv" != hub ]; then
        [ "$rps" -gt "$best" ] && best=$rps
        printf '%-5s %-6s %8s %8s %8s %6s %7s\n' "$s" "$srv" "$rps" "$p50" "$p99" "$bad" "$(rss "${SRV_PID[${srv/anon/hub}]}")"
      else
        echo "$rps" >"$dir/$s.hub.rps"
        local ratio=-
        [ "$best" -gt 0 ] && ratio=$(awk -v a="$rps" -v b="$best" 'BEGIN {printf "%.2fx", a / b}')
        printf '%-5s %-6s %8s %8s %8s %6s %7s   %s' "$s" "$label" "$rps" "$p50" "$p99" "$bad" "$(rss "${SRV_PID[hub]}")" "$ratio"
        if [ "$label" = pg ]; then
          read -r tps lat < <(pgbench_of "$s")
          [ "$s" = f ] && forget_writes "$database"
          if [ "$tps" != - ]; then
            printf ' / %.0f%% of pgbench %s tps (%s ms)' "$(awk -v a="$rps" -v b="$tps" 'BEGIN {print 100 * a / b}')" "$tps" "$lat"
          fi
        fi
        echo
      fi
    done
  done
}

echo "## PostgreSQL 15"
run_shapes pg "$DB_URL" $PEERS hub
echo "# peak RSS MiB (VmHWM): $(for srv in v4 v5 hub; do [ -n "${SRV_PID[$srv]:-}" ] && printf '%s %s  ' "$srv" "$(hwm "${SRV_PID[$srv]}")"; done)"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()

if [ "$SQLITE" = 1 ]; then
  LITE_DATA=$(mktemp -d /tmp/passerelle-bench-sqlite-XXXXXX)
  LITE_DB="$LITE_DATA/passerelle.db"
  bench/sqlite-copy.sh "$DB_URL" "$LITE_DB"
  HUB_PID=$(start_hub 5603 "sqlite://$LITE_DB" "$LITE_DATA")
  PIDS+=("$HUB_PID"); SRV_PID[hub]=$HUB_PID; URL[hub]=http://127.0.0.1:5603/graphql
  wait_ready http://127.0.0.1:5603/readyz
  HUB_DATA=$LITE_DATA
  MEMBER_TOKEN=$(signed_in "sqlite://$LITE_DB" "${URL[hub]}" member)
  EDITOR_TOKEN=$(signed_in "sqlite://$LITE_DB" "${URL[hub]}" editor)
  echo "## SQLite ($(du -m "$LITE_DB" | cut -f1) MiB file), idle RSS $(rss "$HUB_PID") MiB"
  run_shapes sqlite "$LITE_DB" hub
  echo "# peak RSS MiB (VmHWM): hub $(hwm "$HUB_PID")"
fi
echo "# uptime after: $(uptime)"
