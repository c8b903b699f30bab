#!/usr/bin/env python3
"""The soak load of bench/soak.sh: CONCURRENCY clients, each with its own account, send a mix
of reads, searches and writes for DURATION seconds, while one more client asks for feed syncs
and the hub's indexer drains the search outbox. The feeds are served here (a new version of
each calendar at every fetch, so every sync writes). Every answer is checked: an HTTP status
other than 200 or a body with `errors` is an error. The hub's resident memory is read from
/proc every 5 s.

Usage: soak.py BASE_URL HUB_PID TOKENS_FILE FEED_PORT DURATION CONCURRENCY
(TOKENS_FILE: one session token per line; the first one also syncs the feeds.)
Prints a Markdown report on stdout, and exits 1 when any request failed.
"""
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

base, hub_pid, tokens_file, feed_port, duration, concurrency = sys.argv[1:7]
hub_pid, feed_port, duration, concurrency = int(hub_pid), int(feed_port), int(duration), int(concurrency)
tokens = [t.strip() for t in open(tokens_file) if t.strip()]
assert len(tokens) >= concurrency, "one account per client"
parsed = urllib.parse.urlparse(base)
HOST, PORT = parsed.hostname, parsed.port

FEEDS = 4
FEED_EVENTS = 150
versions = [0] * FEEDS
versions_lock = threading.Lock()


class Feeds(BaseHTTPRequestHandler):
    """`/feed-N.ics`: FEED_EVENTS events; each fetch renames a tenth of them."""

    def do_GET(self):
        n = int(self.path.strip("/").removeprefix("feed-").removesuffix(".ics"))
        with versions_lock:
            versions[n] += 1
            v = versions[n]
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Passerelle soak//FR"]
        for i in range(FEED_EVENTS):
            rename = v if i % 10 == v % 10 else 0
            lines += [
                "BEGIN:VEVENT",
                f"UID:soak-{n}-{i}@passerelle.test",
                "DTSTAMP:20270101T000000Z",
                f"DTSTART;TZID=Europe/Paris:2027{1 + i % 12:02d}{1 + i % 28:02d}T{8 + i % 10:02d}0000",
                "DURATION:PT2H",
                f"SUMMARY:Atelier robotique et soudure n°{i} (version {rename})",
                "LOCATION:Lycée Jules Haag\\, Besançon",
                "DESCRIPTION:Des techniciennes et des ingénieures présentent leur métier.",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
        body = ("\r\n".join(lines) + "\r\n").encode()
        self.send_response(200)
        self.send_header("content-type", "text/calendar; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


feed_server = ThreadingHTTPServer(("127.0.0.1", feed_port), Feeds)
threading.Thread(target=feed_server.serve_forever, daemon=True).start()


class Client:
    def __init__(self, token):
        self.token = token
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)

    def gql(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}})
        headers = {"content-type": "application/json", "authorization": f"Bearer {self.token}"}
        for attempt in range(2):
            try:
                self.conn.request("POST", "/graphql", body, headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed between two requests: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
                if attempt:
                    raise
        answer = json.loads(raw)
        ok = resp.status == 200 and not answer.get("errors")
        return ok, resp.status, answer


def gql_data(token, query, variables=None):
    ok, status, answer = Client(token).gql(query, variables)
    if not ok:
        sys.exit(f"setup failed ({status}): {answer}")
    return answer["data"]


admin = tokens[0]
org_id = gql_data(admin, "query { organisations(first: 1) { nodes { id } } }")["organisations"]["nodes"][0]["id"]
feed_ids = []
for n in range(FEEDS):
    data = gql_data(
        admin,
        "mutation($input: CreateFeedInput!) { createFeed(input: $input) { feed { id } } }",
        {"input": {"organisationId": org_id, "name": f"Agenda soak {n}", "format": "ICAL",
                   "url": f"http://127.0.0.1:{feed_port}/feed-{n}.ics"}},
    )
    feed_ids.append(data["createFeed"]["feed"]["id"])

EVENTS_PAGE = """query SoakEvents($after: String) { events(first: 20, after: $after) {
  nodes { id title startsAt location { city } organiser { name } } pageInfo { endCursor hasNextPage } } }"""
ORGS_NESTED = """query SoakOrganisations { organisations(first: 10) {
  nodes { name slug events(first: 5) { nodes { title startsAt } } } } }"""
EVENT_BY_ID = "query SoakEvent($id: ID!) { event(id: $id) { id title description startsAt tags } }"
SEARCH = """query SoakSearch($q: String!) { search(query: $q, first: 10) {
  estimatedTotal nodes { __typename ... on Event { title } ... on Resource { title } } } }"""
CREATE = "mutation SoakCreate($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }"
UPDATE = "mutation SoakUpdate($id: ID!, $input: UpdateEventInput!) { updateEvent(id: $id, input: $input) { event { id } } }"
DELETE = "mutation SoakDelete($id: ID!) { deleteEvent(id: $id) { deletedId } }"
SYNC = "mutation SoakSync($id: ID!) { syncFeed(id: $id) { run { outcome error } } }"
WORDS = ["robotique", "soudure", "ingénieure", "ingenieure", "mécanique", "mecanique", "numérique",
         "lycée", "collège", "aéronautique", "electronique", "féminisation", "métiers", "atelier",
         "industrie", "techniciennes", "robotiqe", "souduer"]

MIX = [("events page", 30), ("organisations nested", 10), ("event by id", 15), ("search", 15),
       ("create event", 15), ("update event", 10), ("delete event", 5)]
OPS = [name for name, weight in MIX for _ in range(weight)]

stats = {name: [] for name, _ in MIX}
stats["sync feed"] = []
errors = {name: 0 for name in stats}
error_samples = []
lock = threading.Lock()
deadline = time.time() + duration
started = time.time()


timeline = []  # (second since the start, ms) of every request


def record(name, ms, ok, status, answer):
    with lock:
        stats[name].append(ms)
        timeline.append((time.time() - started, ms))
        if not ok:
            errors[name] += 1
            if len(error_samples) < 10:
                error_samples.append((name, status, json.dumps(answer)[:400]))


def worker(index):
    rnd = random.Random(index)
    client = Client(tokens[index])
    mine, cursor = [], None
    while time.time() < deadline:
        op = rnd.choice(OPS)
        if op in ("event by id", "update event", "delete event") and not mine:
            op = "create event"
        t0 = time.perf_counter()
        if op == "events page":
            ok, status, answer = client.gql(EVENTS_PAGE, {"after": cursor})
            page = (answer.get("data") or {}).get("events") or {}
            info = page.get("pageInfo") or {}
            cursor = info.get("endCursor") if info.get("hasNextPage") and rnd.random() < 0.8 else None
        elif op == "organisations nested":
            ok, status, answer = client.gql(ORGS_NESTED)
        elif op == "event by id":
            ok, status, answer = client.gql(EVENT_BY_ID, {"id": rnd.choice(mine)})
            ok = ok and answer["data"]["event"] is not None
        elif op == "search":
            q = " ".join(rnd.sample(WORDS, rnd.choice([1, 1, 2])))
            ok, status, answer = client.gql(SEARCH, {"q": q})
        elif op == "create event":
            day = 1 + rnd.randrange(28)
            ok, status, answer = client.gql(CREATE, {"input": {
                "title": f"Forum des métiers n°{index}-{len(mine)}",
                "description": "Rencontre avec des ingénieures et des techniciennes de l'industrie.",
                "startsAt": f"2027-{1 + rnd.randrange(12):02d}-{day:02d}T09:00:00Z",
                "organiserId": org_id, "tags": ["industrie", "soak"], "audiences": ["LYCEE"]}})
            if ok:
                mine.append(answer["data"]["createEvent"]["event"]["id"])
        elif op == "update event":
            ok, status, answer = client.gql(UPDATE, {"id": rnd.choice(mine), "input": {
                "title": f"Atelier robotique n°{index}-{rnd.randrange(10**6)}"}})
        else:
            ok, status, answer = client.gql(DELETE, {"id": mine.pop(rnd.randrange(len(mine)))})
        record(op, (time.perf_counter() - t0) * 1000, ok, status, answer)


def syncer():
    client = Client(admin)
    n = 0
    while time.time() < deadline:
        t0 = time.perf_counter()
        ok, status, answer = client.gql(SYNC, {"id": feed_ids[n % FEEDS]})
        run = ((answer.get("data") or {}).get("syncFeed") or {}).get("run") or {}
        ok = ok and run.get("outcome") in ("SUCCESS", "RUNNING") and not run.get("error")
        record("sync feed", (time.perf_counter() - t0) * 1000, ok, status, answer)
        n += 1
        time.sleep(5)


def rss_kib():
    fields = {}
    for line in open(f"/proc/{hub_pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields


memory = []


def sampler():
    while time.time() < deadline:
        memory.append((time.time() - started, rss_kib()))
        time.sleep(5)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
threads += [threading.Thread(target=syncer), threading.Thread(target=sampler)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - started
memory.append((elapsed, rss_kib()))


def outbox():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    for line in text.splitlines():
        if line.startswith("passerelle_search_outbox_rows"):
            return float(line.rsplit(" ", 1)[1])
    return float("nan")


left = outbox()
drain_started = time.time()
while left > 0 and time.time() - drain_started < 60:
    time.sleep(1)
    left = outbox()

total = sum(len(v) for v in stats.values())
failed = sum(errors.values())
print(f"| operation | requests | errors | p50 ms | p99 ms |")
print(f"| --- | --- | --- | --- | --- |")
for name, times in stats.items():
    if not times:
        continue
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"| {name} | {len(times)} | {errors[name]} | {statistics.median(times):.2f} | {p99:.2f} |")
print(f"| **all** | **{total}** | **{failed}** | | |")
print()
# The indexer's writer takes and gives back up to 50 MB per batch, so one reading can be off by
# that much: each minute is the mean of its readings (every 5 s), minute 1 = 30–90 s, minute 5 =
# the last minute of the run.
def mean_of(start, end, key):
    window = [m.get(key, 0) for s, m in memory if start <= s < end] or [memory[-1][1].get(key, 0)]
    return sum(window) / len(window) / 1024


last = max(elapsed - 60, 90)
one = {k: mean_of(30, 90, k) for k in ("VmRSS", "RssAnon", "RssFile")}
five = {k: mean_of(last, elapsed + 1, k) for k in ("VmRSS", "RssAnon", "RssFile")}
growth = (five["VmRSS"] - one["VmRSS"]) / one["VmRSS"] * 100
peak = max(m["VmRSS"] for _, m in memory) / 1024
print(f"- {total / elapsed:.0f} requests/s over {elapsed:.0f} s, concurrency {concurrency} "
      f"(+1 client asking for a feed sync every 5 s); {failed} errors.")
print(f"- Resident memory (VmRSS, mean of each minute's readings): {one['VmRSS']:.1f} MiB in minute 1, "
      f"{five['VmRSS']:.1f} MiB in the last minute: {growth:+.1f} % (anonymous {one['RssAnon']:.1f} → "
      f"{five['RssAnon']:.1f} MiB, file-backed {one['RssFile']:.1f} → {five['RssFile']:.1f} MiB); peak {peak:.1f} MiB.")
print(f"- Search outbox after the load: {left:.0f} rows waiting ({time.time() - drain_started:.0f} s after the end).")
minutes = []
for m in range(int(elapsed // 60) + 1):
    window = sorted(ms for t, ms in timeline if m * 60 <= t < (m + 1) * 60)
    if len(window) > 100:
        rss = [r["VmRSS"] for t, r in memory if m * 60 <= t < (m + 1) * 60]
        rss = f", {sum(rss) / len(rss) / 1024:.0f} MiB" if rss else ""
        minutes.append(f"{m + 1}: {len(window) / 60:.0f} req/s, p99 {window[int(len(window) * 0.99)]:.0f} ms{rss}")
print("- Each minute: " + "; ".join(minutes))
for sample in error_samples:
    print(f"  - error sample: {sample}", file=sys.stderr)
sys.exit(1 if failed or growth >= 10 else 0)
