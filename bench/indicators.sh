#!/usr/bin/env bash
# Usage: bench/indicators.sh [DATABASE_URL]
# Times `indicators` on a database of 1,000,000 events (release build). The demo data is loaded
# by a short `serve --demo` into an empty database (organisations, kits, loans, reports), then
# SQL adds EVENTS events (default 1,000,000) spread over 22 organisations, ten years, three
# visibilities and three audience sets, with 10,000 actions and 20,000 reports, and the
# database is analysed. The hub is started and each query is sent RUNS times (default 3) with
# curl; the median wall time is printed, for an anonymous caller and for an administrator.
# Default database: a fresh SQLite file; pass the URL of an empty PostgreSQL database to use it.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-3}
PORT=${PORT:-5612}
WORK=$(mktemp -d)
HUB_PID=
trap 'kill $HUB_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cargo build --release --quiet
BIN=target/release/passerelle
export PASSERELLE_DATA_DIR=$WORK/data RUST_LOG=warn PASSERELLE_RATE_LIMIT_ANONYMOUS=0 PASSERELLE_RATE_LIMIT_AUTHENTICATED=0
if [ -n "${1:-}" ]; then export PASSERELLE_DATABASE_URL=$1; else unset PASSERELLE_DATABASE_URL; fi

PASSERELLE_LISTEN=127.0.0.1:0 $BIN serve --demo >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
sleep 4
kill $HUB_PID 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
wait $HUB_PID 2>/dev/null || true

started=$(date +%s)
if [ -n "${1:-}" ]; then
  psql -q -v ON_ERROR_STOP=1 "$1" <<SQL
CREATE TEMP TABLE o AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS k, id, region FROM organisations;
INSERT INTO events (id, title, starts_at, all_day, timezone, open_to_public, audiences, tags, status, visibility,
                    organiser_id, region, created_at, updated_at)
SELECT gen_random_uuid(), 'Événement ' || i,
       TIMESTAMPTZ '2020-01-01 08:00:00+00' + (i % 3650) * INTERVAL '1 day' + (i % 12) * INTERVAL '1 hour',
       false, 'Europe/Paris', true,
       (ARRAY['["lycee"]', '["college", "lycee"]', '[]'])[i % 3 + 1]::jsonb, '[]'::jsonb,
       CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'scheduled' END,
       (ARRAY['partners', 'organisation', 'public', 'public', 'public'])[i % 5 + 1],
       o.id, COALESCE(o.region, 'ile_de_france'), now(), now()
FROM generate_series(0, $EVENTS - 1) AS i JOIN o ON o.k = i % (SELECT count(*) FROM o);
INSERT INTO actions (id, organisation_id, title, region, status, priority, audiences, tags, people_reached,
                     visibility, created_at, updated_at)
SELECT gen_random_uuid(), o.id, 'Action ' || i, o.region,
       (ARRAY['planned', 'in_progress', 'completed'])[i % 3 + 1], 'medium',
       (ARRAY['["lycee"]', '[]'])[i % 2 + 1]::jsonb, '[]'::jsonb,
       CASE WHEN i % 2 = 0 THEN 20 + i % 100 END, 'public',
       TIMESTAMPTZ '2020-01-01 08:00:00+00' + (i % 3650) * INTERVAL '1 day', now()
FROM generate_series(0, 9999) AS i JOIN o ON o.k = i % (SELECT count(*) FROM o);
INSERT INTO experience_reports (id, action_id, author, text, rating, people_reached, reported_on, created_at, updated_at)
SELECT gen_random_uuid(), a.id, 'Bench', 'Retour', 1 + n % 5, 10 + n % 40,
       DATE '2020-01-01' + (a.r % 3650)::int, now(), now()
FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM actions) AS a, generate_series(0, 1) AS n;
ANALYZE;
SQL
else
  python3 - "$WORK/data/passerelle.db" "$EVENTS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
db.executescript(f"""
CREATE TEMP TABLE o AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS k, id, region FROM organisations;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n} - 1)
INSERT INTO events (id, title, starts_at, all_day, timezone, open_to_public, audiences, tags, status, visibility,
                    organiser_id, region, created_at, updated_at)
SELECT randomblob(16), 'Événement ' || i,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01 08:00:00', '+' || (i % 3650) || ' days', '+' || (i % 12) || ' hours'),
       0, 'Europe/Paris', 1,
       CASE i % 3 WHEN 0 THEN '["lycee"]' WHEN 1 THEN '["college","lycee"]' ELSE '[]' END, '[]',
       CASE WHEN i % 50 = 0 THEN 'cancelled' ELSE 'scheduled' END,
       CASE i % 5 WHEN 0 THEN 'partners' WHEN 1 THEN 'organisation' ELSE 'public' END,
       o.id, COALESCE(o.region, 'ile_de_france'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM s JOIN o ON o.k = s.i % (SELECT count(*) FROM o);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 9999)
INSERT INTO actions (id, organisation_id, title, region, status, priority, audiences, tags, people_reached,
                     visibility, created_at, updated_at)
SELECT randomblob(16), o.id, 'Action ' || i, o.region,
       CASE i % 3 WHEN 0 THEN 'planned' WHEN 1 THEN 'in_progress' ELSE 'completed' END, 'medium',
       CASE i % 2 WHEN 0 THEN '["lycee"]' ELSE '[]' END, '[]',
       CASE WHEN i % 2 = 0 THEN 20 + i % 100 END, 'public',
       strftime('%Y-%m-%dT%H:%M:%S+00:00', '2020-01-01 08:00:00', '+' || (i % 3650) || ' days'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM s JOIN o ON o.k = s.i % (SELECT count(*) FROM o);
INSERT INTO experience_reports (id, action_id, author, text, rating, people_reached, reported_on, created_at, updated_at)
SELECT randomblob(16), a.id, 'Bench', 'Retour', 1 + n.v % 5, 10 + n.v % 40,
       date('2020-01-01', '+' || (a.r % 3650) || ' days'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
FROM (SELECT id, row_number() OVER (ORDER BY id) AS r FROM actions) AS a, (SELECT 0 AS v UNION ALL SELECT 1) AS n;
ANALYZE;
""")
db.commit()
PY
fi
echo "seeded $EVENTS events in $(( $(date +%s) - started )) s"

ADMIN_JSON=$($BIN user create --email bench-admin@example.org --role ADMIN --json)
PASSERELLE_LISTEN=127.0.0.1:$PORT $BIN serve >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

TOKEN=$(python3 - "$PORT" "$ADMIN_JSON" <<'PY'
import json, sys, urllib.request
port, created = sys.argv[1], json.loads(sys.argv[2])
def gql(query, variables, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
                                 headers={"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})})
    return json.load(urllib.request.urlopen(req))["data"]
t = gql("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        {"e": created["email"], "p": created["temporaryPassword"]})["login"]["token"]
gql("mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"a long bench passphrase\") { user { id } } }",
    {"c": created["temporaryPassword"]}, t)
print(t)
PY
)

# Median wall time of RUNS identical requests (the first is a warm-up and not counted).
time_of() {
  local auth=$1 body=$2 times=()
  curl -s -o /dev/null "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' ${auth:+-H "authorization: Bearer $auth"} -d "$body"
  for _ in $(seq 1 "$RUNS"); do
    times+=("$(curl -s -o "$WORK/answer.json" -w '%{time_total}' "http://127.0.0.1:$PORT/graphql" \
      -H 'content-type: application/json' ${auth:+-H "authorization: Bearer $auth"} -d "$body")")
  done
  grep -q '"errors"' "$WORK/answer.json" && { cat "$WORK/answer.json" >&2; exit 1; }
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

FIG='peopleReached actions events kitLoans loanDays experienceReports meanRating resources'
echo "| query | anonymous s | administrator s |"
echo "| --- | --- | --- |"
for q in \
  "totals|{ indicators { $FIG } }" \
  "by région|{ indicators(groupBy: [REGION]) { region $FIG } }" \
  "by month (120 months)|{ indicators(groupBy: [MONTH]) { year month $FIG } }" \
  "by audience|{ indicators(groupBy: [AUDIENCE]) { audience $FIG } }" \
  "one year, one région, by organisation|{ indicators(filter: { from: \\\"2025-01-01\\\", until: \\\"2025-12-31\\\", regions: [BOURGOGNE_FRANCHE_COMTE] }, groupBy: [ORGANISATION]) { organisation { name } $FIG } }"; do
  name=${q%%|*}; query=${q#*|}
  body="{\"query\":\"$query\"}"
  echo "| $name | $(time_of "" "$body") | $(time_of "$TOKEN" "$body") |"
done
