//! Ordinary concurrency on both databases: many writers at once while the search indexer
//! drains and a feed syncs. SQLite has one writer; every write transaction takes its lock at
//! `BEGIN IMMEDIATE`, so none fails with "database is locked".

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use crate::common::feed_server::{FeedServer, Reply};
use crate::common::{self, TestApp};

const WRITERS: usize = 16;
const EACH: usize = 12;

const CREATE: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }";

fn ics(n: usize) -> String {
    let mut body = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for i in 0..n {
        body.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:c-{i}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:202703{:02}T090000Z\r\nSUMMARY:Atelier {i}\r\nEND:VEVENT\r\n",
            i % 28 + 1
        ));
    }
    body.push_str("END:VCALENDAR\r\n");
    body
}

/// Posts a mutation and returns its HTTP status and body.
async fn post(app: &TestApp, token: &str, query: &str, variables: Value) -> (u16, Value) {
    let resp = app
        .client
        .post(&app.url)
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("sent");
    (resp.status().as_u16(), resp.json().await.expect("JSON"))
}

/// Runs `background` in a loop until `writes` ends, and returns what `writes` returned.
async fn while_running<T>(writes: impl Future<Output = T>, background: impl AsyncFn()) -> T {
    let done = AtomicBool::new(false);
    let writes = async {
        let out = writes.await;
        done.store(true, Ordering::SeqCst);
        out
    };
    let background = async {
        while !done.load(Ordering::SeqCst) {
            background().await;
            tokio::task::yield_now().await;
        }
    };
    let (out, ()) = tokio::join!(writes, background);
    out
}

#[tokio::test]
async fn sixteen_writers_succeed_while_the_indexer_drains_and_a_feed_syncs() {
    let server = FeedServer::start().await;
    for app in common::apps(false).await {
        let org = common::organisation(&app, "cmq-concurrence", "CMQ Concurrence", json!({})).await;
        let publisher = common::organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        server.set("/agenda.ics", Reply::file("text/calendar", ics(30)));
        let feed = common::feed(
            &app,
            &publisher,
            &server.url("/agenda.ics"),
            json!({ "format": "ICAL" }),
        )
        .await;
        let writers = (0..WRITERS).map(|w| {
            let (app, org) = (&app, &org);
            async move {
                let mut answers = Vec::new();
                for i in 0..EACH {
                    let input = json!({ "title": format!("Forum {w}-{i}"), "startsAt": "2027-04-02T09:00:00Z",
                        "organiserId": org });
                    answers.push(post(app, &app.admin_token, CREATE, json!({ "input": input })).await);
                }
                answers
            }
        });
        let answers = while_running(futures_util::future::join_all(writers), async || {
            let _ = app.indexer().drain(std::time::Duration::from_secs(5)).await;
            let (run, _) = common::sync(&app, &feed).await;
            assert!(run["error"].is_null(), "[{}] {run}", app.backend);
        })
        .await;
        let answers: Vec<(u16, Value)> = answers.into_iter().flatten().collect();
        let failed: Vec<&(u16, Value)> = answers
            .iter()
            .filter(|(_, body)| body.get("errors").is_some())
            .collect();
        let unavailable = failed.iter().filter(|(status, _)| *status == 503).count();
        assert_eq!(unavailable, 0, "[{}] no write waited past the bound", app.backend);
        assert!(
            failed.is_empty(),
            "[{}] {} of {} failed: {:?}",
            app.backend,
            failed.len(),
            answers.len(),
            failed.first()
        );
        let count = app
            .data(
                "query($o: ID!) { events(filter: { organisationId: $o }) { totalCount } }",
                json!({ "o": org }),
            )
            .await;
        assert_eq!(
            count["events"]["totalCount"],
            WRITERS * EACH,
            "[{}] every write kept",
            app.backend
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn two_people_change_their_passwords_at_the_same_moment() {
    for app in common::apps(false).await {
        let org = common::organisation(&app, "capital-filles", "Capital Filles", json!({})).await;
        let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { user { id } } }";
        for round in 0..5 {
            let mut people = Vec::new();
            for who in ["camille", "ines"] {
                let email = format!("{who}{round}@example.org");
                let (_, temporary) = passerelle::auth::accounts::create_user(
                    app.db(),
                    &email,
                    None,
                    uuid::Uuid::parse_str(&org).ok(),
                    entity::Role::Member,
                )
                .await
                .expect("an account");
                let login = app
                    .gql_as(
                        None,
                        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                        json!({ "e": email, "p": temporary }),
                    )
                    .await;
                let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
                people.push((token, temporary));
            }
            // Something else writes meanwhile: an event, and its outbox row drained.
            common::event(
                &app,
                json!({ "title": format!("Réunion {round}"), "startsAt": "2027-05-01T10:00:00Z" }),
            )
            .await;
            let changes = people.iter().map(|(token, temporary)| {
                let app = &app;
                async move {
                    let vars = json!({ "c": temporary, "n": format!("une phrase de passe solide {temporary}") });
                    post(app, token, change, vars).await
                }
            });
            let (answers, _) = tokio::join!(
                futures_util::future::join_all(changes),
                app.indexer().drain(std::time::Duration::from_secs(5))
            );
            for (status, body) in answers {
                assert_eq!(status, 200, "[{}] {body}", app.backend);
                assert!(body.get("errors").is_none(), "[{}] round {round}: {body}", app.backend);
            }
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_write_that_cannot_get_the_lock_in_time_is_answered_unavailable() {
    let app = common::sqlite_app_configured(false, |c| {
        c.db_busy_timeout = std::time::Duration::from_millis(200);
    })
    .await;
    // Another process holds SQLite's write lock.
    let url = passerelle::config::default_sqlite_url(app.data_dir());
    let other = sea_orm::Database::connect(url.as_str())
        .await
        .expect("a second connection");
    let held = passerelle::store::unit::begin(&other).await.expect("the write lock");
    let input = json!({ "title": "Bloqué", "startsAt": "2027-04-02T09:00:00Z" });
    let resp = app
        .client
        .post(&app.url)
        .bearer_auth(&app.admin_token)
        .json(&json!({ "query": CREATE, "variables": { "input": input } }))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(common::error_code(&body), "UNAVAILABLE", "{body}");
    held.rollback().await.expect("released");
    // Sent again once the lock is free, it succeeds.
    let (status, body) = post(&app, &app.admin_token, CREATE, json!({ "input": input })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn stopping_releases_the_leases_this_instance_holds() {
    use sea_orm::EntityTrait;
    let server = FeedServer::start().await;
    // The feed answers so late that the sync is still running when the hub stops.
    server.set("/slow.ics", Reply::Sleep(std::time::Duration::from_secs(30)));
    let dir = std::env::temp_dir().join(format!("passerelle-stop-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let config = passerelle::config::Config {
        feeds: passerelle::config::FeedSettings {
            scheduler: true,
            poll_every: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(60),
            ..common::feed_settings()
        },
        ..common::sqlite_config(&dir)
    };
    let running = passerelle::startup::start(&config, false).await.expect("starts");
    let org = local_organisation(&running.db, "arret", "Arrêt").await;
    let feed = local_feed(&running.db, org, "Agenda lent", &server.url("/slow.ics")).await;
    // Wait until the scheduler claimed it.
    let mut claimed = false;
    for _ in 0..100 {
        let row = entity::feed::Entity::find_by_id(feed)
            .one(&running.db)
            .await
            .expect("read");
        if row.is_some_and(|f| f.lease_owner.is_some()) {
            claimed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(claimed, "the scheduler claims the feed");
    running.stop().await.expect("stops");
    // The lease is gone at once: another instance may sync the feed now.
    let db = sea_orm::Database::connect(passerelle::config::default_sqlite_url(&dir).as_str())
        .await
        .expect("the database");
    let row = entity::feed::Entity::find_by_id(feed)
        .one(&db)
        .await
        .expect("read")
        .expect("the feed");
    assert!(row.lease_owner.is_none() && row.lease_expires_at.is_none(), "{row:?}");
    assert!(row.last_fetched_at.is_none(), "the abandoned sync wrote nothing");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn shutdown_stops_a_sync_that_outlived_its_request() {
    use sea_orm::EntityTrait;
    let server = FeedServer::start().await;
    server.set("/slow.ics", Reply::Sleep(std::time::Duration::from_secs(30)));
    let dir = std::env::temp_dir().join(format!("passerelle-stop-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let mut config = passerelle::config::Config {
        feeds: passerelle::config::FeedSettings {
            timeout: std::time::Duration::from_secs(60),
            ..common::feed_settings()
        },
        ..common::sqlite_config(&dir)
    };
    config.security.request_timeout = std::time::Duration::from_secs(1);
    let running = passerelle::startup::start(&config, false).await.expect("starts");
    let org = local_organisation(&running.db, "arret", "Arrêt").await;
    let feed = local_feed(&running.db, org, "Agenda lent", &server.url("/slow.ics")).await;
    let (_, temporary) =
        passerelle::auth::accounts::create_user(&running.db, "admin@example.org", None, None, entity::Role::Admin)
            .await
            .expect("an account");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let url = format!("http://{}/graphql", running.addr);
    let gql = async |token: Option<&str>, query: &str, variables: Value| -> Value {
        let mut req = client
            .post(&url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("sent").json().await.expect("JSON")
    };
    let login = gql(
        None,
        "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
        json!({ "e": "admin@example.org", "p": temporary }),
    )
    .await;
    let token = login["data"]["login"]["token"].as_str().expect("a token");
    // A temporary password opens nothing but its own replacement.
    let changed = gql(
        Some(token),
        "mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"a long new passphrase\") { user { id } } }",
        json!({ "c": temporary }),
    )
    .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    let synced = gql(
        Some(token),
        "mutation($id: ID!) { syncFeed(id: $id) { run { outcome } } }",
        json!({ "id": feed.to_string() }),
    )
    .await;
    assert_eq!(synced["data"]["syncFeed"]["run"]["outcome"], "RUNNING", "{synced}");
    let stopping = std::time::Instant::now();
    running.stop().await.expect("stops");
    assert!(
        stopping.elapsed() < std::time::Duration::from_secs(5),
        "the sync did not hold the shutdown"
    );
    // The run is closed as interrupted, the lease is gone, and nothing of the feed was written.
    let db = sea_orm::Database::connect(passerelle::config::default_sqlite_url(&dir).as_str())
        .await
        .expect("the database");
    let row = entity::feed::Entity::find_by_id(feed)
        .one(&db)
        .await
        .expect("read")
        .expect("the feed");
    assert!(row.lease_owner.is_none() && row.lease_expires_at.is_none(), "{row:?}");
    assert!(row.last_fetched_at.is_none(), "the stopped sync wrote nothing");
    let runs = entity::feed_run::Entity::find().all(&db).await.expect("runs");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].outcome, entity::FeedRunOutcome::Failed);
    assert_eq!(runs[0].error.as_deref(), Some(passerelle::store::feeds::INTERRUPTED));
    assert!(runs[0].finished_at.is_some());
    db.close().await.expect("closed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sigterm_lets_the_hub_exit_cleanly() {
    let dir = std::env::temp_dir().join(format!("passerelle-term-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        probe.local_addr().expect("an address").port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .arg("serve")
        .env("PASSERELLE_DATA_DIR", &dir)
        .env("PASSERELLE_LISTEN", format!("127.0.0.1:{port}"))
        .env("PASSERELLE_FEEDS_SCHEDULER", "false")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("the hub starts");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the hub answers");
    let pid = child.id().expect("a pid").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .expect("it exits in time")
        .expect("an exit status");
    assert!(status.success(), "exit code 0 after SIGTERM: {status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_postgresql_outage_is_answered_unavailable_and_the_hub_recovers_by_itself() {
    let Ok(admin_url) = std::env::var("PASSERELLE_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL outage test skipped: PASSERELLE_TEST_DATABASE_URL is not set");
        return;
    };
    let server = url::Url::parse(&admin_url).expect("a URL");
    let relay = common::relay::Relay::start(&format!(
        "{}:{}",
        server.host_str().expect("a host"),
        server.port().unwrap_or(5432)
    ))
    .await;
    let addr = relay.addr;
    let app = common::postgres_app_configured(false, |c| {
        // The hub reaches its database through the relay.
        let mut url = url::Url::parse(&c.database_url).expect("a URL");
        let _ = url.set_host(Some(&addr.ip().to_string()));
        let _ = url.set_port(Some(addr.port()));
        c.database_url = url.to_string();
    })
    .await
    .expect("a PostgreSQL hub");
    let ready = |app: &TestApp| {
        let url = format!("{}/readyz", app.base);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("/readyz answers").status().as_u16() }
    };
    assert_eq!(ready(&app).await, 200);
    let input = json!({ "title": "Avant la panne", "startsAt": "2027-04-02T09:00:00Z" });
    let (status, _) = post(&app, &app.admin_token, CREATE, json!({ "input": input })).await;
    assert_eq!(status, 200);

    relay.set(false);
    let input = json!({ "title": "Pendant la panne", "startsAt": "2027-04-02T09:00:00Z" });
    let (status, body) = post(&app, &app.admin_token, CREATE, json!({ "input": input })).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(common::error_code(&body), "UNAVAILABLE", "{body}");
    assert_eq!(ready(&app).await, 503);

    relay.set(true);
    let mut recovered = None;
    for _ in 0..30 {
        let input = json!({ "title": "Après la panne", "startsAt": "2027-04-02T09:00:00Z" });
        let (status, body) = post(&app, &app.admin_token, CREATE, json!({ "input": input })).await;
        if status == 200 && body.get("errors").is_none() {
            recovered = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered.is_some(), "writes succeed again without restarting the hub");
    assert_eq!(ready(&app).await, 200);
    app.stop().await;
}

/// `passerelle serve` on `dir`, as a child process that a test may kill.
fn serve(dir: &std::path::Path, port: u16) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .arg("serve")
        .env("PASSERELLE_DATA_DIR", dir)
        .env("PASSERELLE_LISTEN", format!("127.0.0.1:{port}"))
        .env("PASSERELLE_FEEDS_SCHEDULER", "true")
        .env("PASSERELLE_FEEDS_POLL_SECONDS", "1")
        .env("PASSERELLE_FEEDS_ALLOW_HOSTS", "127.0.0.1")
        .env("PASSERELLE_FEEDS_TIMEOUT_SECONDS", "60")
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("MEILI_URL")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("the hub starts")
}

fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    probe.local_addr().expect("an address").port()
}

async fn sqlite(dir: &std::path::Path) -> sea_orm::DatabaseConnection {
    let db = sea_orm::Database::connect(passerelle::config::default_sqlite_url(dir).as_str())
        .await
        .expect("the database");
    passerelle::store::migrate(&db).await.expect("migrated");
    db
}

async fn kill_9(child: &mut tokio::process::Child) {
    let pid = child.id().expect("a pid").to_string();
    let status = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let _ = child.wait().await;
}

#[tokio::test]
async fn a_sync_killed_half_way_writes_nothing_and_is_redone_once() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let server = FeedServer::start().await;
    // A body that takes 30 s to arrive: the hub is killed while it reads it.
    server.set(
        "/agenda.ics",
        Reply::Trickle {
            every: std::time::Duration::from_millis(300),
            chunks: 100,
        },
    );
    let dir = std::env::temp_dir().join(format!("passerelle-kill-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let db = sqlite(&dir).await;
    let org = local_organisation(&db, "tue", "Tué").await;
    let feed = local_feed(&db, org, "Agenda", &server.url("/agenda.ics")).await;
    db.close().await.expect("closed");

    let mut hub = serve(&dir, free_port());
    let mut started = false;
    for _ in 0..200 {
        if server.hits("/agenda.ics") > 0 {
            started = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(started, "the sync began");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    kill_9(&mut hub).await;

    let db = sqlite(&dir).await;
    let events = entity::event::Entity::find().count(&db).await.expect("a count");
    assert_eq!(events, 0, "nothing half-written");
    let runs = entity::feed_run::Entity::find()
        .filter(entity::feed_run::Column::FeedId.eq(feed))
        .all(&db)
        .await
        .expect("the runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(
        runs[0].outcome,
        entity::FeedRunOutcome::Running,
        "the killed sync never ended"
    );
    let row = entity::feed::Entity::find_by_id(feed)
        .one(&db)
        .await
        .expect("read")
        .expect("the feed");
    assert!(row.lease_owner.is_some(), "the dead instance's lease is still there");
    // Its lease runs out (instead of waiting minutes, the test moves it to the past).
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE feeds SET lease_expires_at = '2000-01-01 00:00:00'")
        .await
        .expect("the lease expires");
    db.close().await.expect("closed");

    let calendar = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:k-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270310T090000Z\r\nSUMMARY:Forum\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    server.set("/agenda.ics", Reply::file("text/calendar", calendar));
    let mut hub = serve(&dir, free_port());
    let db = sqlite(&dir).await;
    let mut synced = false;
    for _ in 0..200 {
        if entity::event::Entity::find().count(&db).await.unwrap_or(0) == 1 {
            synced = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(synced, "another start syncs the feed once its lease expired");
    // A few scheduler passes later, still one successful run: the sync was redone exactly
    // once, and the killed one is closed as interrupted.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let runs = entity::feed_run::Entity::find()
        .filter(entity::feed_run::Column::FeedId.eq(feed))
        .all(&db)
        .await
        .expect("the runs");
    let outcomes: Vec<entity::FeedRunOutcome> = runs.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == entity::FeedRunOutcome::Success)
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        runs.iter().any(|r| r.outcome == entity::FeedRunOutcome::Failed
            && r.error.as_deref().is_some_and(|e| e.contains("interrupted"))),
        "{runs:?}"
    );
    assert_eq!(runs.len(), 2, "{runs:?}");
    kill_9(&mut hub).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_import_killed_half_way_writes_all_rows_or_none() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let dir = std::env::temp_dir().join(format!("passerelle-kill-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let db = sqlite(&dir).await;
    local_organisation(&db, "imp", "Import").await;
    db.close().await.expect("closed");
    const ROWS: u64 = 20_000;
    let mut csv = String::from("Nom de l'événement;Lieu;Date\r\n");
    for i in 0..ROWS {
        csv.push_str(&format!("Atelier {i};Lycée {i};{:02}/03/2027 09:30\r\n", i % 28 + 1));
    }
    let path = dir.join("events.csv");
    std::fs::write(&path, csv).expect("the file");
    let mut import = tokio::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(["import", "events"])
        .arg(&path)
        .args(["--organisation", "imp"])
        .env("PASSERELLE_DATA_DIR", &dir)
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("MEILI_URL")
        .kill_on_drop(true)
        .spawn()
        .expect("the import starts");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let running = import.try_wait().expect("a status").is_none();
    kill_9(&mut import).await;
    let db = sqlite(&dir).await;
    let events = entity::event::Entity::find().count(&db).await.expect("a count");
    assert!(events == 0 || events == ROWS, "all rows or none: {events}");
    if running {
        eprintln!("the import was killed while running; {events} rows were kept");
    }
    db.close().await.expect("closed");
    // Run again to the end: every row, once.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(["import", "events"])
        .arg(&path)
        .args(["--organisation", "imp"])
        .env("PASSERELLE_DATA_DIR", &dir)
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("MEILI_URL")
        .output()
        .expect("the import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = sqlite(&dir).await;
    assert_eq!(entity::event::Entity::find().count(&db).await.expect("a count"), ROWS);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn local_organisation(db: &sea_orm::DatabaseConnection, slug: &str, name: &str) -> uuid::Uuid {
    passerelle::store::record::create::<entity::organisation::Entity>(
        db,
        passerelle::store::organisations::OrganisationFields {
            slug: slug.into(),
            name: name.into(),
            kind: entity::OrganisationKind::Network,
            region: None,
            departement: None,
            postal_code: None,
            city: None,
            website: None,
            description: None,
        },
    )
    .await
    .expect("an organisation")
    .id
}

/// An hourly iCalendar feed of `organisation`, written straight into the database.
async fn local_feed(db: &sea_orm::DatabaseConnection, organisation: uuid::Uuid, name: &str, url: &str) -> uuid::Uuid {
    passerelle::store::record::create::<entity::feed::Entity>(
        db,
        passerelle::store::feeds::FeedFields {
            organisation_id: organisation,
            name: name.into(),
            url: url.into(),
            format: entity::FeedFormat::Ical,
            interval_minutes: 60,
            enabled: true,
            default_visibility: entity::Visibility::Public,
            default_audiences: Vec::new(),
            timezone: "Europe/Paris".into(),
            use_publication_date: false,
            csv_columns: Default::default(),
        },
    )
    .await
    .expect("a feed")
    .id
}

/// Polls `fut` at most `polls` times, then drops it: `Some` when it finished first.
async fn cancel_after<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let mut left = polls;
    std::future::poll_fn(move |cx| match fut.as_mut().poll(cx) {
        std::task::Poll::Ready(out) => std::task::Poll::Ready(Some(out)),
        std::task::Poll::Pending if left <= 1 => std::task::Poll::Ready(None),
        std::task::Poll::Pending => {
            left -= 1;
            std::task::Poll::Pending
        }
    })
    .await
}

/// A request dropped while its write transaction is beginning (the client hung up, the
/// request timed out) must not hand its connection back still inside that transaction: the
/// next borrower's writes would land in it and be lost. One connection in the pool, so every
/// statement after a cancelled `BEGIN` runs on the connection it used.
#[tokio::test]
async fn a_write_cancelled_at_its_begin_leaves_no_transaction_open_on_its_connection() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    for mut fresh in common::fresh_databases().await {
        fresh.config.db_max_connections = 1;
        let (db, _) = passerelle::store::connect(&fresh.config).await.expect("the pool opens");
        let backend = db.get_database_backend();
        let mut cancelled = 0;
        for attempt in 0..400 {
            match cancel_after(passerelle::store::unit::begin(&db), attempt % 64 + 1).await {
                None => cancelled += 1,
                Some(txn) => drop(txn.expect("BEGIN succeeds")),
            }
            if backend == DatabaseBackend::Postgres {
                // A transaction-local setting outlives its statement only inside an open
                // transaction.
                db.execute_unprepared("SELECT set_config('passerelle.probe', 'set', true)")
                    .await
                    .expect("set_config");
                let row = db
                    .query_one_raw(Statement::from_string(
                        backend,
                        "SELECT coalesce(current_setting('passerelle.probe', true), '') AS v",
                    ))
                    .await
                    .expect("current_setting")
                    .expect("a row");
                let v: String = row.try_get("", "v").expect("a text");
                assert_eq!(
                    v, "",
                    "{}: attempt {attempt} left the connection inside a transaction",
                    fresh.backend
                );
            } else {
                db.execute_unprepared("BEGIN").await.unwrap_or_else(|e| {
                    panic!(
                        "{}: attempt {attempt} left the connection inside a transaction: {e}",
                        fresh.backend
                    )
                });
                db.execute_unprepared("ROLLBACK").await.expect("ROLLBACK");
            }
        }
        assert!(
            cancelled >= 5,
            "{}: only {cancelled} BEGINs were cancelled in flight",
            fresh.backend
        );
        db.close().await.expect("the pool closes");
        fresh.remove().await;
    }
}
