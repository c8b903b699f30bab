//! GraphQL over HTTP: methods, media types, status codes, limits, health, request ids,
//! response field order, and the demo data.

use serde_json::{Value, json};

use crate::common::{apps, sqlite_app};

#[tokio::test]
async fn get_post_media_types_and_status_codes() {
    let app = sqlite_app(false).await;
    let c = &app.client;

    // GET with a query; the response follows the Accept header.
    let resp = c
        .get(format!("{}?query=%7B__typename%7D", app.url))
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/graphql-response+json")
    );
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({ "data": { "__typename": "Query" } })
    );

    // No Accept header: application/json.
    let resp = c
        .post(&app.url)
        .header("content-type", "application/json")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .expect("sent");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json")
    );

    // Mutations are refused over GET.
    let resp = c
        .get(format!(
            "{}?query={}",
            app.url, "mutation%20%7B%20deleteEvent(id%3A%20%22x%22)%20%7B%20deletedId%20%7D%20%7D"
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");

    // A parse error: 400 without data for graphql-response+json, 200 for application/json.
    for (accept, status) in [("application/graphql-response+json", 400), ("application/json", 200)] {
        let resp = c
            .post(&app.url)
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(r#"{"query":"{ events { "}"#)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), status, "{accept}");
        let body: Value = resp.json().await.expect("json");
        assert!(body.get("data").is_none());
        assert!(body["errors"].is_array());
    }
    // Validation and variable errors are request errors too.
    let resp = c
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "query($n: Int) { events(first: $n) { totalCount } }", "variables": { "n": "many" } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    // An execution error keeps 200 and data.
    let resp = c
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ event(id: \"nope\") { id } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert!(body["data"]["event"].is_null());
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // Wrong content type, unacceptable Accept, bad JSON, bad parameters, oversized body.
    let resp = c.post(&app.url).body("{}").send().await.expect("sent");
    assert_eq!(resp.status(), 415);
    let resp = c
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "text/csv")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 406);
    for body in [
        r#"{"query":"#,
        r#"[1]"#,
        r#"{"query": 1}"#,
        r#"{"query":"{ __typename }","variables":[]}"#,
    ] {
        let resp = c
            .post(&app.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 400, "{body}");
    }
    let huge = json!({ "query": format!("{{ __typename }} # {}", "x".repeat(100 * 1024)) });
    let resp = c.post(&app.url).json(&huge).send().await.expect("sent");
    assert_eq!(resp.status(), 413);

    // GraphiQL for browsers.
    let resp = c
        .get(&app.url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .unwrap_or_default()
            .contains("/console/vendor/graphiql/graphiql.min.js")
    );
    app.stop().await;
}

#[tokio::test]
async fn health_request_ids_and_limits() {
    let app = sqlite_app(false).await;
    let c = &app.client;
    let resp = c.get(format!("{}/healthz", app.base)).send().await.expect("sent");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    let resp = c.get(format!("{}/readyz", app.base)).send().await.expect("sent");
    assert_eq!(resp.status(), 200);
    let resp = c
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.headers()["x-request-id"], "abc-123");

    // Too deep, too complex.
    let deep = "{ organisations(first: 1) { nodes { events(first: 1) { nodes { organiser { events(first: 1) { nodes { organiser { events(first: 1) { nodes { organiser { events(first: 1) { nodes { title } } } } } } } } } } } } } }";
    let body = app.gql(deep, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("nested too deep"),
        "{body}"
    );
    let complex = "{ organisations(first: 100) { nodes { events(first: 100) { nodes { title description } } } } }";
    let body = app.gql(complex, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("too complex"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn response_fields_follow_the_query_order() {
    let app = sqlite_app(true).await;
    for _ in 0..5 {
        let resp = app
            .client
            .post(&app.url)
            .header("content-type", "application/json")
            .json(&json!({ "query": "{ resources(first: 1) { totalCount } events(first: 2) { nodes { title startsAt organiser { name slug } } pageInfo { hasNextPage } } organisations(first: 1) { nodes { slug } } }" }))
            .send()
            .await
            .expect("sent");
        let text = resp.text().await.expect("body");
        let pos = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
        assert!(pos("\"resources\"") < pos("\"events\""));
        assert!(pos("\"events\"") < pos("\"organisations\""));
        assert!(pos("\"title\"") < pos("\"startsAt\""));
        assert!(pos("\"startsAt\"") < pos("\"organiser\""));
        assert!(pos("\"name\"") < pos("\"slug\""));
        assert!(pos("\"nodes\"") < pos("\"pageInfo\""));
    }
    app.stop().await;
}

#[tokio::test]
async fn demo_data_describes_the_partner_documents() {
    for app in apps(true).await {
        let data = app
            .data(
                "{ events(first: 5) { nodes { title startsAt organiser { name } } }
                   organisations { totalCount } resources { totalCount } actions { totalCount nodes { experienceReports { totalCount } } }
                   contacts { nodes { email } } }",
                json!({}),
            )
            .await;
        let events = data["events"]["nodes"].as_array().cloned().unwrap_or_default();
        assert_eq!(events.len(), 5);
        assert!(
            events
                .iter()
                .any(|e| e["title"].as_str().unwrap_or("").contains("Femmes et Microtechniques"))
        );
        assert_eq!(events[0]["startsAt"], "2019-03-07T23:00:00+00:00");
        assert!(data["organisations"]["totalCount"].as_i64().unwrap_or(0) >= 10);
        assert!(data["resources"]["totalCount"].as_i64().unwrap_or(0) >= 5);
        // Demo contacts are fictional: reserved example domain only.
        for c in data["contacts"]["nodes"].as_array().cloned().unwrap_or_default() {
            if let Some(email) = c["email"].as_str() {
                assert!(email.ends_with("@example.org"), "{email}");
            }
        }
        // The workshop event of 27 September 2023, 12:00–14:00 Paris time.
        let data = app
            .data(
                "{ events(filter: { startsAfter: \"2023-09-27T00:00:00Z\", startsBefore: \"2023-09-28T00:00:00Z\" }) { nodes { startsAt endsAt } } }",
                json!({}),
            )
            .await;
        assert_eq!(data["events"]["nodes"][0]["startsAt"], "2023-09-27T10:00:00+00:00");
        assert_eq!(data["events"]["nodes"][0]["endsAt"], "2023-09-27T12:00:00+00:00");
        app.stop().await;
    }
}

#[test]
fn schema_graphql_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");
    let built = passerelle::graphql::sdl();
    assert!(
        committed == built,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn automatic_persisted_queries() {
    let app = sqlite_app(false).await;
    let c = &app.client;
    let query = "query Count { organisations { totalCount } }";
    let hash = passerelle::http::persisted::sha256_hex(query);
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let post = |body: Value| {
        c.post(&app.url)
            .header("content-type", "application/json")
            .json(&body)
            .send()
    };

    // The hash alone, unknown yet: the client is told to send the query.
    let resp = post(json!({ "extensions": ext })).await.expect("sent");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    let resp = c
        .post(&app.url)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "extensions": ext }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);

    // The query with its hash: answered and remembered.
    let body: Value = post(json!({ "query": query, "extensions": ext }))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["organisations"]["totalCount"], 0, "{body}");
    // Then the hash alone suffices, over POST and over GET (cacheable by a CDN).
    let body: Value = post(json!({ "extensions": ext }))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(body["data"]["organisations"]["totalCount"], 0, "{body}");
    let url = format!(
        "{}?extensions={}",
        app.url,
        url::form_urlencoded::byte_serialize(ext.to_string().as_bytes()).collect::<String>()
    );
    let body: Value = c.get(url).send().await.expect("sent").json().await.expect("json");
    assert_eq!(body["data"]["organisations"]["totalCount"], 0, "{body}");

    // A query that does not match its hash is refused, and does not replace the right one.
    let resp = post(json!({ "query": "{ __typename }", "extensions": ext }))
        .await
        .expect("sent");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["message"], "provided sha does not match query");
    // Mutations stay POST-only, even persisted.
    let mutation = "mutation { logout }";
    let m_ext =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": passerelle::http::persisted::sha256_hex(mutation) } });
    let _ = post(json!({ "query": mutation, "extensions": m_ext }))
        .await
        .expect("sent");
    let url = format!(
        "{}?extensions={}",
        app.url,
        url::form_urlencoded::byte_serialize(m_ext.to_string().as_bytes()).collect::<String>()
    );
    assert_eq!(c.get(url).send().await.expect("sent").status(), 405);
    app.stop().await;
}

/// The variables `config.rs` reads: every `"PASSERELLE_…"` or `"MEILI_…"` literal in it.
fn config_variables() -> std::collections::BTreeSet<String> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/config.rs")).expect("config.rs");
    variables_in(&source, true)
}

/// The variable names in `text` (only quoted ones when `quoted`).
fn variables_in(text: &str, quoted: bool) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for prefix in ["PASSERELLE_", "MEILI_"] {
        let mut rest = text;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let name = name.trim_end_matches('_').to_string();
            let after = rest[at + name.len()..].chars().next();
            let word = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if word && (!quoted || (before == Some('"') && after == Some('"'))) {
                found.insert(name);
            }
            rest = &rest[at + prefix.len()..];
        }
    }
    found
}

#[test]
fn every_setting_is_documented_in_the_readme_and_the_env_example() {
    let read = config_variables();
    assert!(read.len() > 40, "{read:?}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let start = readme.find("## Configuration").expect("a configuration section");
    let end = start + readme[start..].find("\n## ").expect("a next section");
    let table = variables_in(&readme[start..end], false);
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).expect(".env.example");
    let listed: std::collections::BTreeSet<String> = example
        .lines()
        .filter_map(|l| l.trim_start_matches('#').trim().split_once('='))
        .map(|(name, _)| name.to_string())
        .filter(|name| name.starts_with("PASSERELLE_") || name.starts_with("MEILI_"))
        .collect();
    assert_eq!(table, read, "the README's configuration table and config.rs differ");
    assert_eq!(listed, read, ".env.example and config.rs differ");
}
