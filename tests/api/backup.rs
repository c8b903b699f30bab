//! `passerelle backup` and `passerelle restore`, run as the real binary on real files: a backup
//! taken while a hub writes, a restore refused under a running hub and done once it stopped,
//! the search index rebuilt from the restored database, and the refusals. The PostgreSQL half
//! runs when `PASSERELLE_TEST_DATABASE_URL` is set and `pg_dump`/`pg_restore` are installed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use passerelle::config::Config;
use passerelle::startup::Running;
use sea_orm::{EntityTrait, PaginatorTrait, QuerySelect};
use serde_json::{Value, json};

use crate::common;

const CREATE_EVENT: &str = "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }";
const SEARCH: &str = "query($q: String!, $after: String) { search(query: $q, types: [EVENT], first: 100, after: $after) { \
    edges { node { __typename ... on Event { id } } } pageInfo { hasNextPage endCursor } degraded } }";

/// A hub started on a given configuration, with an administrator's session.
struct Hub {
    running: Running,
    client: reqwest::Client,
    url: String,
    token: String,
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send()
        .await
        .expect("the request is sent")
        .json()
        .await
        .expect("the response is JSON")
}

impl Hub {
    async fn start(config: &Config) -> Hub {
        let running = passerelle::startup::start(config, false).await.expect("the hub starts");
        let client = reqwest::Client::new();
        let url = format!("http://{}/graphql", running.addr);
        // A new account each time: a restored database already has the earlier ones.
        let email = format!("admin-{}@example.org", uuid::Uuid::new_v4().simple());
        let (_, temporary) =
            passerelle::auth::accounts::create_user(&running.db, &email, None, None, entity::Role::Admin)
                .await
                .expect("the account is created");
        let login = post(
            &client,
            &url,
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            json!({ "e": email, "p": temporary }),
        )
        .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        let changed = post(
            &client,
            &url,
            Some(&token),
            "mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"a long new passphrase\") { user { mustChangePassword } } }",
            json!({ "c": temporary }),
        )
        .await;
        assert_eq!(
            changed["data"]["changePassword"]["user"]["mustChangePassword"], false,
            "{changed}"
        );
        Hub {
            running,
            client,
            url,
            token,
        }
    }

    async fn data(&self, query: &str, variables: Value) -> Value {
        let body = post(&self.client, &self.url, Some(&self.token), query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    async fn create_event(&self, title: &str) -> String {
        let data = self
            .data(
                CREATE_EVENT,
                json!({ "input": { "title": title, "startsAt": "2027-03-08T09:00:00Z" } }),
            )
            .await;
        data["createEvent"]["event"]["id"].as_str().expect("an id").to_string()
    }

    async fn event_ids(&self) -> BTreeSet<String> {
        event_ids(&self.running.db).await
    }

    /// Applies the whole search outbox to the index.
    async fn index(&self) {
        let drained = self
            .running
            .indexer
            .drain(Duration::from_secs(60))
            .await
            .expect("the outbox drains");
        assert_eq!(drained.failed, 0, "no batch fails");
    }

    /// The ids of every event the search engine finds for `q` (never the degraded fallback).
    async fn search_ids(&self, q: &str) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        let mut after = Value::Null;
        loop {
            let data = self.data(SEARCH, json!({ "q": q, "after": after })).await;
            let search = &data["search"];
            assert_eq!(search["degraded"], false, "{search}");
            for edge in search["edges"].as_array().expect("edges") {
                ids.insert(edge["node"]["id"].as_str().expect("an id").to_string());
            }
            if search["pageInfo"]["hasNextPage"] != true {
                return ids;
            }
            after = search["pageInfo"]["endCursor"].clone();
        }
    }

    async fn stop(self) {
        self.running.stop().await.expect("the hub stops");
    }
}

async fn event_ids(db: &sea_orm::DatabaseConnection) -> BTreeSet<String> {
    use entity::event::{Column, Entity};
    Entity::find()
        .select_only()
        .column(Column::Id)
        .into_tuple::<uuid::Uuid>()
        .all(db)
        .await
        .expect("the events are read")
        .into_iter()
        .map(|id| id.to_string())
        .collect()
}

async fn event_count(db: &sea_orm::DatabaseConnection) -> u64 {
    entity::event::Entity::find()
        .count(db)
        .await
        .expect("the events are counted")
}

/// What a run of the binary said.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit ok: {}\nstdout:\n{}\nstderr:\n{}",
            self.ok, self.stdout, self.stderr
        )
    }
}

/// Runs the real binary on a data directory (and a database URL: SQLite's default when `None`).
async fn cli(dir: &Path, database_url: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_passerelle"));
    cmd.args(args)
        .env("PASSERELLE_DATA_DIR", dir)
        .env("RUST_BACKTRACE", "0")
        .env_remove("MEILI_URL")
        .env_remove("PASSERELLE_SEARCH_INDEX_DIR");
    match database_url {
        Some(url) => cmd.env("PASSERELLE_DATABASE_URL", url),
        None => cmd.env_remove("PASSERELLE_DATABASE_URL"),
    };
    let out = cmd.output().await.expect("the command runs");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("passerelle-{what}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// The names in `dir`.
fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("the directory is listed")
        .map(|e| e.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// Opens a copy of an SQLite backup (the checks must not change the file itself) and returns
/// its integrity problems and event ids.
async fn inspect_sqlite_backup(file: &Path) -> (Vec<String>, BTreeSet<String>) {
    let copy = file.with_extension("inspected");
    std::fs::copy(file, &copy).expect("the backup is copied");
    let db = passerelle::store::backup::open_sqlite_file(&copy)
        .await
        .expect("the backup opens as an SQLite database");
    let problems = passerelle::store::backup::integrity_problems(&db)
        .await
        .expect("integrity_check runs");
    assert!(
        passerelle::store::backup::sqlite_has_table(&db, "seaql_migrations")
            .await
            .expect("read"),
        "the backup has the migrations table"
    );
    let ids = event_ids(&db).await;
    db.close().await.expect("closed");
    let _ = std::fs::remove_file(&copy);
    (problems, ids)
}

/// A task creating events one after the other until told to stop; returns their ids in the
/// order they were committed.
fn writer(hub: &Hub, stop: Arc<AtomicBool>, max: usize) -> tokio::task::JoinHandle<Vec<String>> {
    let (client, url, token) = (hub.client.clone(), hub.url.clone(), hub.token.clone());
    tokio::spawn(async move {
        let mut ids = Vec::new();
        while !stop.load(Ordering::Relaxed) && ids.len() < max {
            let body = post(
                &client,
                &url,
                Some(&token),
                CREATE_EVENT,
                json!({ "input": { "title": format!("Atelier robotique {}", ids.len()), "startsAt": "2027-03-08T09:00:00Z" } }),
            )
            .await;
            // The hub keeps writing while the backup runs: no write fails.
            assert!(body.get("errors").is_none(), "a write failed during the backup: {body}");
            ids.push(
                body["data"]["createEvent"]["event"]["id"]
                    .as_str()
                    .expect("an id")
                    .to_string(),
            );
        }
        ids
    })
}

async fn wait_for_events(db: &sea_orm::DatabaseConnection, at_least: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while event_count(db).await < at_least {
        assert!(std::time::Instant::now() < deadline, "the writer is too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_the_hub_writes_is_consistent_and_restores_with_its_search_index() {
    let dir = temp_dir("backup-data");
    let out = temp_dir("backup-out");
    let file = out.join("passerelle-backup.db");
    let config = common::sqlite_config(&dir);
    let hub = Hub::start(&config).await;

    // Events written continuously; the backup is taken in the middle.
    let stop = Arc::new(AtomicBool::new(false));
    let writing = writer(&hub, stop.clone(), 400);
    wait_for_events(&hub.running.db, 10).await;
    let before = event_count(&hub.running.db).await;
    let run = cli(&dir, None, &["backup", file.to_str().expect("UTF-8")]).await;
    let after = event_count(&hub.running.db).await;
    assert!(run.ok, "{run}");
    assert!(
        run.stdout.contains("Sauvegarde écrite : ") && run.stdout.contains("Backup written: "),
        "{run}"
    );
    assert!(run.stdout.contains(file.to_str().expect("UTF-8")), "{run}");
    let size = std::fs::metadata(&file).expect("the backup exists").len();
    assert!(run.stdout.contains(&format!("({size} bytes)")), "{run}");
    // Only the backup: its temporary file was renamed.
    assert_eq!(names(&out), BTreeSet::from(["passerelle-backup.db".to_string()]));
    // A few more events after the backup, then the writer stops.
    wait_for_events(&hub.running.db, after + 5).await;
    stop.store(true, Ordering::Relaxed);
    let written = writing.await.expect("the writer ends");
    assert!(
        after > before,
        "the hub wrote during the backup ({before} then {after})"
    );

    let (problems, backed_up) = inspect_sqlite_backup(&file).await;
    assert_eq!(problems, Vec::<String>::new(), "integrity_check passes");
    let n = backed_up.len() as u64;
    eprintln!("backup taken with {before} events written before it, {after} after it: {n} in it");
    assert!(
        (before..=after).contains(&n),
        "the backup holds {n} events, between {before} and {after}"
    );
    // A snapshot: exactly the events committed first, none of the later ones.
    let first: BTreeSet<String> = written[..backed_up.len()].iter().cloned().collect();
    assert_eq!(backed_up, first, "the backup holds the first {n} events written");
    let later: Vec<String> = written[backed_up.len()..].to_vec();
    assert!(!later.is_empty());

    // Everything is in the running hub's index, the later events included.
    hub.index().await;
    let all: BTreeSet<String> = written.iter().cloned().collect();
    assert_eq!(hub.search_ids("robotique").await, all);
    assert!(dir.join("search").is_dir());

    // No restore under a running hub.
    let run = cli(&dir, None, &["restore", file.to_str().expect("UTF-8")]).await;
    assert!(!run.ok, "{run}");
    assert!(
        run.stderr.contains("Un hub tourne sur ce dossier de données")
            && run.stderr.contains("A hub is running on this data directory")
            && run.stderr.contains("stop it first"),
        "{run}"
    );
    assert_eq!(hub.event_ids().await, all, "nothing was touched");
    hub.stop().await;

    // Stopped: the restore goes through.
    let run = cli(&dir, None, &["restore", file.to_str().expect("UTF-8")]).await;
    assert!(run.ok, "{run}");
    assert!(
        run.stdout.contains("Base restaurée") && run.stdout.contains("Database restored"),
        "{run}"
    );
    assert!(run.stdout.contains("passerelle.db.before-restore"), "{run}");
    assert!(
        run.stdout.contains("Search index: ") && run.stdout.contains("removed"),
        "{run}"
    );
    assert!(run.stdout.contains("Migrations: the backup is up to date"), "{run}");
    assert!(!dir.join("search").exists(), "the embedded index was removed");
    assert!(dir.join("passerelle.db.before-restore").is_file());
    let listed = names(&dir);
    assert!(
        !listed.iter().any(|n| n.contains(".restore-") || n.ends_with("-wal")),
        "no temporary or stale journal file: {listed:?}"
    );

    // A hub on the restored database has the events of the backup, and its rebuilt index
    // finds those and only those.
    let hub = Hub::start(&config).await;
    assert_eq!(hub.event_ids().await, backed_up);
    hub.index().await;
    let found = hub.search_ids("robotique").await;
    assert_eq!(found, backed_up);
    assert!(
        later.iter().all(|id| !found.contains(id)),
        "later events are gone from search"
    );
    // And it writes as before.
    let id = hub.create_event("Atelier robotique après restauration").await;
    hub.index().await;
    assert!(hub.search_ids("restauration").await.contains(&id));
    hub.stop().await;

    // The database kept aside is the one replaced: it has every event.
    let (_, kept) = inspect_sqlite_backup(&dir.join("passerelle.db.before-restore")).await;
    assert_eq!(kept, all);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
}

#[tokio::test]
async fn backups_and_restores_refuse_what_they_must() {
    let dir = temp_dir("backup-refusals");
    let out = temp_dir("backup-refusals-out");
    let config = common::sqlite_config(&dir);
    let file = out.join("b.db");
    let path = |p: &Path| p.to_str().expect("UTF-8").to_string();

    // No database yet: nothing to back up (and none is created).
    let run = cli(&dir, None, &["backup", &path(&file)]).await;
    assert!(!run.ok, "{run}");
    assert!(run.stderr.contains("no database at"), "{run}");
    assert!(!dir.join("passerelle.db").exists());

    let hub = Hub::start(&config).await;
    let kept = hub.create_event("Forum des métiers").await;
    hub.stop().await;
    let run = cli(&dir, None, &["backup", &path(&file)]).await;
    assert!(run.ok, "{run}");

    // An existing file is kept, unless --force.
    let original = std::fs::read(&file).expect("read");
    let run = cli(&dir, None, &["backup", &path(&file)]).await;
    assert!(!run.ok, "{run}");
    assert!(
        run.stderr.contains("existe déjà") && run.stderr.contains("already exists") && run.stderr.contains("--force"),
        "{run}"
    );
    assert_eq!(std::fs::read(&file).expect("read"), original, "untouched");
    let run = cli(&dir, None, &["backup", "--force", &path(&file)]).await;
    assert!(run.ok, "{run}");
    assert!(run.stdout.contains("Backup written"), "{run}");
    assert_eq!(names(&out), BTreeSet::from(["b.db".to_string()]));

    // Restores of files that are not Passerelle backups change nothing.
    let not_sqlite = out.join("notes.txt");
    std::fs::write(&not_sqlite, "Ceci n'est pas une base de données.\n".repeat(20)).expect("written");
    let other = out.join("other.db");
    {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(format!("sqlite://{}?mode=rwc", other.display()).as_str())
            .await
            .expect("a new SQLite file");
        db.execute_unprepared("CREATE TABLE events (id TEXT PRIMARY KEY, title TEXT)")
            .await
            .expect("a table");
        db.close().await.expect("closed");
    }
    let leftovers = |dir: &Path| {
        names(dir)
            .into_iter()
            .filter(|n| n.contains(".restore-") || n.contains("before-restore"))
            .collect::<Vec<_>>()
    };
    let cases = [
        (not_sqlite.clone(), "is not a readable SQLite database"),
        (other.clone(), "has no seaql_migrations table"),
        (out.join("missing.db"), "cannot read the backup"),
    ];
    for (candidate, message) in cases {
        let run = cli(&dir, None, &["restore", &path(&candidate)]).await;
        assert!(!run.ok, "{run}");
        assert!(run.stderr.contains(message), "{message}: {run}");
        assert_eq!(
            leftovers(&dir),
            Vec::<String>::new(),
            "nothing changed in the data directory"
        );
    }
    let hub = Hub::start(&config).await;
    assert!(hub.event_ids().await.contains(&kept));
    hub.stop().await;

    // PostgreSQL without pg_dump: how to install it, and the command, with no password shown.
    let empty_path = temp_dir("no-tools");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_passerelle"));
    let run = cmd
        .args(["backup", &path(&out.join("pg.dump"))])
        .env("PATH", &empty_path)
        .env("RUST_BACKTRACE", "0")
        .env("PASSERELLE_DATA_DIR", &dir)
        .env(
            "PASSERELLE_DATABASE_URL",
            "postgres://hub:hunter2@127.0.0.1:1/passerelle",
        )
        .output()
        .await
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(stderr.contains("apt-get install postgresql-client"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "PGPASSWORD=… pg_dump --format=custom --file {} postgres://hub@127.0.0.1:1/passerelle",
            path(&out.join("pg.dump"))
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!out.join("pg.dump").exists());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&empty_path);
}

/// Whether a PostgreSQL client tool runs here.
fn installed(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn postgres_backups_restore_with_pg_restore() {
    let Ok(admin_url) = std::env::var("PASSERELLE_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL half skipped: PASSERELLE_TEST_DATABASE_URL is not set");
        return;
    };
    if !(installed("pg_dump") && installed("pg_restore")) {
        eprintln!(
            "PostgreSQL half skipped: pg_dump or pg_restore is not installed (apt-get install postgresql-client)"
        );
        return;
    }
    use sea_orm::ConnectionTrait;
    let name = format!("passerelle_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .expect("PASSERELLE_TEST_DATABASE_URL is reachable");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("a test database can be created");
    let mut url = url::Url::parse(&admin_url).expect("a valid PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let dir = temp_dir("backup-pg");
    let out = temp_dir("backup-pg-out");
    let file = out.join("passerelle.dump");
    let file_arg = file.to_str().expect("UTF-8");
    let config = Config {
        database_url: url.clone(),
        ..common::sqlite_config(&dir)
    };

    let hub = Hub::start(&config).await;
    let mut kept = BTreeSet::new();
    for i in 0..5 {
        kept.insert(hub.create_event(&format!("Atelier robotique {i}")).await);
    }
    hub.index().await;
    let run = cli(&dir, Some(&url), &["backup", file_arg]).await;
    assert!(run.ok, "{run}");
    assert!(
        run.stdout.contains("Sauvegarde écrite") && run.stdout.contains("Backup written"),
        "{run}"
    );
    let dump = std::fs::read(&file).expect("the dump exists");
    assert!(dump.starts_with(b"PGDMP"), "a pg_dump custom archive");
    let password = url::Url::parse(&url)
        .ok()
        .and_then(|u| u.password().map(str::to_string));
    if let Some(password) = password.filter(|p| p.len() > 3) {
        assert!(!run.stdout.contains(&format!(":{password}@")), "{run}");
        assert!(!run.stderr.contains(&format!(":{password}@")), "{run}");
    }
    let later = hub.create_event("Atelier robotique d'après").await;
    hub.index().await;
    assert!(hub.search_ids("robotique").await.contains(&later));
    hub.stop().await;

    // The database has tables: refused without --yes.
    let run = cli(&dir, Some(&url), &["restore", file_arg]).await;
    assert!(!run.ok, "{run}");
    assert!(
        run.stderr.contains("already has") && run.stderr.contains("--yes"),
        "{run}"
    );
    // Not an archive: refused before anything is dropped.
    let junk = out.join("junk.dump");
    std::fs::write(&junk, b"not an archive").expect("written");
    let run = cli(&dir, Some(&url), &["restore", "--yes", junk.to_str().expect("UTF-8")]).await;
    assert!(!run.ok, "{run}");
    assert!(run.stderr.contains("is not a readable pg_dump archive"), "{run}");

    let run = cli(&dir, Some(&url), &["restore", "--yes", file_arg]).await;
    assert!(run.ok, "{run}");
    assert!(run.stdout.contains("Database restored"), "{run}");
    assert!(
        run.stdout.contains("Search index: ") && run.stdout.contains("removed"),
        "{run}"
    );
    assert!(!dir.join("search").exists());

    let hub = Hub::start(&config).await;
    let ids = hub.event_ids().await;
    assert_eq!(ids, kept, "the events of the backup, not the later one");
    hub.index().await;
    let found = hub.search_ids("robotique").await;
    assert_eq!(found, kept);
    assert!(!found.contains(&later));
    hub.stop().await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&out);
}
