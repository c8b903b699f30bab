#!/usr/bin/env bash
# Usage: bench/search.sh [EVENTS] [RESOURCES]   (defaults: 100000 20000)
# Measures full-text search on a fresh SQLite database filled through the spreadsheet import
# (French titles and descriptions drawn from word lists, 40 cities, every région):
#   1. the outbox drain: a hub starts, its indexer indexes every imported record (documents/s);
#   2. `passerelle search reindex` (documents/s);
#   3. search latency through GraphQL over HTTP (p50, p99, mean) for a mix of queries:
#      typos, accents, filters, facets, date sort; one client, keep-alive, after a warm-up.
# Engine: the embedded index, or Meilisearch when MEILI_URL (and MEILI_MASTER_KEY) are set; on
# Meilisearch the same queries are also sent to Meilisearch directly, to give the hub's
# overhead. Env: REQUESTS (default 2000), PORT (default 5612).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-100000}
RESOURCES=${2:-20000}
REQUESTS=${REQUESTS:-2000}
PORT=${PORT:-5612}
WORK=$(mktemp -d)
HUB_PID=
cleanup() {
  kill $HUB_PID 2>/dev/null || true
  rm -rf "$WORK"
  # The benchmark's Meilisearch index.
  if [ -n "${MEILI_URL:-}" ]; then
    curl -s -X DELETE ${MEILI_MASTER_KEY:+-H "Authorization: Bearer $MEILI_MASTER_KEY"} \
      "$MEILI_URL/indexes/${PASSERELLE_SEARCH_INDEX_PREFIX}documents" >/dev/null || true
  fi
}
trap cleanup EXIT
cargo build --release --quiet
BIN=target/release/passerelle
export PASSERELLE_DATA_DIR=$WORK/data RUST_LOG=warn PASSERELLE_SEARCH_INDEX_PREFIX=bench_$$_
# One client sends thousands of anonymous searches: the per-address limit would answer most of them.
export PASSERELLE_RATE_LIMIT_ANONYMOUS=0
unset PASSERELLE_DATABASE_URL

python3 - "$WORK" "$EVENTS" "$RESOURCES" <<'PY'
import csv, os, random, sys
out, n_events, n_resources = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
cities = [("Besançon", "25", "bourgogne_franche_comte"), ("Dijon", "21", "bourgogne_franche_comte"),
          ("Belfort", "90", "bourgogne_franche_comte"), ("Lyon", "69", "auvergne_rhone_alpes"),
          ("Grenoble", "38", "auvergne_rhone_alpes"), ("Clermont-Ferrand", "63", "auvergne_rhone_alpes"),
          ("Rennes", "35", "bretagne"), ("Brest", "29", "bretagne"), ("Orléans", "45", "centre_val_de_loire"),
          ("Tours", "37", "centre_val_de_loire"), ("Ajaccio", "2A", "corse"), ("Strasbourg", "67", "grand_est"),
          ("Metz", "57", "grand_est"), ("Reims", "51", "grand_est"), ("Lille", "59", "hauts_de_france"),
          ("Amiens", "80", "hauts_de_france"), ("Paris", "75", "ile_de_france"), ("Versailles", "78", "ile_de_france"),
          ("Évry", "91", "ile_de_france"), ("Rouen", "76", "normandie"), ("Caen", "14", "normandie"),
          ("Bordeaux", "33", "nouvelle_aquitaine"), ("Poitiers", "86", "nouvelle_aquitaine"),
          ("Limoges", "87", "nouvelle_aquitaine"), ("Toulouse", "31", "occitanie"), ("Montpellier", "34", "occitanie"),
          ("Nîmes", "30", "occitanie"), ("Nantes", "44", "pays_de_la_loire"), ("Angers", "49", "pays_de_la_loire"),
          ("Le Mans", "72", "pays_de_la_loire"), ("Marseille", "13", "provence_alpes_cote_d_azur"),
          ("Nice", "06", "provence_alpes_cote_d_azur"), ("Toulon", "83", "provence_alpes_cote_d_azur"),
          ("Saint-Étienne", "42", "auvergne_rhone_alpes"), ("Mulhouse", "68", "grand_est"),
          ("Valenciennes", "59", "hauts_de_france"), ("Le Havre", "76", "normandie"), ("Pau", "64", "nouvelle_aquitaine"),
          ("Albi", "81", "occitanie"), ("Cholet", "49", "pays_de_la_loire")]
kinds = ["Forum", "Atelier", "Journée portes ouvertes", "Visite d'entreprise", "Conférence", "Salon",
         "Rencontre", "Semaine", "Challenge", "Stage de découverte"]
topics = ["des métiers de l'industrie", "du numérique", "de la mécanique", "de l'aéronautique",
          "de la robotique", "de l'électronique", "de la chimie", "de l'énergie", "du bâtiment",
          "de la soudure", "de la maintenance", "de l'automobile", "de la plasturgie", "des microtechniques",
          "de l'informatique", "de la logistique", "du ferroviaire", "de la métallurgie"]
places = ["au lycée", "au collège", "au CFA", "à l'IUT", "à l'école d'ingénieurs", "en entreprise", "au campus"]
venues = ["Lycée Victor Hugo", "Lycée Jules Haag", "Collège Pasteur", "Lycée Condorcet", "CFA de l'industrie",
          "IUT", "Campus des métiers", "Usine", "Technopôle", "Maison de l'emploi"]
sentences = ["Des ingénieures et des techniciennes présentent leur métier.",
             "Ateliers pratiques et démonstrations pour les collégiennes et les lycéennes.",
             "Rencontre avec des femmes qui travaillent dans l'industrie.",
             "Visite des ateliers de production et échanges avec les équipes.",
             "Découverte des formations et des débouchés, témoignages d'apprenties.",
             "Objectif : lutter contre les stéréotypes et encourager la féminisation des métiers.",
             "Inscription gratuite, ouverte aux parents et aux enseignants.",
             "Un parcours de découverte autour des machines et des robots."]
audiences = ["college", "lycee", "higher_education", "apprentices", "parents", "teachers", "general_public"]
headers = ["uid", "title", "description", "location_name", "address", "postal_code", "city", "departement",
           "region", "starts_at", "ends_at", "all_day", "timezone", "open_to_public", "url", "author", "organiser",
           "status", "visibility", "audiences", "tags"]
chunk = 20000
for part in range(0, n_events, chunk):
    with open(os.path.join(out, "events-%06d.csv" % part), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(headers)
        for i in range(part, min(part + chunk, n_events)):
            city, dep, region = rnd.choice(cities)
            day = 1 + i % 28
            month = 1 + (i // 28) % 12
            year = 2026 + (i // 336) % 3
            title = "%s %s %s de %s" % (rnd.choice(kinds), rnd.choice(topics), rnd.choice(places), city)
            desc = " ".join(rnd.sample(sentences, 3))
            w.writerow(["bench-event-%d" % i, title, desc, rnd.choice(venues), "%d rue de l'Industrie" % (1 + i % 90),
                        ("20" if dep == "2A" else dep) + "000", city, dep, region, "%04d-%02d-%02dT%02d:00:00+01:00" % (year, month, day, 8 + i % 10),
                        "", "false", "Europe/Paris", "true" if i % 3 else "false", "", "", "",
                        "scheduled", "public" if i % 5 else "partners",
                        ", ".join(rnd.sample(audiences, 2)), "industrie, orientation"])
rkinds = [("Vidéo", "video"), ("Guide", "guide"), ("Affiche", "poster"), ("Mallette", "teaching_kit"),
          ("Portrait", "portrait"), ("Brochure", "brochure"), ("Diaporama", "slide_deck"), ("Exposition", "exhibition")]
subjects = ["portrait d'une ingénieure", "les métiers de la mécanique", "féminisation des métiers",
            "témoignage d'une technicienne", "découverte de la robotique", "l'industrie du futur",
            "les femmes dans le numérique", "parcours d'une apprentie soudeuse", "orientation au collège",
            "les métiers de l'énergie", "mallette pédagogique sciences", "égalité filles-garçons"]
rheaders = ["uid", "title", "kind", "content", "description", "url", "author", "free_of_rights", "licence",
            "language", "audiences", "tags", "visibility"]
with open(os.path.join(out, "resources.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(rheaders)
    for i in range(n_resources):
        label, kind = rnd.choice(rkinds)
        subject = rnd.choice(subjects)
        w.writerow(["bench-resource-%d" % i, "%s : %s n°%d" % (label, subject, i), kind, "",
                    " ".join(rnd.sample(sentences, 2)), "https://example.org/r/%d" % i, "Réseau %d" % (i % 50),
                    "true" if i % 2 else "false", "", "fr", ", ".join(rnd.sample(audiences, 2)), "orientation",
                    "public" if i % 4 else "partners"])
PY

# The demo organisations own the records (loaded by a short `serve --demo` into the empty database).
PASSERELLE_LISTEN=127.0.0.1:0 PASSERELLE_SEARCH_INDEXER=false $BIN serve --demo >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
sleep 3
kill $HUB_PID 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
wait $HUB_PID 2>/dev/null || true
HUB_PID=
start=$(date +%s.%N)
for f in "$WORK"/events-*.csv; do
  $BIN import events "$f" --organisation cmq-msi-bfc --json >/dev/null
done
$BIN import resources "$WORK/resources.csv" --organisation elles-bougent --json >/dev/null
end=$(date +%s.%N)
pending=$($BIN search status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending"])')
echo "imported $EVENTS events + $RESOURCES resources in $(python3 -c "print(round($end-$start,1))") s; $pending outbox rows"

# 1. The outbox drained by a serving hub's indexer.
PASSERELLE_LISTEN=127.0.0.1:$PORT $BIN serve >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
start=$(date +%s.%N)
while :; do
  left=$($BIN search status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending"])')
  [ "$left" = 0 ] && break
  kill -0 $HUB_PID 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.5
done
end=$(date +%s.%N)
echo "outbox drain: $pending rows in $(python3 -c "print(round($end-$start,1))") s ($(python3 -c "print(round($pending/($end-$start)))") rows/s)"
kill $HUB_PID; wait $HUB_PID 2>/dev/null || true; HUB_PID=

# 2. A full rebuild.
/usr/bin/time -f "reindex peak memory: %M KiB" $BIN search reindex 2>&1 | grep -v '^\s*$'

# 3. Latency through the hub (and straight to Meilisearch when it is the engine).
PASSERELLE_LISTEN=127.0.0.1:$PORT $BIN serve >"$WORK/serve.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
python3 - "$PORT" "$REQUESTS" <<'PY'
import http.client, json, os, sys, time, urllib.parse
port, requests = int(sys.argv[1]), int(sys.argv[2])
QUERY = ("query($q: String!, $types: [SearchType!], $filter: SearchFilter, $facets: [SearchFacet!], $sort: SearchSort) "
         "{ search(query: $q, types: $types, filter: $filter, first: 20, facets: $facets, sort: $sort) "
         "{ edges { highlights { field snippet } node { __typename ... on Event { id title startsAt } "
         "... on Resource { id title kind } } } estimatedTotal degraded facets { facet values { value count } } } }")
mix = [
    ({"q": "forum métiers lycée Besançon"}, {"q": "forum métiers lycée Besançon", "filter": None, "sort": None}),
    ({"q": "ingenieur"}, {"q": "ingenieur"}),
    ({"q": "malette college"}, {"q": "malette college"}),
    ({"q": "feminisation"}, {"q": "feminisation"}),
    ({"q": "vidéo portrait ingénieure"}, {"q": "vidéo portrait ingénieure"}),
    ({"q": "robotique", "facets": ["TYPE", "REGION", "AUDIENCE"]},
     {"q": "robotique", "facets": ["type", "region", "audiences"]}),
    ({"q": "atelier numerique", "types": ["EVENT"], "filter": {"regions": ["OCCITANIE"], "upcoming": True}},
     {"q": "atelier numerique", "filter": "type IN [\"event\"] AND region IN [\"occitanie\"] AND startsAt >= %d"}),
    ({"q": "", "types": ["EVENT"], "filter": {"regions": ["BOURGOGNE_FRANCHE_COMTE"], "audiences": ["LYCEE"]}, "sort": "STARTS_AT_ASC"},
     {"q": "", "filter": "type IN [\"event\"] AND region IN [\"bourgogne_franche_comte\"] AND audiences IN [\"lycee\"]", "sort": ["startsAt:asc"]}),
    ({"q": "guide", "types": ["RESOURCE"], "filter": {"resourceKinds": ["GUIDE", "VIDEO"], "freeOfRights": True}, "facets": ["KIND"]},
     {"q": "guide", "filter": "type IN [\"resource\"] AND kind IN [\"guide\", \"video\"] AND freeOfRights = true", "facets": ["kind"]}),
    ({"q": "soudure apprentie"}, {"q": "soudure apprentie"}),
]

def measure(send, label):
    for i in range(50):
        send(i)
    times = []
    for i in range(requests):
        t = time.perf_counter()
        send(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print("%s: %d requests, p50 %.2f ms, p99 %.2f ms, mean %.2f ms" % (label, len(times), p(0.50), p(0.99), sum(times) / len(times)))
    return p(0.5), p(0.99)

hub = http.client.HTTPConnection("127.0.0.1", port)
engine = None
def send_hub(i):
    variables = dict(mix[i % len(mix)][0])
    body = json.dumps({"query": QUERY, "variables": variables})
    hub.request("POST", "/graphql", body, {"content-type": "application/json"})
    resp = json.loads(hub.getresponse().read())
    assert "errors" not in resp, resp
    global engine
    if engine is None:
        engine = "degraded" if resp["data"]["search"]["degraded"] else "ok"
hub_p = measure(send_hub, "hub (GraphQL over HTTP)")
if engine == "degraded":
    print("warning: the hub answered in degraded mode")
meili = os.environ.get("MEILI_URL")
if meili:
    u = urllib.parse.urlparse(meili)
    conn = http.client.HTTPConnection(u.hostname, u.port or 7700)
    headers = {"content-type": "application/json"}
    if os.environ.get("MEILI_MASTER_KEY"):
        headers["authorization"] = "Bearer " + os.environ["MEILI_MASTER_KEY"]
    index = os.environ["PASSERELLE_SEARCH_INDEX_PREFIX"] + "documents"
    now = int(time.time())
    def send_meili(i):
        m = dict(mix[i % len(mix)][1])
        body = {"q": m["q"], "limit": 20, "matchingStrategy": "all", "attributesToRetrieve": ["id"],
                "attributesToHighlight": ["title", "organisation", "place", "body"],
                "attributesToCrop": ["body:30"], "cropMarker": "…"}
        flt = m.get("filter")
        visibility = "visibility = \"public\""
        body["filter"] = (flt % now if flt and "%d" in flt else flt) + " AND " + visibility if flt else visibility
        if m.get("facets"): body["facets"] = m["facets"]
        if m.get("sort"): body["sort"] = m["sort"]
        conn.request("POST", "/indexes/%s/search" % index, json.dumps(body), headers)
        r = conn.getresponse()
        data = r.read()
        assert r.status == 200, data
    meili_p = measure(send_meili, "Meilisearch directly")
    print("hub overhead: p50 +%.2f ms, p99 +%.2f ms" % (hub_p[0] - meili_p[0], hub_p[1] - meili_p[1]))
PY
echo "hub resident memory after the load: $(ps -o rss= -p $HUB_PID) KiB"
