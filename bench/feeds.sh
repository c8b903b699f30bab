#!/usr/bin/env bash
# Usage: bench/feeds.sh [DATABASE_URL]
# Measures feed ingestion: a 10,000-event iCalendar feed and a feed of just under 10 MiB,
# served from 127.0.0.1, pulled with `passerelle feeds sync` under /usr/bin/time. For each
# feed: a first sync (every event created), then a re-sync of the same content (the file is
# touched so the server cannot answer 304; nothing changes). Prints wall time, events/s and
# peak resident memory. Default database: a fresh SQLite file; pass a PostgreSQL URL to use it
# (it must point at an empty database).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d)
PORT=${PORT:-5611}
SERVER_PID=
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cargo build --release --quiet
python3 - "$WORK" <<'PY'
import sys, os
out = sys.argv[1]
def vevent(i, desc):
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    return ("BEGIN:VEVENT\r\nUID:bench-%d@passerelle.test\r\nDTSTAMP:20260101T000000Z\r\n"
            "DTSTART;TZID=Europe/Paris:2027%02d%02dT%02d0000\r\nDURATION:PT2H\r\n"
            "SUMMARY:Forum des métiers de l'industrie n°%d\r\n"
            "LOCATION:Lycée Jules Haag\\, 1 rue Labbé\\, Besançon\r\n"
            "DESCRIPTION:%s\r\nCATEGORIES:industrie,orientation\r\nEND:VEVENT\r\n") % (i, month, day, 8 + i % 10, i, desc)
head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Passerelle bench//FR\r\n"
with open(os.path.join(out, "10k.ics"), "w") as f:
    f.write(head)
    for i in range(10000):
        f.write(vevent(i, "Rencontre avec des ingénieures et des techniciennes\\, ateliers et visites."))
    f.write("END:VCALENDAR\r\n")
# Just under the default 10 MiB limit: longer descriptions, as partners write them.
long = ("Présentation des métiers de la mécanique\\, de l'électronique et du numérique\\; "
        "témoignages de femmes ingénieures. ") * 6
with open(os.path.join(out, "10mib.ics"), "w") as f:
    f.write(head)
    i = 0
    while f.tell() < 10 * 1024 * 1024 - 4096:
        f.write(vevent(100000 + i, long))
        i += 1
    f.write("END:VCALENDAR\r\n")
PY
(cd "$WORK" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER_PID=$!
sleep 1
export PASSERELLE_DATA_DIR=$WORK/data PASSERELLE_FEEDS_ALLOW_HOSTS=127.0.0.1 RUST_LOG=warn
if [ -n "${1:-}" ]; then export PASSERELLE_DATABASE_URL=$1; else unset PASSERELLE_DATABASE_URL; fi
BIN=target/release/passerelle
# The demo organisations own the feeds (loaded by a short `serve --demo` into the empty database).
PASSERELLE_LISTEN=127.0.0.1:0 $BIN serve --demo >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
sleep 3
kill $HUB_PID 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
wait $HUB_PID 2>/dev/null || true
for feed in 10k.ics 10mib.ics; do
  size=$(stat -c %s "$WORK/$feed")
  id=$($BIN feeds add --organisation cmq-msi-bfc --name "$feed" --url "http://127.0.0.1:$PORT/$feed" --format ical --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for pass in first re-sync; do
    touch "$WORK/$feed"
    /usr/bin/time -f '%e %M' -o "$WORK/time" $BIN feeds sync "$id" --json > "$WORK/run.json"
    read -r secs kib < "$WORK/time"
    python3 - "$feed" "$size" "$pass" "$secs" "$kib" "$WORK/run.json" <<'PY'
import json, sys
feed, size, pass_, secs, kib, path = sys.argv[1:]
run = json.load(open(path))
n = run["itemsSeen"]
print(f"{feed:10} {int(size)/1048576:5.1f} MiB  {pass_:8} {n:6} events  created {run['created']:6} updated {run['updated']:3}  "
      f"{float(secs):6.2f} s  {n/float(secs):8.0f} events/s  peak RSS {int(kib)/1024:6.1f} MiB")
PY
  done
done
