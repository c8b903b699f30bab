//! Spawns the real server on port 0 with a fresh database, and talks to it over HTTP.
//! Every test runs on SQLite, and on PostgreSQL when `PASSERELLE_TEST_DATABASE_URL` is set.

pub mod feed_server;
pub mod kits;
pub mod mime;
pub mod relay;
pub mod smtp;

use std::path::PathBuf;

use passerelle::config::Config;
use passerelle::startup::{Running, start};
use serde_json::{Value, json};

pub struct TestApp {
    pub backend: &'static str,
    pub url: String,
    pub base: String,
    pub client: reqwest::Client,
    /// A session of `admin@example.org`, used by `gql` and `data`.
    pub admin_token: String,
    data_dir: PathBuf,
    running: Option<Running>,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl Cleanup {
    async fn run(&self) {
        match self {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(admin) = sea_orm::Database::connect(admin_url.as_str()).await {
                    use sea_orm::ConnectionTrait;
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await;
                }
                let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("passerelle-test-{name}")));
            }
        }
    }
}

fn config(database_url: String, data_dir: PathBuf) -> Config {
    Config {
        database_url,
        listen: "127.0.0.1:0".parse().expect("a valid address"),
        data_dir,
        db_max_connections: 5,
        db_min_connections: None,
        db_busy_timeout: std::time::Duration::from_secs(5),
        max_body_bytes: 64 * 1024,
        max_upload_bytes: 4 * 1024 * 1024,
        max_depth: 12,
        max_complexity: 5000,
        // No query-cost budget: the tests send far more than a client would (the security
        // tests turn it on).
        security: passerelle::config::SecuritySettings {
            rate_limit_anonymous: 0,
            rate_limit_authenticated: 0,
            ..Default::default()
        },
        observability: Default::default(),
        feeds: feed_settings(),
        search: search_settings(),
        mail: mail_settings(),
    }
}

/// Mail settings of the tests: no SMTP (messages written under the data directory), no
/// background sender (tests call the sender's `run_once`), failed messages retried at once.
pub fn mail_settings() -> passerelle::config::MailSettings {
    passerelle::config::MailSettings {
        sender: false,
        retry_base: std::time::Duration::ZERO,
        retry_max: std::time::Duration::ZERO,
        ..Default::default()
    }
}

/// The configuration of a hub on an SQLite file in `dir` (for tests that start and stop it
/// themselves, or run the command line on its data directory).
pub fn sqlite_config(dir: &std::path::Path) -> Config {
    config(passerelle::config::default_sqlite_url(dir), dir.to_path_buf())
}

/// Search settings of the tests: the embedded index in the app's data directory, no
/// background indexer (tests call `drain`), and failed batches retried at once.
pub fn search_settings() -> passerelle::config::SearchSettings {
    passerelle::config::SearchSettings {
        indexer: false,
        retry_base: std::time::Duration::ZERO,
        ..Default::default()
    }
}

/// Feed settings of the tests: no scheduler (tests call `run_once`), the local feed server
/// allowed, short timeouts, a 1 MiB body limit, and a recurrence window reaching back far
/// enough for the corpus files (2008 onwards).
pub fn feed_settings() -> passerelle::config::FeedSettings {
    passerelle::config::FeedSettings {
        scheduler: false,
        allow_hosts: "127.0.0.1".parse().expect("an allow list"),
        max_bytes: 1024 * 1024,
        timeout: std::time::Duration::from_secs(3),
        connect_timeout: std::time::Duration::from_secs(2),
        window_past_days: 20 * 366,
        window_future_days: 365,
        ..Default::default()
    }
}

impl TestApp {
    async fn spawn(backend: &'static str, config: Config, demo: bool, cleanup: Cleanup) -> TestApp {
        let running = start(&config, demo).await.expect("the hub starts");
        let data_dir = config.data_dir.clone();
        let base = format!("http://{}", running.addr);
        let mut app = TestApp {
            backend,
            url: format!("{base}/graphql"),
            base,
            client: reqwest::Client::new(),
            admin_token: String::new(),
            data_dir,
            running: Some(running),
            cleanup,
        };
        app.admin_token = app.account("admin@example.org", entity::Role::Admin, None).await;
        app
    }

    /// The database of the running hub.
    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.running.as_ref().expect("running").db
    }

    /// Creates an account (as the command line does), signs it in, replaces its temporary
    /// password, and returns its session token.
    pub async fn account(&self, email: &str, role: entity::Role, organisation: Option<&str>) -> String {
        let org = organisation.map(|id| uuid::Uuid::parse_str(id).expect("an organisation id"));
        let (_, temporary) = passerelle::auth::accounts::create_user(self.db(), email, None, org, role)
            .await
            .expect("the account is created");
        let login = self
            .gql_as(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token mustChangePassword } }",
                json!({ "e": email, "p": temporary }),
            )
            .await;
        let token = login["data"]["login"]["token"].as_str().expect("a token").to_string();
        assert_eq!(login["data"]["login"]["mustChangePassword"], true);
        let changed = self
            .gql_as(
                Some(&token),
                "mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"a long new passphrase\") { user { mustChangePassword } } }",
                json!({ "c": temporary }),
            )
            .await;
        assert_eq!(
            changed["data"]["changePassword"]["user"]["mustChangePassword"], false,
            "{changed}"
        );
        token
    }

    /// Posts a GraphQL request with a bearer token (or none) and returns the whole response.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let resp = req.send().await.expect("the request is sent");
        resp.json().await.expect("the response is JSON")
    }

    /// Posts a GraphQL request as the administrator and returns the whole JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&self.admin_token), query, variables).await
    }

    /// Like `gql`, but fails the test on any GraphQL error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{}] unexpected errors: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    /// Like `data`, as an anonymous caller.
    pub async fn data_anon(&self, query: &str, variables: Value) -> Value {
        let body = self.gql_as(None, query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{}] unexpected errors: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    /// This instance's feed puller.
    pub fn puller(&self) -> &passerelle::jobs::pull_feeds::Puller {
        &self.running.as_ref().expect("running").puller
    }

    /// The hub's data directory (the embedded search index is in `search/`).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// This instance's search indexer.
    pub fn indexer(&self) -> &passerelle::jobs::index_search::Indexer {
        &self.running.as_ref().expect("running").indexer
    }

    /// Applies every waiting search outbox row to the index; fails the test on a failed batch.
    pub async fn index(&self) {
        let drained = self
            .indexer()
            .drain(std::time::Duration::from_secs(30))
            .await
            .expect("the outbox drains");
        assert_eq!(drained.failed, 0, "[{}] no batch fails", self.backend);
    }

    /// This instance's mail sender.
    pub fn mail(&self) -> &passerelle::jobs::send_mail::MailSender {
        &self.running.as_ref().expect("running").mail
    }

    /// Queues the due digests and sends every due message once, as the sender's background
    /// pass does; fails the test if the pass cannot run.
    pub async fn send_mail(&self) -> passerelle::jobs::send_mail::Pass {
        self.mail().run_once().await.expect("the mail sender runs")
    }

    /// SQL statements run by this instance so far.
    pub fn statements(&self) -> u64 {
        self.running.as_ref().map_or(0, |r| r.statements.get())
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await.expect("the hub stops");
        }
        self.cleanup.run().await;
    }
}

/// One hub on a fresh SQLite file.
pub async fn sqlite_app(demo: bool) -> TestApp {
    sqlite_app_with(demo, search_settings()).await
}

/// One hub on a fresh SQLite file, with these search settings.
pub async fn sqlite_app_with(demo: bool, search: passerelle::config::SearchSettings) -> TestApp {
    sqlite_app_configured(demo, |c| c.search = search.clone()).await
}

/// One hub on a fresh SQLite file, its configuration changed by `tweak`.
pub async fn sqlite_app_configured(demo: bool, tweak: impl Fn(&mut Config)) -> TestApp {
    let mut fresh = fresh_sqlite();
    tweak(&mut fresh.config);
    fresh.start(demo).await
}

/// One hub on a fresh PostgreSQL database, when the test database URL is set.
pub async fn postgres_app(demo: bool) -> Option<TestApp> {
    postgres_app_with(demo, search_settings()).await
}

/// One hub on a fresh PostgreSQL database, with these search settings.
pub async fn postgres_app_with(demo: bool, search: passerelle::config::SearchSettings) -> Option<TestApp> {
    postgres_app_configured(demo, |c| c.search = search.clone()).await
}

/// One hub on a fresh PostgreSQL database (when the test database URL is set), its
/// configuration changed by `tweak`.
pub async fn postgres_app_configured(demo: bool, tweak: impl Fn(&mut Config)) -> Option<TestApp> {
    let mut fresh = fresh_postgres().await?;
    tweak(&mut fresh.config);
    Some(fresh.start(demo).await)
}

/// A database nothing has touched yet, with the configuration of a hub on it: SQLite, a
/// fresh directory (no file yet); PostgreSQL, a fresh empty database. For tests that prepare
/// it, or run the command line on it, before a hub starts on it (or instead).
pub struct FreshDatabase {
    pub backend: &'static str,
    pub config: Config,
    cleanup: Cleanup,
}

/// A fresh SQLite directory.
pub fn fresh_sqlite() -> FreshDatabase {
    let dir = std::env::temp_dir().join(format!("passerelle-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let url = passerelle::config::default_sqlite_url(&dir);
    FreshDatabase {
        backend: "sqlite",
        config: config(url, dir.clone()),
        cleanup: Cleanup::Dir(dir),
    }
}

/// A fresh PostgreSQL database, when the test database URL is set (else `None`, with the
/// skip reason printed).
pub async fn fresh_postgres() -> Option<FreshDatabase> {
    let Ok(admin_url) = std::env::var("PASSERELLE_TEST_DATABASE_URL") else {
        eprintln!("PostgreSQL half skipped: PASSERELLE_TEST_DATABASE_URL is not set");
        return None;
    };
    let name = format!("passerelle_t_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .expect("PASSERELLE_TEST_DATABASE_URL is reachable");
    {
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("a test database can be created");
    }
    let _ = admin.close().await;
    let mut url = url::Url::parse(&admin_url).expect("a valid PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    let dir = std::env::temp_dir().join(format!("passerelle-test-{name}"));
    Some(FreshDatabase {
        backend: "postgres",
        config: config(url.to_string(), dir),
        cleanup: Cleanup::PgDatabase { admin_url, name },
    })
}

/// A fresh database on every backend available: SQLite always, PostgreSQL when configured.
pub async fn fresh_databases() -> Vec<FreshDatabase> {
    let mut all = vec![fresh_sqlite()];
    all.extend(fresh_postgres().await);
    all
}

impl FreshDatabase {
    /// A plain connection to it (creating the SQLite file), with no migration applied.
    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        if let Cleanup::Dir(dir) = &self.cleanup {
            std::fs::create_dir_all(dir).expect("the directory");
        }
        sea_orm::Database::connect(self.config.database_url.as_str())
            .await
            .expect("the fresh database opens")
    }

    /// Starts a hub on it.
    pub async fn start(self, demo: bool) -> TestApp {
        TestApp::spawn(self.backend, self.config, demo, self.cleanup).await
    }

    /// Removes it, no hub having started on it.
    pub async fn remove(self) {
        self.cleanup.run().await;
    }
}

/// A hub on every backend available: SQLite always, PostgreSQL when configured.
pub async fn apps(demo: bool) -> Vec<TestApp> {
    let mut apps = vec![sqlite_app(demo).await];
    if let Some(pg) = postgres_app(demo).await {
        apps.push(pg);
    }
    apps
}

/// A hub on every backend available, its configuration changed by `tweak`.
pub async fn apps_configured(demo: bool, tweak: impl Fn(&mut Config)) -> Vec<TestApp> {
    let mut apps = vec![sqlite_app_configured(demo, &tweak).await];
    if let Some(pg) = postgres_app_configured(demo, &tweak).await {
        apps.push(pg);
    }
    apps
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

pub fn error_field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
}

/// Creates an organisation and returns its id.
pub async fn organisation(app: &TestApp, slug: &str, name: &str, extra: Value) -> String {
    let mut input = json!({ "slug": slug, "name": name, "kind": "ASSOCIATION" });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            input.insert(k.clone(), v.clone());
        }
    }
    let data = app
        .data(
            "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createOrganisation"]["organisation"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Creates an event and returns its id.
pub async fn event(app: &TestApp, input: Value) -> String {
    let data = app
        .data(
            "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createEvent"]["event"]["id"].as_str().expect("an id").to_string()
}

/// Registers a feed as the administrator and returns its id.
pub async fn feed(app: &TestApp, organisation_id: &str, url: &str, extra: Value) -> String {
    let mut input = json!({ "organisationId": organisation_id, "name": url, "url": url });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            input.insert(k.clone(), v.clone());
        }
    }
    let data = app
        .data(
            "mutation($input: CreateFeedInput!) { createFeed(input: $input) { feed { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createFeed"]["feed"]["id"].as_str().expect("an id").to_string()
}

/// Pulls a feed now through `syncFeed` and returns the run and the feed after it.
pub async fn sync(app: &TestApp, feed_id: &str) -> (Value, Value) {
    let data = app
        .data(
            "mutation($id: ID!) { syncFeed(id: $id) { run { outcome httpStatus itemsSeen created updated removed error warnings } \
             feed { status consecutiveFailures lastError lastFetchedAt lastSuccessAt nextFetchAt } } }",
            json!({ "id": feed_id }),
        )
        .await;
    (data["syncFeed"]["run"].clone(), data["syncFeed"]["feed"].clone())
}

/// Two hub instances on one fresh PostgreSQL database, when the test database URL is set
/// (else `None`, with the skip reason printed).
pub struct PgPair {
    pub one: Running,
    pub two: Running,
    /// A connection to the server's maintenance database, and the test database's name.
    pub admin: sea_orm::DatabaseConnection,
    pub name: String,
}

impl PgPair {
    pub async fn start(demo: bool, feeds: passerelle::config::FeedSettings, db_max_connections: u32) -> Option<PgPair> {
        Self::start_configured(demo, db_max_connections, |c| c.feeds = feeds.clone()).await
    }

    /// Two instances, their configuration changed by `tweak`.
    pub async fn start_configured(demo: bool, db_max_connections: u32, tweak: impl Fn(&mut Config)) -> Option<PgPair> {
        use sea_orm::ConnectionTrait;
        let Ok(admin_url) = std::env::var("PASSERELLE_TEST_DATABASE_URL") else {
            eprintln!("PostgreSQL half skipped: PASSERELLE_TEST_DATABASE_URL is not set");
            return None;
        };
        let name = format!("passerelle_t_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(admin_url.as_str())
            .await
            .expect("admin connection");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("a test database");
        let mut url = url::Url::parse(&admin_url).expect("a URL");
        url.set_path(&format!("/{name}"));
        let config = |dir: &str| {
            let mut config = Config {
                db_max_connections,
                ..config(url.to_string(), std::env::temp_dir().join(dir))
            };
            tweak(&mut config);
            config
        };
        let (a, b) = (config(&format!("{name}-a")), config(&format!("{name}-b")));
        let (one, two) = tokio::join!(start(&a, demo), start(&b, demo));
        Some(PgPair {
            one: one.expect("instance one starts"),
            two: two.expect("instance two starts"),
            admin,
            name,
        })
    }

    pub async fn stop(self) {
        use sea_orm::ConnectionTrait;
        self.one.stop().await.expect("stops");
        self.two.stop().await.expect("stops");
        let _ = self
            .admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .await;
    }
}

/// Sends `importCsv` as a GraphQL multipart request (the upload specification).
pub async fn upload(app: &TestApp, token: Option<&str>, kind: &str, file: &[u8], extra: Value) -> Value {
    let mut variables = json!({ "kind": kind, "file": null });
    if let (Some(v), Some(extra)) = (variables.as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            v.insert(k.clone(), x.clone());
        }
    }
    let operations = json!({
        "query": "mutation($kind: ImportKind!, $file: Upload!, $organisationId: ID, $dryRun: Boolean = false, $skipInvalid: Boolean = false) { \
                  importCsv(kind: $kind, file: $file, organisationId: $organisationId, dryRun: $dryRun, skipInvalid: $skipInvalid) { \
                  rows valid created updated unchanged skipped refused written errors { line column message } \
                  warnings { line column message } lines { line outcome id label reason changes { field before after } } } }",
        "variables": variables,
    });
    let boundary = "passerelle-test-boundary-7d3a";
    let mut body = Vec::new();
    for (name, value) in [
        ("operations", operations.to_string()),
        ("map", json!({ "0": ["variables.file"] }).to_string()),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"import.csv\"\r\nContent-Type: text/csv\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post(&app.url)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("sent").json().await.expect("json")
}
