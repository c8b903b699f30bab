//! Full-text search through the real server: the shared conformance suite (the same fixture,
//! queries, hits and facets on every engine), the outbox through outages, reindex and check.
//!
//! The embedded engine runs everywhere, on SQLite and on PostgreSQL. The Meilisearch half runs
//! when `MEILI_URL` (and `MEILI_MASTER_KEY`) point at a running server, each test in indexes of
//! its own prefix, deleted afterwards; otherwise it prints that it was skipped.

use std::collections::BTreeSet;
use std::time::Duration;

use passerelle::config::SearchSettings;
use passerelle::search::Backend;
use serde_json::{Value, json};

use crate::common::{self, TestApp};

const SEARCH: &str = "query($q: String!, $types: [SearchType!], $filter: SearchFilter, $first: Int, $after: String, \
    $facets: [SearchFacet!], $sort: SearchSort) { \
    search(query: $q, types: $types, filter: $filter, first: $first, after: $after, facets: $facets, sort: $sort) { \
      edges { cursor highlights { field snippet } node { __typename \
        ... on Event { id title } ... on Resource { id title } ... on Organisation { id name } \
        ... on Contact { id firstName lastName email phone } ... on Action { id title } } } \
      pageInfo { hasNextPage hasPreviousPage endCursor } estimatedTotal degraded \
      facets { facet values { value count } } } }";

/// The Meilisearch settings of one test, when `MEILI_URL` is set: indexes under a prefix of
/// its own. Prints the reason when it is not.
fn meili_settings(test: &str) -> Option<SearchSettings> {
    let Ok(url) = std::env::var("MEILI_URL") else {
        eprintln!("{test}: Meilisearch half skipped: MEILI_URL is not set (see README, Search)");
        return None;
    };
    Some(SearchSettings {
        meili_url: Some(url),
        meili_key: std::env::var("MEILI_MASTER_KEY").ok(),
        index_prefix: format!("t{}_", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        ..common::search_settings()
    })
}

/// Deletes a test's Meilisearch indexes.
async fn drop_meili_indexes(settings: &SearchSettings) {
    let (Some(url), prefix) = (&settings.meili_url, &settings.index_prefix) else {
        return;
    };
    for suffix in ["documents", "documents_rebuild"] {
        let mut req = reqwest::Client::new().delete(format!("{}/indexes/{prefix}{suffix}", url.trim_end_matches('/')));
        if let Some(key) = &settings.meili_key {
            req = req.bearer_auth(key);
        }
        let _ = req.send().await;
    }
}

/// Hubs on every engine and database available: embedded on SQLite and PostgreSQL, and
/// Meilisearch (on SQLite) when configured.
async fn engines(test: &str) -> Vec<(TestApp, Option<SearchSettings>)> {
    let mut apps = vec![(common::sqlite_app(false).await, None)];
    if let Some(pg) = common::postgres_app(false).await {
        apps.push((pg, None));
    }
    if let Some(settings) = meili_settings(test) {
        apps.push((common::sqlite_app_with(false, settings.clone()).await, Some(settings)));
    }
    apps
}

async fn finish(app: TestApp, meili: Option<SearchSettings>) {
    app.stop().await;
    if let Some(settings) = meili {
        drop_meili_indexes(&settings).await;
    }
}

async fn search_as(app: &TestApp, token: Option<&str>, vars: Value) -> Value {
    let body = app.gql_as(token, SEARCH, vars).await;
    assert!(body.get("errors").is_none(), "[{}] {body:#}", app.backend);
    body["data"]["search"].clone()
}

/// The display names of a result page, in order.
fn names(result: &Value) -> Vec<String> {
    result["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let n = &e["node"];
            match n["__typename"].as_str() {
                Some("Organisation") => n["name"].as_str().unwrap_or_default().to_string(),
                Some("Contact") => format!(
                    "{} {}",
                    n["firstName"].as_str().unwrap_or_default(),
                    n["lastName"].as_str().unwrap_or_default()
                ),
                _ => n["title"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn facet(result: &Value, name: &str) -> Vec<(String, i64)> {
    result["facets"]
        .as_array()
        .expect("facets")
        .iter()
        .find(|f| f["facet"] == name)
        .map(|f| {
            f["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| {
                    (
                        v["value"].as_str().unwrap_or_default().to_string(),
                        v["count"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

struct Fixture {
    org_a: String,
    org_b: String,
    mallette: String,
    claire: String,
    member_a: String,
    member_b: String,
}

async fn create(app: &TestApp, mutation: &str, input_type: &str, input: Value) -> String {
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ record: {} {{ id }} }} }}",
        { mutation.trim_start_matches("create").to_lowercase() }
    );
    let data = app.data(&query, json!({ "input": input })).await;
    data[mutation]["record"]["id"].as_str().expect("an id").to_string()
}

/// The conformance fixture, written through GraphQL and indexed.
async fn fixture(app: &TestApp) -> Fixture {
    let org_a = common::organisation(
        app,
        "elles-bougent",
        "Elles Bougent",
        json!({ "region": "ILE_DE_FRANCE", "city": "Paris" }),
    )
    .await;
    let org_b = common::organisation(
        app,
        "cmq-industrie-bfc",
        "CMQ Industrie du futur",
        json!({ "kind": "CMQ", "region": "BOURGOGNE_FRANCHE_COMTE", "city": "Besançon", "departement": "25" }),
    )
    .await;
    let resource =
        |kind: &str, title: &str, description: &str, free: bool, org: &str, visibility: &str, audience: &str| {
            json!({ "kind": kind, "title": title, "description": description, "freeOfRights": free,
                "organisationId": org, "visibility": visibility, "audiences": [audience], "tags": ["industrie"] })
        };
    for input in [
        resource(
            "VIDEO",
            "Vidéo portrait d'une ingénieure en aéronautique",
            "Une ingénieure raconte son parcours et son métier.",
            true,
            &org_a,
            "PUBLIC",
            "LYCEE",
        ),
        resource(
            "GUIDE",
            "Guide de la féminisation des métiers",
            "Écrire les noms de métiers au féminin.",
            false,
            &org_b,
            "PUBLIC",
            "TEACHERS",
        ),
        resource(
            "POSTER",
            "Affiche des métiers de la soudure",
            "Une affiche pour les couloirs des lycées.",
            true,
            &org_a,
            "PARTNERS",
            "LYCEE",
        ),
        resource(
            "OTHER",
            "Compte rendu interne soudure",
            "Notes de l'équipe.",
            false,
            &org_a,
            "ORGANISATION",
            "TEACHERS",
        ),
    ] {
        create(app, "createResource", "CreateResourceInput", input).await;
    }
    let mallette = create(
        app,
        "createResource",
        "CreateResourceInput",
        resource(
            "TEACHING_KIT",
            "Mallette pédagogique collège",
            "Une mallette d'activités pour découvrir l'industrie au collège.",
            true,
            &org_b,
            "PUBLIC",
            "COLLEGE",
        ),
    )
    .await;
    let day = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339();
    for (title, days, city, dep, region, org, audience, public) in [
        (
            "Forum des métiers de l'industrie",
            10,
            "Besançon",
            "25",
            "BOURGOGNE_FRANCHE_COMTE",
            &org_b,
            "LYCEE",
            true,
        ),
        (
            "Journée portes ouvertes usine",
            20,
            "Dijon",
            "21",
            "BOURGOGNE_FRANCHE_COMTE",
            &org_b,
            "COLLEGE",
            false,
        ),
        (
            "Forum ingénieures et numérique",
            -30,
            "Paris",
            "75",
            "ILE_DE_FRANCE",
            &org_a,
            "HIGHER_EDUCATION",
            true,
        ),
    ] {
        let venue = if city == "Besançon" {
            Some("Lycée Victor Hugo")
        } else {
            None
        };
        common::event(
            app,
            json!({ "title": title, "startsAt": day(days), "openToPublic": public, "organiserId": org,
                    "audiences": [audience],
                    "location": { "name": venue, "city": city, "departement": dep, "region": region } }),
        )
        .await;
    }
    let claire = create(
        app,
        "createContact",
        "CreateContactInput",
        json!({ "firstName": "Claire", "lastName": "Martin", "jobTitle": "Ingénieure procédés",
                "email": "claire.martin@example.org", "phone": "+33 6 12 34 56 78", "notes": "préfère le téléphone",
                "organisationId": org_b, "city": "Besançon", "region": "BOURGOGNE_FRANCHE_COMTE", "visibility": "PARTNERS" }),
    )
    .await;
    create(
        app,
        "createAction",
        "CreateActionInput",
        json!({ "organisationId": org_a, "title": "Mentorat de lycéennes en soudure",
                "summary": "Des ingénieures accompagnent des lycéennes.", "status": "IN_PROGRESS",
                "priority": "HIGH", "visibility": "PUBLIC" }),
    )
    .await;
    let member_a = app
        .account("member-a@example.org", entity::Role::Member, Some(&org_a))
        .await;
    let member_b = app
        .account("member-b@example.org", entity::Role::Member, Some(&org_b))
        .await;
    app.index().await;
    Fixture {
        org_a,
        org_b,
        mallette,
        claire,
        member_a,
        member_b,
    }
}

/// The shared conformance suite: the same fixture, queries and expected hits and facets.
async fn conformance(app: &TestApp) {
    let f = fixture(app).await;
    let admin = Some(app.admin_token.as_str());
    let tag = app.backend;

    // Typos and accents.
    let r = search_as(app, None, json!({ "q": "feminisation" })).await;
    assert_eq!(names(&r), ["Guide de la féminisation des métiers"], "[{tag}] {r:#}");
    assert_eq!(r["degraded"], false);
    let r = search_as(app, admin, json!({ "q": "ingenieur" })).await;
    let found = names(&r);
    assert_eq!(
        found.iter().take(2).cloned().collect::<BTreeSet<_>>(),
        set(&[
            "Vidéo portrait d'une ingénieure en aéronautique",
            "Forum ingénieures et numérique"
        ]),
        "[{tag}] title matches rank first: {found:?}"
    );
    assert_eq!(
        found.iter().cloned().collect::<BTreeSet<_>>(),
        set(&[
            "Vidéo portrait d'une ingénieure en aéronautique",
            "Forum ingénieures et numérique",
            "Claire Martin",
            "Mentorat de lycéennes en soudure"
        ]),
        "[{tag}]"
    );
    let r = search_as(app, None, json!({ "q": "malette" })).await;
    assert_eq!(names(&r), ["Mallette pédagogique collège"], "[{tag}]");
    let title = &r["edges"][0]["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .find(|h| h["field"] == "title")
        .expect("a title highlight")["snippet"];
    assert_eq!(title, "<mark>Mallette</mark> pédagogique collège", "[{tag}]");
    let r = search_as(app, None, json!({ "q": "mallette pour le collège" })).await;
    assert_eq!(names(&r), ["Mallette pédagogique collège"], "[{tag}] stop words");
    let r = search_as(app, None, json!({ "q": "vidéo portrait ingénieure" })).await;
    assert_eq!(
        names(&r).first().map(String::as_str),
        Some("Vidéo portrait d'une ingénieure en aéronautique"),
        "[{tag}]"
    );
    let r = search_as(app, None, json!({ "q": "forum métiers lycée Besançon" })).await;
    assert_eq!(names(&r), ["Forum des métiers de l'industrie"], "[{tag}]");
    assert_eq!(r["estimatedTotal"], 1);

    // Upcoming events of a région, by date either way; by audience.
    let upcoming = json!({ "regions": ["BOURGOGNE_FRANCHE_COMTE"], "upcoming": true });
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["EVENT"], "filter": upcoming, "sort": "STARTS_AT_ASC" }),
    )
    .await;
    assert_eq!(
        names(&r),
        ["Forum des métiers de l'industrie", "Journée portes ouvertes usine"],
        "[{tag}]"
    );
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["EVENT"], "filter": upcoming, "sort": "STARTS_AT_DESC" }),
    )
    .await;
    assert_eq!(
        names(&r),
        ["Journée portes ouvertes usine", "Forum des métiers de l'industrie"],
        "[{tag}]"
    );
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["EVENT"], "filter": { "audiences": ["COLLEGE"] } }),
    )
    .await;
    assert_eq!(names(&r), ["Journée portes ouvertes usine"], "[{tag}]");
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["EVENT"], "filter": { "startsBefore": chrono::Utc::now().to_rfc3339() } }),
    )
    .await;
    assert_eq!(names(&r), ["Forum ingénieures et numérique"], "[{tag}] past events");
    let r = search_as(
        app,
        None,
        json!({ "q": "forum", "filter": { "openToPublic": true, "departements": ["25"] } }),
    )
    .await;
    assert_eq!(names(&r), ["Forum des métiers de l'industrie"], "[{tag}]");

    // Resources by kind and free of rights; facets.
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["RESOURCE"], "filter": { "resourceKinds": ["VIDEO", "TEACHING_KIT", "GUIDE"], "freeOfRights": true } }),
    )
    .await;
    assert_eq!(
        names(&r).into_iter().collect::<BTreeSet<_>>(),
        set(&[
            "Vidéo portrait d'une ingénieure en aéronautique",
            "Mallette pédagogique collège"
        ]),
        "[{tag}]"
    );
    let r = search_as(
        app,
        None,
        json!({ "q": "", "types": ["RESOURCE"], "facets": ["KIND", "FREE_OF_RIGHTS", "AUDIENCE"] }),
    )
    .await;
    let one = |v: &str| (v.to_string(), 1);
    assert_eq!(
        facet(&r, "KIND"),
        vec![one("GUIDE"), one("TEACHING_KIT"), one("VIDEO")],
        "[{tag}] anonymous callers count only public resources"
    );
    assert_eq!(
        facet(&r, "FREE_OF_RIGHTS"),
        vec![("true".to_string(), 2), ("false".to_string(), 1)],
        "[{tag}]"
    );
    assert_eq!(
        facet(&r, "AUDIENCE"),
        vec![one("COLLEGE"), one("LYCEE"), one("TEACHERS")],
        "[{tag}]"
    );
    let r = search_as(
        app,
        admin,
        json!({ "q": "", "types": ["RESOURCE"], "facets": ["KIND"] }),
    )
    .await;
    assert_eq!(
        facet(&r, "KIND"),
        vec![
            one("GUIDE"),
            one("OTHER"),
            one("POSTER"),
            one("TEACHING_KIT"),
            one("VIDEO")
        ],
        "[{tag}]"
    );
    let r = search_as(
        app,
        admin,
        json!({ "q": "industrie", "facets": ["TYPE", "REGION", "ORGANISATION"] }),
    )
    .await;
    assert_eq!(
        facet(&r, "TYPE"),
        vec![
            ("RESOURCE".to_string(), 5),
            ("EVENT".to_string(), 2),
            one("CONTACT"),
            one("ORGANISATION")
        ],
        "[{tag}] tags, titles and the organisation's name match: {r:#}"
    );
    assert_eq!(
        facet(&r, "ORGANISATION"),
        vec![(f.org_b.clone(), 6), (f.org_a.clone(), 3)],
        "[{tag}]"
    );
    assert_eq!(
        facet(&r, "REGION"),
        vec![("BOURGOGNE_FRANCHE_COMTE".to_string(), 4)],
        "[{tag}] the région of events, organisations and contacts: {r:#}"
    );

    // Pages: every resource once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let r = search_as(
            app,
            admin,
            json!({ "q": "", "types": ["RESOURCE"], "first": 2, "after": after }),
        )
        .await;
        seen.extend(names(&r));
        assert_eq!(r["estimatedTotal"], 5, "[{tag}]");
        if r["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = r["pageInfo"]["endCursor"].clone();
        assert!(seen.len() < 10, "[{tag}] pages end");
    }
    assert_eq!(seen.len(), 5, "[{tag}] {seen:?}");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 5, "[{tag}] no duplicates");

    // Visibility per role.
    let visible: [(Option<&str>, &[&str]); 3] = [
        (None, &["Mentorat de lycéennes en soudure"]),
        (
            Some(&f.member_b),
            &["Mentorat de lycéennes en soudure", "Affiche des métiers de la soudure"],
        ),
        (
            Some(&f.member_a),
            &[
                "Mentorat de lycéennes en soudure",
                "Affiche des métiers de la soudure",
                "Compte rendu interne soudure",
            ],
        ),
    ];
    for (token, titles) in visible {
        let r = search_as(app, token, json!({ "q": "soudure" })).await;
        assert_eq!(
            names(&r).into_iter().collect::<BTreeSet<_>>(),
            set(titles),
            "[{tag}] {r:#}"
        );
    }
    let r = search_as(app, None, json!({ "q": "Claire Martin" })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] a partners' contact is hidden");
    let r = search_as(app, Some(&f.member_a), json!({ "q": "Claire Martin" })).await;
    assert_eq!(names(&r), ["Claire Martin"], "[{tag}]");
    let text = r.to_string();
    assert!(
        !text.contains("<mark>claire.martin"),
        "[{tag}] the e-mail is not in a snippet"
    );
    for q in ["claire.martin@example.org", "12 34 56 78", "téléphone"] {
        let r = search_as(app, admin, json!({ "q": q, "types": ["CONTACT"] })).await;
        assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] {q} is not indexed");
    }

    // Deletion, contact erasure, and a renamed organisation.
    app.data(
        "mutation($id: ID!) { deleteResource(id: $id) { deletedId } }",
        json!({ "id": f.mallette }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }",
        json!({ "id": f.claire }),
    )
    .await;
    app.data(
        "mutation($id: ID!) { updateOrganisation(id: $id, input: { name: \"Campus Bourgogne Franche-Comté\" }) { organisation { id } } }",
        json!({ "id": f.org_b }),
    )
    .await;
    app.index().await;
    let r = search_as(app, None, json!({ "q": "malette" })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] a deleted resource leaves");
    let r = search_as(app, admin, json!({ "q": "Claire Martin" })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] an erased contact leaves");
    let r = search_as(
        app,
        None,
        json!({ "q": "campus bourgogne", "types": ["EVENT", "RESOURCE"] }),
    )
    .await;
    assert_eq!(
        names(&r).into_iter().collect::<BTreeSet<_>>(),
        set(&[
            "Forum des métiers de l'industrie",
            "Journée portes ouvertes usine",
            "Guide de la féminisation des métiers"
        ]),
        "[{tag}] records embedding the renamed organisation are reindexed"
    );
    let r = search_as(app, None, json!({ "q": "CMQ Industrie du futur" })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] the old name is gone");
}

#[tokio::test]
async fn every_engine_passes_the_conformance_suite() {
    for (app, meili) in engines("every_engine_passes_the_conformance_suite").await {
        conformance(&app).await;
        finish(app, meili).await;
    }
}

/// A search reads its hits with only the columns its selection shows: a selection that shows
/// the long texts, the place and the organiser gets them, one that shows titles gets those.
#[tokio::test]
async fn search_hits_show_every_field_their_selection_asks_for() {
    const WIDE: &str = "query($q: String!) { search(query: $q) { nodes { __typename \
        ... on Event { title description openToPublic location { name city departement region } \
          organiser { name } } \
        ... on Resource { title description freeOfRights } } } }";
    for (app, meili) in engines("search_hits_show_every_field_their_selection_asks_for").await {
        fixture(&app).await;
        let body = app
            .gql_as(None, WIDE, json!({ "q": "Forum des métiers de l'industrie" }))
            .await;
        assert!(body.get("errors").is_none(), "[{}] {body:#}", app.backend);
        let nodes = body["data"]["search"]["nodes"].as_array().expect("nodes").clone();
        let forum = nodes
            .iter()
            .find(|n| n["title"] == "Forum des métiers de l'industrie")
            .unwrap_or_else(|| panic!("[{}] the forum is found: {body:#}", app.backend));
        assert_eq!(forum["openToPublic"], true, "[{}] {forum:#}", app.backend);
        assert_eq!(
            forum["location"],
            json!({ "name": "Lycée Victor Hugo", "city": "Besançon", "departement": "25",
                    "region": "BOURGOGNE_FRANCHE_COMTE" }),
            "[{}]",
            app.backend
        );
        assert_eq!(
            forum["organiser"]["name"], "CMQ Industrie du futur",
            "[{}]",
            app.backend
        );
        let body = app.gql_as(None, WIDE, json!({ "q": "portrait ingénieure" })).await;
        let video = &body["data"]["search"]["nodes"][0];
        assert_eq!(video["__typename"], "Resource", "[{}] {body:#}", app.backend);
        assert_eq!(
            video["description"], "Une ingénieure raconte son parcours et son métier.",
            "[{}] the long text is read when it is shown",
            app.backend
        );
        assert_eq!(video["freeOfRights"], true, "[{}]", app.backend);
        // The same hits with titles only: read light, still whole where shown.
        let r = search_as(&app, None, json!({ "q": "portrait ingénieure" })).await;
        assert_eq!(
            names(&r).first().map(String::as_str),
            Some("Vidéo portrait d'une ingénieure en aéronautique"),
            "[{}]",
            app.backend
        );
        finish(app, meili).await;
    }
}

#[tokio::test]
async fn bad_search_arguments_are_refused_clearly() {
    for app in common::apps(false).await {
        for (vars, field) in [
            (json!({ "q": "x", "first": 101 }), "first"),
            (json!({ "q": "x", "first": -1 }), "first"),
            (json!({ "q": "x", "after": "bm9wZQ" }), "after"),
            (json!({ "q": "x".repeat(501) }), "query"),
            (
                json!({ "q": "x", "filter": { "organisationIds": ["nope"] } }),
                "filter.organisationIds",
            ),
        ] {
            let body = app.gql_as(None, SEARCH, vars).await;
            assert_eq!(common::error_code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(common::error_field(&body), field, "{body}");
        }
        app.stop().await;
    }
}

/// Feed syncs and spreadsheet imports reach the index like GraphQL writes.
#[tokio::test]
async fn feed_syncs_and_imports_reach_the_index() {
    let server = common::feed_server::FeedServer::start().await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:soudure-1@test\r\n\
               DTSTAMP:20260101T000000Z\r\nDTSTART:20270310T090000Z\r\nSUMMARY:Atelier soudure pour collégiennes\r\n\
               LOCATION:Lycée Condorcet\\, Belfort\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    for app in common::apps(false).await {
        server.set("/agenda.ics", common::feed_server::Reply::file("text/calendar", ics));
        let org = common::organisation(&app, "cmq-belfort", "CMQ Belfort", json!({})).await;
        let feed = common::feed(&app, &org, &server.url("/agenda.ics"), json!({})).await;
        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["created"], 1, "{run}");
        let csv = "Objet;Contenu;Description;Lien;Auteur;Libre de droit\r\nVidéo;Témoignage : la soudure au féminin;Une soudeuse raconte;https://example.org/v;CMQ;Oui\r\n";
        let report = passerelle::import::run(
            app.db(),
            passerelle::import::Kind::Resources,
            csv.as_bytes(),
            &passerelle::import::Options {
                organisation_id: uuid::Uuid::parse_str(&org).expect("an id"),
                organisation_name: "CMQ Belfort".into(),
                dry_run: false,
                skip_invalid: false,
                timezone: chrono_tz::Europe::Paris,
                visibility: None,
                actor: passerelle::store::audit::Actor::System("test"),
            },
            &|_, _| {},
            &passerelle::changes::Changes::publisher(app.db()),
        )
        .await
        .expect("imported");
        assert_eq!(report.created, 1);
        app.index().await;
        let r = search_as(&app, None, json!({ "q": "soudure" })).await;
        assert_eq!(
            names(&r).into_iter().collect::<BTreeSet<_>>(),
            set(&[
                "Atelier soudure pour collégiennes",
                "Témoignage : la soudure au féminin"
            ]),
            "[{}] {r:#}",
            app.backend
        );
        // The feed drops its event: it leaves the results.
        server.set(
            "/agenda.ics",
            common::feed_server::Reply::file(
                "text/calendar",
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n",
            ),
        );
        let (run, _) = common::sync(&app, &feed).await;
        assert_eq!(run["removed"], 1, "{run}");
        app.index().await;
        let r = search_as(&app, None, json!({ "q": "atelier soudure" })).await;
        assert_eq!(names(&r), Vec::<String>::new(), "[{}]", app.backend);
        app.stop().await;
    }
}

/// The embedded index is held by another process (a rebuild from the command line) while
/// records are written: nothing is lost, and the index catches up once it is free.
#[tokio::test]
async fn the_outbox_survives_an_embedded_index_outage() {
    for app in common::apps(false).await {
        let tag = app.backend;
        let org = common::organisation(&app, "org", "Réseau", json!({})).await;
        app.index().await;
        // Another process takes the index's writer.
        let dir = app.data_dir().join("search");
        let other = passerelle::search::embedded::Embedded::open(&dir).expect("opens");
        let held = other.rebuild().await.expect("the writer is taken");
        for title in ["Kit robotique collège", "Kit électronique lycée"] {
            create(
                &app,
                "createResource",
                "CreateResourceInput",
                json!({ "kind": "TEACHING_KIT", "title": title, "freeOfRights": true, "organisationId": org }),
            )
            .await;
        }
        let drained = app.indexer().drain(Duration::from_secs(60)).await.expect("a pass runs");
        assert_eq!((drained.indexed, drained.failed), (0, 2), "[{tag}]");
        let backlog = passerelle::store::outbox::backlog(app.db()).await.expect("backlog");
        assert_eq!((backlog.pending, backlog.failing), (2, 2), "[{tag}]");
        assert!(
            backlog
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("held by another process")),
            "[{tag}] {backlog:?}"
        );
        let r = search_as(&app, None, json!({ "q": "kit" })).await;
        assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] not searchable yet");
        let status = app
            .data(
                "{ searchStatus { engine pending failing oldestPendingAt lastError } }",
                json!({}),
            )
            .await;
        assert_eq!(status["searchStatus"]["engine"], "embedded");
        assert_eq!(
            (
                status["searchStatus"]["pending"].as_i64(),
                status["searchStatus"]["failing"].as_i64()
            ),
            (Some(2), Some(2))
        );
        let anonymous = app.gql_as(None, "{ searchStatus { pending } }", json!({})).await;
        assert_eq!(common::error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
        held.abort().await;
        drop(other);
        app.index().await;
        let r = search_as(&app, None, json!({ "q": "kit" })).await;
        assert_eq!(
            names(&r).into_iter().collect::<BTreeSet<_>>(),
            set(&["Kit robotique collège", "Kit électronique lycée"]),
            "[{tag}]"
        );
        let backlog = passerelle::store::outbox::backlog(app.db()).await.expect("backlog");
        assert_eq!(backlog.pending, 0, "[{tag}]");
        app.stop().await;
    }
}

/// Meilisearch goes down while records are written: searches fall back to the database and
/// say so, the outbox keeps every change, and once the server is back everything becomes
/// searchable with nothing lost.
#[tokio::test]
async fn the_outbox_survives_a_meilisearch_outage() {
    let Some(mut settings) = meili_settings("the_outbox_survives_a_meilisearch_outage") else {
        return;
    };
    let target = url::Url::parse(settings.meili_url.as_deref().expect("a URL")).expect("MEILI_URL is a URL");
    let relay = common::relay::Relay::start(&format!(
        "{}:{}",
        target.host_str().expect("a host"),
        target.port_or_known_default().expect("a port")
    ))
    .await;
    settings.meili_url = Some(format!("http://{}", relay.addr));
    let app = common::sqlite_app_with(false, settings.clone()).await;
    let org = common::organisation(&app, "org", "Réseau", json!({})).await;
    app.index().await;
    relay.set(false);
    for title in ["Kit robotique collège", "Kit électronique lycée"] {
        create(
            &app,
            "createResource",
            "CreateResourceInput",
            json!({ "kind": "TEACHING_KIT", "title": title, "freeOfRights": true, "organisationId": org }),
        )
        .await;
    }
    let drained = app.indexer().drain(Duration::from_secs(60)).await.expect("a pass runs");
    assert_eq!((drained.indexed, drained.failed), (0, 2));
    let r = search_as(&app, None, json!({ "q": "kit", "facets": ["TYPE"] })).await;
    assert_eq!(r["degraded"], true, "{r:#}");
    assert_eq!(
        names(&r).into_iter().collect::<BTreeSet<_>>(),
        set(&["Kit robotique collège", "Kit électronique lycée"])
    );
    relay.set(true);
    app.index().await;
    let r = search_as(&app, None, json!({ "q": "kit" })).await;
    assert_eq!(r["degraded"], false);
    assert_eq!(
        names(&r).into_iter().collect::<BTreeSet<_>>(),
        set(&["Kit robotique collège", "Kit électronique lycée"])
    );
    finish(app, Some(settings)).await;
}

/// With the engine unreachable from the start, the hub serves: `search` answers from the
/// database with `degraded: true`, the caller's visibility, the filters and the facets.
#[tokio::test]
async fn search_falls_back_to_the_database_when_the_engine_is_unreachable() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    let settings = SearchSettings {
        meili_url: Some(url),
        timeout: Duration::from_secs(2),
        ..common::search_settings()
    };
    let mut apps = vec![common::sqlite_app_with(false, settings.clone()).await];
    if let Some(pg) = common::postgres_app_with(false, settings).await {
        apps.push(pg);
    }
    for app in apps {
        let tag = app.backend;
        let org = common::organisation(&app, "org", "Réseau", json!({})).await;
        for (title, visibility, free) in [
            ("Kit robotique collège", "PUBLIC", true),
            ("Kit électronique lycée", "PUBLIC", false),
            ("Kit réservé aux partenaires", "PARTNERS", true),
            ("Guide 100% robotique", "PUBLIC", true),
        ] {
            create(
                &app,
                "createResource",
                "CreateResourceInput",
                json!({ "kind": "TEACHING_KIT", "title": title, "freeOfRights": free, "organisationId": org, "visibility": visibility }),
            )
            .await;
        }
        let r = search_as(&app, None, json!({ "q": "kit", "facets": ["FREE_OF_RIGHTS"] })).await;
        assert_eq!(r["degraded"], true, "[{tag}]");
        assert_eq!(
            names(&r).into_iter().collect::<BTreeSet<_>>(),
            set(&["Kit robotique collège", "Kit électronique lycée"]),
            "[{tag}]"
        );
        assert_eq!(
            facet(&r, "FREE_OF_RIGHTS"),
            vec![("false".to_string(), 1), ("true".to_string(), 1)],
            "[{tag}]"
        );
        let r = search_as(
            &app,
            Some(&app.admin_token),
            json!({ "q": "KIT", "filter": { "freeOfRights": true } }),
        )
        .await;
        assert_eq!(
            names(&r).into_iter().collect::<BTreeSet<_>>(),
            set(&["Kit robotique collège", "Kit réservé aux partenaires"]),
            "[{tag}]"
        );
        // LIKE wildcards in the words are matched as themselves.
        let r = search_as(&app, None, json!({ "q": "100%" })).await;
        assert_eq!(names(&r), ["Guide 100% robotique"], "[{tag}]");
        let r = search_as(&app, None, json!({ "q": "1_0" })).await;
        assert_eq!(names(&r), Vec::<String>::new(), "[{tag}]");
        let drained = app.indexer().drain(Duration::from_secs(30)).await.expect("a pass runs");
        assert_eq!(
            drained.failed, 5,
            "[{tag}] the organisation and four resources wait in the outbox"
        );
        app.stop().await;
    }
}

/// `check` finds what a damaged index lacks, holds stale, or holds that is gone;
/// `check --repair` and `reindex` each fix it.
#[tokio::test]
async fn reindex_and_check_repair_a_damaged_index() {
    for (app, meili) in engines("reindex_and_check_repair_a_damaged_index").await {
        let tag = app.backend;
        let f = fixture(&app).await;
        let backend = app.indexer().backend().clone();
        let clean = app.indexer().check(false).await.expect("checks");
        assert!(clean.is_clean(), "[{tag}] {clean:?}");
        // 2 organisations, 5 resources, 3 events, 1 contact, 1 action.
        assert_eq!(clean.expected, 12, "[{tag}]");
        // Damage: one document lost, one stale, one that should not exist.
        let mallette = format!("resource-{}", f.mallette);
        let claire = format!("contact-{}", f.claire);
        let mut stale = passerelle::store::documents::documents(
            app.db(),
            passerelle::search::RecordType::Contact,
            &[uuid::Uuid::parse_str(&f.claire).expect("an id")],
        )
        .await
        .expect("documents")
        .remove(0);
        // An older version of the contact, as an index that missed an update holds it.
        stale.title = "Someone Else".into();
        let stale = stale.sealed();
        let mut orphan = stale.clone();
        orphan.id = format!("contact-{}", uuid::Uuid::now_v7());
        backend
            .apply(vec![stale, orphan.clone()], vec![mallette.clone()])
            .await
            .expect("damaged");
        let r = search_as(&app, None, json!({ "q": "mallette" })).await;
        assert_eq!(names(&r), Vec::<String>::new(), "[{tag}] the damage shows");
        let report = app.indexer().check(false).await.expect("checks");
        assert_eq!(
            (report.missing.clone(), report.stale.clone(), report.orphans.clone()),
            (vec![mallette.clone()], vec![claire.clone()], vec![orphan.id.clone()]),
            "[{tag}]"
        );
        assert!(!report.repaired);
        let repaired = app.indexer().check(true).await.expect("repairs");
        assert!(repaired.repaired, "[{tag}]");
        let after = app.indexer().check(false).await.expect("checks");
        assert!(after.is_clean(), "[{tag}] {after:?}");
        let r = search_as(&app, None, json!({ "q": "mallette" })).await;
        assert_eq!(names(&r), ["Mallette pédagogique collège"], "[{tag}]");
        // The same damage, fixed by a rebuild.
        backend
            .apply(Vec::new(), vec![mallette.clone(), claire.clone()])
            .await
            .expect("damaged");
        let progress = std::sync::Mutex::new(Vec::new());
        let written = app
            .indexer()
            .reindex(&|done, total| progress.lock().expect("lock").push((done, total)))
            .await
            .expect("reindexes");
        assert_eq!(written, 12, "[{tag}]");
        let steps = progress.into_inner().expect("lock");
        assert_eq!(steps.last(), Some(&(12, 12)), "[{tag}] {steps:?}");
        let after = app.indexer().check(false).await.expect("checks");
        assert!(after.is_clean(), "[{tag}] {after:?}");
        let r = search_as(&app, Some(&f.member_b), json!({ "q": "Claire" })).await;
        assert_eq!(names(&r), ["Claire Martin"], "[{tag}]");
        let _ = (f.org_a, f.member_a);
        finish(app, meili).await;
    }
}

/// Indexers of several instances share the outbox: each row is applied once.
#[tokio::test]
async fn several_indexers_drain_each_row_once() {
    for app in common::apps(false).await {
        let org = common::organisation(&app, "org", "Réseau", json!({})).await;
        for i in 0..40 {
            create(
                &app,
                "createResource",
                "CreateResourceInput",
                json!({ "kind": "GUIDE", "title": format!("Guide numéro {i}"), "freeOfRights": true, "organisationId": org }),
            )
            .await;
        }
        let settings = SearchSettings {
            batch: 7,
            ..common::search_settings()
        };
        let indexers: Vec<_> = (0..3)
            .map(|_| {
                passerelle::jobs::index_search::Indexer::new(
                    app.db().clone(),
                    app.indexer().backend().clone(),
                    settings.clone(),
                )
            })
            .collect();
        let passes = futures_util::future::join_all(indexers.iter().map(|i| i.run_once())).await;
        let mut indexed: u64 = passes.into_iter().map(|p| p.expect("a pass").indexed).sum();
        // Shards leased by one indexer were skipped by the others: a last pass finishes.
        indexed += indexers[0]
            .drain(Duration::from_secs(30))
            .await
            .expect("drains")
            .indexed;
        assert_eq!(indexed, 41, "[{}] each row once", app.backend);
        let r = search_as(&app, None, json!({ "q": "guide numero", "first": 100 })).await;
        assert_eq!(r["estimatedTotal"], 40, "[{}]", app.backend);
        app.stop().await;
    }
}

/// `passerelle search check | reindex | status` on a stopped hub's data directory.
#[tokio::test]
async fn the_command_line_rebuilds_and_checks_the_index() {
    let dir = std::env::temp_dir().join(format!("passerelle-search-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("PASSERELLE_DATA_DIR", &dir)
            .env_remove("PASSERELLE_DATABASE_URL")
            .env_remove("MEILI_URL")
            .output()
            .expect("the command runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // The demo data, written by a hub that stopped before indexing it.
    let config = common::sqlite_config(&dir);
    passerelle::startup::start(&config, true)
        .await
        .expect("starts with the demo data")
        .stop()
        .await
        .expect("stops");
    let (ok, out, err) = cli(&["search", "status", "--json"]);
    assert!(ok, "{err}");
    let status: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(status["engine"], "embedded");
    assert!(status["pending"].as_u64().is_some_and(|n| n > 0), "{status}");
    let (ok, out, err) = cli(&["search", "reindex"]);
    assert!(ok, "{err}");
    assert!(out.contains("documents indexed on embedded"), "{out}");
    let (ok, out, err) = cli(&["search", "check", "--json"]);
    assert!(ok, "{out}{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["missing"], json!([]), "{report}");
    assert!(report["expected"].as_u64().is_some_and(|n| n > 10), "{report}");
    // A document the database does not have: check fails, check --repair fixes it.
    {
        let backend = passerelle::search::embedded::Embedded::open(&dir.join("search")).expect("opens");
        let orphan = passerelle::search::Document {
            id: format!("event-{}", uuid::Uuid::now_v7()),
            record_type: "event".into(),
            title: "Fantôme".into(),
            visibility: "public".into(),
            ..Default::default()
        }
        .sealed();
        backend.apply(vec![orphan], Vec::new()).await.expect("written");
    }
    let (ok, out, _) = cli(&["search", "check"]);
    assert!(!ok, "differences fail the check: {out}");
    assert!(out.contains("1 orphan"), "{out}");
    let (ok, out, err) = cli(&["search", "check", "--repair"]);
    assert!(ok, "{err}");
    assert!(out.contains("repaired"), "{out}");
    let (ok, out, err) = cli(&["search", "check"]);
    assert!(ok, "{out}{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One typo of each kind at the start, the middle and the end of `word`.
fn typo_variants(word: &str) -> Vec<(&'static str, &'static str, String)> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let middle = n / 2;
    let collect = |v: Vec<char>| v.into_iter().collect::<String>();
    let insert = |at: usize| {
        let mut v = chars.clone();
        v.insert(at, 'x');
        collect(v)
    };
    let delete = |at: usize| {
        let mut v = chars.clone();
        v.remove(at);
        collect(v)
    };
    let substitute = |at: usize| {
        let mut v = chars.clone();
        v[at] = if v[at] == 'z' { 'y' } else { 'z' };
        collect(v)
    };
    let swap = |at: usize| {
        let mut v = chars.clone();
        v.swap(at, at + 1);
        collect(v)
    };
    let mut out = Vec::new();
    for (place, at, swap_at, end) in [
        ("start", 0, 0, false),
        ("middle", middle, middle, false),
        ("end", n - 1, n - 2, true),
    ] {
        out.push(("insertion", place, insert(if end { n } else { at })));
        out.push(("deletion", place, delete(at)));
        out.push(("substitution", place, substitute(at)));
        out.push(("transposition", place, swap(swap_at)));
    }
    out
}

/// The typo matrix, on every engine: insertion, deletion, substitution and transposition, at
/// the start, middle and end of words of 5–8 and of 9 or more letters, accented and not. The
/// rule (README, Search): a typed word of 5–8 letters may carry one typo, a longer one two, a
/// swap is one typo, and a typo on the first letter counts as two.
#[tokio::test]
async fn every_engine_forgives_the_same_typos() {
    for (app, meili) in engines("every_engine_forgives_the_same_typos").await {
        let tag = app.backend;
        let org = common::organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let words = [
            ("mallette", "Mallette"),
            ("collège", "Visite au collège"),
            ("exposition", "Exposition itinérante"),
            ("féminisation", "Guide de la féminisation"),
            ("ingénieure", "Portrait d'une ingénieure"),
            ("microtechniques", "Microtechniques"),
        ];
        for (_, title) in words {
            let input = json!({ "kind": "GUIDE", "title": title, "organisationId": org, "visibility": "PUBLIC" });
            create(&app, "createResource", "CreateResourceInput", input).await;
        }
        app.index().await;
        let mut wrong = Vec::new();
        for (word, title) in words {
            for (kind, place, typed) in typo_variants(word) {
                let len = typed.chars().count();
                let allowance = match len {
                    0..=4 => 0,
                    5..=8 => 1,
                    _ => 2,
                };
                let cost = if place == "start" { 2 } else { 1 };
                let expected = cost <= allowance;
                let r = search_as(&app, None, json!({ "q": typed, "types": ["RESOURCE"] })).await;
                let found = names(&r).iter().any(|n| n == title);
                if found != expected {
                    wrong.push(format!(
                        "{typed:?} ({kind} at the {place} of {word:?}): expected {}, got {}",
                        if expected { "found" } else { "not found" },
                        if found { "found" } else { "not found" }
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "[{tag}] {}", wrong.join("\n"));
        finish(app, meili).await;
    }
}
