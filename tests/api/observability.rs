//! Observability: the Prometheus series of `GET /metrics` after real traffic (requests,
//! GraphQL operations, a feed run, a search, refused sign-ins), the metrics token, the
//! `/readyz` report, and JSON logs from the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{self, TestApp, apps, feed, organisation, sync};

const CALENDAR: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Obs//EN\r\nBEGIN:VEVENT\r\n\
UID:obs-1@example.org\r\nDTSTAMP:20300101T000000Z\r\nDTSTART:20300301T090000Z\r\n\
DTEND:20300301T110000Z\r\nSUMMARY:Atelier soudure\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// The series every scrape shows once the hub saw some traffic.
const SERIES: [&str; 13] = [
    "passerelle_http_requests_total",
    "passerelle_http_request_duration_seconds",
    "passerelle_graphql_operations_total",
    "passerelle_graphql_operation_duration_seconds",
    "passerelle_feed_runs_total",
    "passerelle_feed_run_duration_seconds",
    "passerelle_search_outbox_rows",
    "passerelle_search_outbox_oldest_seconds",
    "passerelle_search_duration_seconds",
    "passerelle_db_pool_connections",
    "passerelle_rate_limited_total",
    // The histograms' parts.
    "passerelle_http_request_duration_seconds_bucket",
    "passerelle_graphql_operation_duration_seconds_count",
];

/// The sum of the samples of `name` whose labels include every one of `labels`; `None`
/// when there is no such sample.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (series_name, series_labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        if series_name != name {
            continue;
        }
        let wanted = labels
            .iter()
            .all(|(k, v)| series_labels.split(',').any(|l| l == format!("{k}=\"{v}\"")));
        if wanted {
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number in {line:?}"));
            found = Some(found.unwrap_or(0.0) + value);
        }
    }
    found
}

async fn post(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(&app.url)
        .json(&body)
        .send()
        .await
        .expect("the request is sent")
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/metrics", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("the scrape is sent")
}

#[tokio::test]
async fn metrics_count_requests_operations_feeds_searches_and_refusals() {
    let server = FeedServer::start().await;
    server.set("/obs.ics", Reply::file("text/calendar", CALENDAR));
    for app in apps(false).await {
        let before = scrape(&app, None).await.text().await.expect("a body");
        let posts_before = sample(
            &before,
            "passerelle_http_requests_total",
            &[("route", "/graphql"), ("method", "POST"), ("status", "200")],
        )
        .unwrap_or(0.0);
        let mut posts = 0.0;
        for _ in 0..3 {
            let body = app.gql("query ObsEvents { events { totalCount } }", json!({})).await;
            assert!(body["errors"].is_null(), "{body}");
            posts += 1.0;
        }
        let body = app.gql("{ events { totalCount } }", json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        posts += 1.0;
        // Refused by the document limits before anything parses it.
        let deep = format!("query ObsDeep {}{}", "{ a ".repeat(100), "}".repeat(100));
        let resp = post(&app, json!({ "query": deep, "operationName": "ObsDeep" })).await;
        assert_eq!(resp.status(), 200);
        posts += 1.0;
        // Refused by the schema (validation).
        let resp = post(&app, json!({ "query": "query ObsInvalid { noSuchField }" })).await;
        assert_eq!(resp.status(), 200);
        posts += 1.0;
        // A mutation over GET is refused.
        let resp = app
            .client
            .get(format!("{}?query=mutation%20ObsOverGet%20%7B%20logout%20%7D", app.url))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 405);
        // Executed, with a field error.
        let body = app
            .gql_as(
                None,
                "mutation ObsForbidden { createOrganisation(input: { slug: \"obs\", name: \"Obs\", kind: ASSOCIATION }) { organisation { id } } }",
                json!({}),
            )
            .await;
        assert!(!body["errors"].is_null(), "{body}");
        posts += 1.0;
        // Sign-ins refused RATE_LIMITED after five wrong passwords.
        let mut limited = false;
        for _ in 0..7 {
            let body = app
                .gql_as(
                    None,
                    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                    json!({ "e": "nobody@example.org", "p": "not the password" }),
                )
                .await;
            limited |= common::error_code(&body) == "RATE_LIMITED";
            posts += 1.0;
        }
        assert!(limited, "the sign-ins are limited");
        // A feed run.
        let org = organisation(&app, "obs-org", "Observatoire des métiers", json!({})).await;
        posts += 1.0;
        let id = feed(&app, &org, &server.url("/obs.ics"), json!({})).await;
        posts += 1.0;
        let (run, _) = sync(&app, &id).await;
        assert_eq!(run["outcome"], "SUCCESS", "{run}");
        posts += 1.0;
        // The outbox holds the new records until they are indexed. (The gauges are the
        // process's: another hub of this test binary may set them between two scrapes.)
        let text = scrape(&app, None).await.text().await.expect("a body");
        assert!(
            sample(&text, "passerelle_search_outbox_rows", &[]).unwrap_or(0.0) >= 1.0,
            "[{}] {text}",
            app.backend
        );
        // A search.
        app.index().await;
        let body = app
            .gql(
                "query ObsSearch($q: String!) { search(query: $q) { estimatedTotal degraded } }",
                json!({ "q": "soudure" }),
            )
            .await;
        assert_eq!(body["data"]["search"]["degraded"], false, "{body}");
        posts += 1.0;
        // A private calendar link (its token is in the path) and an unknown path.
        let resp = app
            .client
            .get(format!("{}/calendar/psc_0192abcd_SECRETpart.ics", app.base))
            .send()
            .await
            .expect("sent");
        assert!(resp.status().is_client_error(), "{}", resp.status());
        let resp = app
            .client
            .get(format!("{}/no/such/page", app.base))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 404);

        let resp = scrape(&app, None).await;
        assert_eq!(resp.status(), 200);
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let text = resp.text().await.expect("a body");
        let backend = app.backend;
        for name in SERIES {
            assert!(
                text.lines().any(|l| l.starts_with(name)),
                "[{backend}] {name} missing from:\n{text}"
            );
        }
        for name in &SERIES[..11] {
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "[{backend}] {name} is not described:\n{text}"
            );
        }
        // HTTP requests, by route pattern: never the path of a private link.
        let graphql_posts = sample(
            &text,
            "passerelle_http_requests_total",
            &[("route", "/graphql"), ("method", "POST"), ("status", "200")],
        )
        .unwrap_or(0.0);
        assert!(
            graphql_posts - posts_before >= posts,
            "[{backend}] {graphql_posts} - {posts_before} < {posts}"
        );
        assert!(
            sample(&text, "passerelle_http_requests_total", &[("route", "/calendar/:file")]).is_some(),
            "[{backend}] {text}"
        );
        assert!(
            sample(
                &text,
                "passerelle_http_requests_total",
                &[("route", "other"), ("status", "404")]
            )
            .is_some(),
            "[{backend}] {text}"
        );
        assert!(!text.contains("psc_"), "[{backend}] a token in:\n{text}");
        assert!(!text.contains("SECRET"), "[{backend}] a token in:\n{text}");
        assert!(
            sample(
                &text,
                "passerelle_http_request_duration_seconds_count",
                &[("route", "/graphql")]
            )
            .unwrap_or(0.0)
                >= posts,
            "[{backend}] {text}"
        );
        // GraphQL operations, by name, type and outcome.
        let operations = |labels: &[(&str, &str)]| sample(&text, "passerelle_graphql_operations_total", labels);
        assert!(
            operations(&[("operation", "ObsEvents"), ("type", "query"), ("outcome", "ok")]).unwrap_or(0.0) >= 3.0,
            "[{backend}] {text}"
        );
        assert!(
            operations(&[("operation", "anonymous"), ("type", "query"), ("outcome", "ok")]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        // Refused names are kept only once known: the limits refused ObsDeep before it ran.
        assert!(
            operations(&[("type", "unknown"), ("outcome", "refused")]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            operations(&[("type", "mutation"), ("outcome", "refused")]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            operations(&[("outcome", "refused")]).unwrap_or(0.0) >= 3.0,
            "[{backend}] {text}"
        );
        assert!(
            operations(&[
                ("operation", "ObsForbidden"),
                ("type", "mutation"),
                ("outcome", "error")
            ])
            .unwrap_or(0.0)
                >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            sample(
                &text,
                "passerelle_graphql_operation_duration_seconds_count",
                &[("operation", "ObsEvents"), ("type", "query")]
            )
            .unwrap_or(0.0)
                >= 3.0,
            "[{backend}] {text}"
        );
        // The feed run, the search, the refused sign-ins.
        assert!(
            sample(&text, "passerelle_feed_runs_total", &[("outcome", "success")]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            sample(&text, "passerelle_feed_run_duration_seconds_count", &[]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            sample(
                &text,
                "passerelle_search_duration_seconds_count",
                &[("engine", "embedded")]
            )
            .unwrap_or(0.0)
                >= 1.0,
            "[{backend}] {text}"
        );
        assert!(
            sample(&text, "passerelle_rate_limited_total", &[("kind", "sign_in")]).unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        // The gauges read at the scrape.
        assert!(
            sample(&text, "passerelle_search_outbox_oldest_seconds", &[]).is_some_and(|age| age >= 0.0),
            "[{backend}] {text}"
        );
        let idle = sample(&text, "passerelle_db_pool_connections", &[("state", "idle")]);
        let in_use = sample(&text, "passerelle_db_pool_connections", &[("state", "in_use")]);
        assert!(
            idle.is_some() && in_use.is_some() && idle.unwrap_or(0.0) + in_use.unwrap_or(0.0) >= 1.0,
            "[{backend}] {text}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn the_metrics_token_is_required_when_set() {
    let app = common::sqlite_app_configured(false, |c| {
        c.observability.metrics_token = Some("s3cret-metrics-token".into());
    })
    .await;
    let resp = scrape(&app, None).await;
    assert_eq!(resp.status(), 401);
    assert!(!resp.text().await.expect("a body").contains("passerelle_"));
    assert_eq!(scrape(&app, Some("wrong")).await.status(), 401);
    assert_eq!(
        scrape(&app, Some("s3cret-metrics-token-but-longer")).await.status(),
        401
    );
    let resp = scrape(&app, Some("s3cret-metrics-token")).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .expect("a body")
            .contains("passerelle_http_requests_total")
    );
    app.stop().await;
}

#[tokio::test]
async fn readyz_reports_the_database_and_the_search_engine() {
    let app = common::sqlite_app(false).await;
    organisation(&app, "obs-ready", "Prêt", json!({})).await;
    let resp = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["database"], json!({ "ok": true }), "{body}");
    assert_eq!(body["search"]["engine"], "embedded", "{body}");
    assert_eq!(body["search"]["ok"], true, "{body}");
    assert!(body["search"]["backlog"].as_u64().is_some_and(|n| n >= 1), "{body}");
    app.index().await;
    let body: Value = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["search"]["backlog"], 0, "{body}");

    // Without its database the hub is unavailable.
    app.db().clone().close().await.expect("the pool closes");
    let resp = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(body["status"], "unavailable", "{body}");
    assert_eq!(body["database"]["ok"], false, "{body}");
    assert_eq!(body["search"]["engine"], "embedded", "{body}");
    app.stop().await;
}

/// The real binary with `PASSERELLE_LOG_FORMAT=json`: every line it writes is a JSON
/// object, and the request's line carries its id.
#[tokio::test]
async fn json_logs_are_one_object_a_line_with_the_request_id() {
    let dir = std::env::temp_dir().join(format!("passerelle-jsonlog-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .arg("serve")
        .env("PASSERELLE_DATA_DIR", &dir)
        .env("PASSERELLE_LISTEN", "127.0.0.1:0")
        .env("PASSERELLE_LOG_FORMAT", "json")
        .env("PASSERELLE_FEEDS_SCHEDULER", "false")
        .env("RUST_LOG", "info")
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("MEILI_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hub starts");
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    if let Some(stderr) = child.stderr.take() {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                lines.lock().expect("lock").push(line);
            }
        });
    }
    let logged = |lines: &Arc<Mutex<Vec<String>>>| lines.lock().expect("lock").clone();
    let find = |lines: &[String], message: &str| -> Option<Value> {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["message"] == message)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        if let Some(line) = find(&logged(&lines), "listening") {
            break line["addr"].as_str().expect("the address").to_string();
        }
        assert!(
            Instant::now() < deadline && child.try_wait().ok().flatten().is_none(),
            "the hub did not listen:\n{}",
            logged(&lines).join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .header("x-request-id", "obs-json-request-1")
        .json(&json!({ "query": "{ events { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    let handled = loop {
        if let Some(line) = find(&logged(&lines), "handled") {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "no request line:\n{}",
            logged(&lines).join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(200));
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(handled["span"]["request_id"], "obs-json-request-1", "{handled}");
    assert_eq!(handled["path"], "/graphql", "{handled}");
    assert_eq!(handled["status"], 200, "{handled}");
    assert_eq!(handled["level"], "INFO", "{handled}");
    let lines = logged(&lines);
    assert!(lines.len() >= 3, "{lines:?}");
    for line in &lines {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value.is_object(), "{line}");
        assert!(value["timestamp"].is_string() && value["message"].is_string(), "{line}");
    }
}
