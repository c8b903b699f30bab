#!/usr/bin/env bash
# Usage: bench/sqlite-copy.sh POSTGRES_URL SQLITE_FILE
# Copies the benchmark rows (Passerelle's organisations, events and resources in schema
# `public` of POSTGRES_URL, as bench/prepare.sh leaves them) into a fresh SQLite database made
# by `passerelle migrate`, in the encodings the hub writes there (sqlx's: ids as 16-byte blobs,
# times as RFC 3339 text, booleans as integers, JSON as text), so that the SQLite figures of
# bench/run.sh answer from the same rows.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${1:?postgres url}
FILE=${2:?sqlite file}
rm -f "$FILE" "$FILE-wal" "$FILE-shm"
PASSERELLE_DATABASE_URL="sqlite://$FILE" PASSERELLE_DATA_DIR="$(dirname "$FILE")" target/release/passerelle migrate >&2
for table in organisations events resources; do
  psql -X -q -tA -c "select row_to_json(t) from public.$table t" "$PG" >"$FILE.$table.jsonl"
  psql -X -q -tA -F ' ' -c "select column_name, data_type from information_schema.columns
    where table_schema = 'public' and table_name = '$table'" "$PG" >"$FILE.$table.types"
done
python3 - "$FILE" <<'PY'
import datetime, json, sqlite3, sys

path = sys.argv[1]
db = sqlite3.connect(path)
db.execute("PRAGMA foreign_keys = OFF")


def rfc3339(text):
    # chrono's to_rfc3339_opts(AutoSi, false), as sqlx writes DateTime<Utc> into SQLite.
    t = datetime.datetime.fromisoformat(text).astimezone(datetime.timezone.utc)
    frac = "" if t.microsecond == 0 else (f".{t.microsecond // 1000:03d}" if t.microsecond % 1000 == 0 else f".{t.microsecond:06d}")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "+00:00"


def convert(kind):
    if kind == "uuid":
        return lambda v: bytes.fromhex(v.replace("-", ""))
    if kind.startswith("timestamp"):
        return rfc3339
    if kind == "boolean":
        return int
    if kind in ("json", "jsonb"):
        return lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return lambda v: v


for table in ("organisations", "events", "resources"):
    types = dict(line.split(" ", 1) for line in open(f"{path}.{table}.types").read().splitlines() if line)
    columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    conv = {c: convert(types[c]) for c in columns}
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    rows = []
    with open(f"{path}.{table}.jsonl") as f:
        for line in f:
            r = json.loads(line)
            rows.append([None if r[c] is None else conv[c](r[c]) for c in columns])
            if len(rows) == 20000:
                db.executemany(sql, rows)
                rows = []
    db.executemany(sql, rows)
    db.commit()
    print(f"{table}: {db.execute(f'SELECT count(*) FROM {table}').fetchone()[0]} rows", file=sys.stderr)
db.execute("ANALYZE")
db.commit()
PY
rm -f "$FILE".*.jsonl "$FILE".*.types
