#!/usr/bin/env bash
# Usage: bench/prepare.sh
# Makes the benchmark database ready, for bench/run.sh and bench/profile.sh: PostgreSQL up, the
# PostGraphile peer's seed in schema `hub` of peer_bench (SEED_EVENTS events, default 100,000;
# reseeded when the size differs), the release build, `passerelle migrate` in schema `public`
# of the same database, and the peer's rows copied into Passerelle's tables (same ids).
# Prints nothing on stdout. Env: TOOLS (default ../shared/tools), SEED_EVENTS, BUILD (1).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=${TOOLS:-$(cd ../shared/tools && pwd)}
export SEED_EVENTS=${SEED_EVENTS:-100000}
DB_URL=postgres://hub:hub@127.0.0.1:5432/peer_bench
# The peer owns schema `hub` (first on role hub's search path); Passerelle keeps its tables in `public`.
# sslmode=disable: the peers (node-postgres) talk to the local server in clear too.
HUB_DB_URL="$DB_URL?sslmode=disable&options=-c%20search_path%3Dpublic"

"$TOOLS/peer-postgraphile/setup.sh" >&2
# BUILD=0: measure the release binary as it is (say, while the sources change).
[ "${BUILD:-1}" = 0 ] || cargo build --release --quiet
PASSERELLE_DATABASE_URL=$HUB_DB_URL target/release/passerelle migrate >&2
have=$(psql -X -tA -c "select count(*) from public.events" "$DB_URL")
want=$(psql -X -tA -c "select count(*) from hub.events" "$DB_URL")
if [ "$have" != "$want" ]; then
  psql -X -q -v ON_ERROR_STOP=1 -f bench/load-peer-data.sql "$DB_URL" >&2
  psql -X -q -c "VACUUM ANALYZE" "$DB_URL" >&2
fi
