//! Typed settings, read from the environment with documented defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, bail};

use crate::feeds::fetch::AllowList;

/// Runtime settings of the hub.
#[derive(Clone)]
pub struct Config {
    /// `PASSERELLE_DATABASE_URL`; default: `sqlite://<data dir>/passerelle.db`.
    pub database_url: String,
    /// `PASSERELLE_LISTEN`; default `127.0.0.1:8080`.
    pub listen: Listen,
    /// `PASSERELLE_DATA_DIR`; default `./data`.
    pub data_dir: PathBuf,
    /// `PASSERELLE_DB_MAX_CONNECTIONS`; default 10 (PostgreSQL) — SQLite uses its own small pool.
    pub db_max_connections: u32,
    /// `PASSERELLE_DB_MIN_CONNECTIONS`; default: on PostgreSQL the whole pool, opened at start,
    /// so that no request waits for a connection to be set up under load (sqlx opens a missing
    /// connection inside the request that needs it); on SQLite, 1.
    pub db_min_connections: Option<u32>,
    /// `PASSERELLE_DB_BUSY_TIMEOUT_MS`; default 5000: on SQLite, how long a write waits for the
    /// write lock before it is answered `UNAVAILABLE` (retryable).
    pub db_busy_timeout: std::time::Duration,
    /// `PASSERELLE_MAX_BODY_BYTES`; default 1 MiB.
    pub max_body_bytes: usize,
    /// `PASSERELLE_MAX_UPLOAD_BYTES`; default 20 MiB (spreadsheet imports over GraphQL).
    pub max_upload_bytes: usize,
    /// `PASSERELLE_MAX_DEPTH`; default 12.
    pub max_depth: usize,
    /// `PASSERELLE_MAX_COMPLEXITY`; default 5000.
    pub max_complexity: usize,
    /// Defences against hostile clients (`PASSERELLE_TRUSTED_PROXIES`, query limits, timeouts…).
    pub security: SecuritySettings,
    /// What operators see: metrics and the log format (`PASSERELLE_METRICS_TOKEN`, `_LOG_FORMAT`).
    pub observability: ObservabilitySettings,
    /// Partner feed settings (`PASSERELLE_FEEDS_*`).
    pub feeds: FeedSettings,
    /// Full-text search settings (`MEILI_*`, `PASSERELLE_SEARCH_*`).
    pub search: SearchSettings,
    /// E-mail: SMTP, the sender of the outbox, temporary passwords and digests
    /// (`PASSERELLE_SMTP_*`, `PASSERELLE_MAIL_*`, `PASSERELLE_TEMPORARY_PASSWORD_DAYS`,
    /// `PASSERELLE_DIGEST_HOUR`).
    pub mail: MailSettings,
}

/// What bounds a hostile client: the document limits checked before a query is parsed, the
/// proxies whose `X-Forwarded-For` is believed, read timeouts, WebSocket caps, CORS and the
/// public address links are built from.
#[derive(Clone, Debug)]
pub struct SecuritySettings {
    /// `PASSERELLE_TRUSTED_PROXIES`; default 0: how many proxies stand in front of the hub.
    /// The client address is the right-most `X-Forwarded-For` entry that none of them added,
    /// so a client cannot choose it. `PASSERELLE_TRUST_FORWARDED_FOR=true` means 1.
    pub trusted_proxies: usize,
    /// `PASSERELLE_MAX_TOKENS`; default 1000 lexical tokens in a GraphQL document.
    pub max_tokens: usize,
    /// `PASSERELLE_MAX_NESTING`; default 64 nested brackets (`{`, `[`, `(`) in a document,
    /// argument values included: checked before parsing, so no document can exhaust the stack.
    pub max_nesting: usize,
    /// `PASSERELLE_MAX_FIELDS`; default 2000 fields in the selected operation once every
    /// fragment spread is expanded (a fragment fan-out is refused before validation).
    pub max_fields: u64,
    /// `PASSERELLE_MAX_ALIASES`; default 15 aliases in the expanded operation.
    pub max_aliases: u64,
    /// `PASSERELLE_MAX_ROOT_FIELDS`; default 20 root fields in the expanded operation.
    pub max_root_fields: u64,
    /// `PASSERELLE_HEADER_READ_TIMEOUT_SECONDS`; default 10: a client must send a request's
    /// headers within this time.
    pub header_read_timeout: std::time::Duration,
    /// `PASSERELLE_BODY_READ_TIMEOUT_SECONDS`; default 30: and its body within this time.
    pub body_read_timeout: std::time::Duration,
    /// `PASSERELLE_WS_MAX_CONNECTIONS_PER_ADDRESS`; default 20 WebSocket connections per client
    /// address (0: no cap).
    pub ws_max_connections_per_address: usize,
    /// `PASSERELLE_WS_MAX_SUBSCRIPTIONS`; default 20 operations at once per WebSocket connection.
    pub ws_max_subscriptions: usize,
    /// `PASSERELLE_CORS_ORIGINS`: the origins browsers may call the API from (comma-separated,
    /// `scheme://host[:port]`), or `*` (the default: any origin, without credentials — the API
    /// takes bearer tokens, never cookies).
    pub cors_origins: CorsOrigins,
    /// `PASSERELLE_RATE_LIMIT_ANONYMOUS`; default 20000 query-cost points per minute per client
    /// address (0: no limit).
    pub rate_limit_anonymous: u32,
    /// `PASSERELLE_RATE_LIMIT_AUTHENTICATED`; default 60000 points per minute per session or
    /// API key (0: no limit).
    pub rate_limit_authenticated: u32,
    /// `PASSERELLE_REQUEST_TIMEOUT_SECONDS`; default 30: the longest a request may run, and
    /// PostgreSQL's `statement_timeout` for request queries.
    pub request_timeout: std::time::Duration,
    /// `PASSERELLE_PUBLIC_URL`: where clients reach the hub (`https://passerelle.example.org`),
    /// for the links in public documents (Atom feed, calendar links). Default:
    /// `http://<PASSERELLE_LISTEN>`. Never taken from the request's `Host`.
    pub public_url: Option<String>,
}

/// Metrics and logs.
#[derive(Clone, Default)]
pub struct ObservabilitySettings {
    /// `PASSERELLE_METRICS_TOKEN`: when set, `GET /metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `PASSERELLE_LOG_FORMAT`: `text` (the default, for people) or `json` (one object a line).
    pub log_format: LogFormat,
}

impl std::fmt::Debug for ObservabilitySettings {
    // The token is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservabilitySettings")
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("log_format", &self.log_format)
            .finish()
    }
}

impl ObservabilitySettings {
    fn from_env() -> anyhow::Result<Self> {
        Ok(ObservabilitySettings {
            metrics_token: var("PASSERELLE_METRICS_TOKEN"),
            log_format: LogFormat::from_env()?,
        })
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `PASSERELLE_LOG_FORMAT`, read on its own: logging starts before the rest of the settings.
    pub fn from_env() -> anyhow::Result<Self> {
        match var("PASSERELLE_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => bail!("PASSERELLE_LOG_FORMAT must be text or json (got {other:?})"),
        }
    }
}

/// Which origins may call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    Only(Vec<String>),
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            trusted_proxies: 0,
            max_tokens: 1000,
            max_nesting: 64,
            max_fields: 2000,
            max_aliases: 15,
            max_root_fields: 20,
            header_read_timeout: std::time::Duration::from_secs(10),
            body_read_timeout: std::time::Duration::from_secs(30),
            ws_max_connections_per_address: 20,
            ws_max_subscriptions: 20,
            cors_origins: CorsOrigins::Any,
            public_url: None,
            rate_limit_anonymous: 20_000,
            rate_limit_authenticated: 60_000,
            request_timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl SecuritySettings {
    fn from_env() -> anyhow::Result<Self> {
        let d = SecuritySettings::default();
        let legacy_trust = parsed("PASSERELLE_TRUST_FORWARDED_FOR", false)?;
        let settings = SecuritySettings {
            trusted_proxies: parsed("PASSERELLE_TRUSTED_PROXIES", usize::from(legacy_trust))?,
            max_tokens: parsed("PASSERELLE_MAX_TOKENS", d.max_tokens)?,
            max_nesting: parsed("PASSERELLE_MAX_NESTING", d.max_nesting)?,
            max_fields: parsed("PASSERELLE_MAX_FIELDS", d.max_fields)?,
            max_aliases: parsed("PASSERELLE_MAX_ALIASES", d.max_aliases)?,
            max_root_fields: parsed("PASSERELLE_MAX_ROOT_FIELDS", d.max_root_fields)?,
            header_read_timeout: seconds("PASSERELLE_HEADER_READ_TIMEOUT_SECONDS", d.header_read_timeout)?,
            body_read_timeout: seconds("PASSERELLE_BODY_READ_TIMEOUT_SECONDS", d.body_read_timeout)?,
            ws_max_connections_per_address: parsed(
                "PASSERELLE_WS_MAX_CONNECTIONS_PER_ADDRESS",
                d.ws_max_connections_per_address,
            )?,
            ws_max_subscriptions: parsed("PASSERELLE_WS_MAX_SUBSCRIPTIONS", d.ws_max_subscriptions)?,
            cors_origins: match var("PASSERELLE_CORS_ORIGINS") {
                None => CorsOrigins::Any,
                Some(raw) => parse_cors_origins(&raw)?,
            },
            public_url: var("PASSERELLE_PUBLIC_URL")
                .map(|raw| parse_public_url(&raw))
                .transpose()?,
            rate_limit_anonymous: parsed("PASSERELLE_RATE_LIMIT_ANONYMOUS", d.rate_limit_anonymous)?,
            rate_limit_authenticated: parsed("PASSERELLE_RATE_LIMIT_AUTHENTICATED", d.rate_limit_authenticated)?,
            request_timeout: seconds("PASSERELLE_REQUEST_TIMEOUT_SECONDS", d.request_timeout)?,
        };
        if settings.request_timeout.is_zero() {
            bail!("PASSERELLE_REQUEST_TIMEOUT_SECONDS must be at least 1");
        }
        if settings.trusted_proxies > 16 {
            bail!("PASSERELLE_TRUSTED_PROXIES must be between 0 and 16");
        }
        if settings.max_tokens == 0 || settings.max_nesting == 0 || settings.max_fields == 0 {
            bail!("PASSERELLE_MAX_TOKENS, _MAX_NESTING and _MAX_FIELDS must be at least 1");
        }
        if settings.max_nesting > 256 {
            // Deeper documents could exhaust the parser's stack.
            bail!("PASSERELLE_MAX_NESTING must be at most 256");
        }
        if settings.header_read_timeout.is_zero() || settings.body_read_timeout.is_zero() {
            bail!("PASSERELLE_HEADER_READ_TIMEOUT_SECONDS and _BODY_READ_TIMEOUT_SECONDS must be at least 1");
        }
        if settings.ws_max_subscriptions == 0 {
            bail!("PASSERELLE_WS_MAX_SUBSCRIPTIONS must be at least 1");
        }
        Ok(settings)
    }
}

/// `*`, or comma-separated origins (`scheme://host[:port]`, no path).
pub fn parse_cors_origins(raw: &str) -> anyhow::Result<CorsOrigins> {
    if raw.trim() == "*" {
        return Ok(CorsOrigins::Any);
    }
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let url =
            url::Url::parse(item).map_err(|_| anyhow::anyhow!("PASSERELLE_CORS_ORIGINS: {item:?} is not an origin"))?;
        let origin = url.origin();
        if !origin.is_tuple() || !(url.path() == "/" || url.path().is_empty()) || url.query().is_some() {
            bail!("PASSERELLE_CORS_ORIGINS: {item:?} is not an origin (scheme://host[:port])");
        }
        origins.push(origin.ascii_serialization());
    }
    if origins.is_empty() {
        bail!("PASSERELLE_CORS_ORIGINS lists no origin (use * for any)");
    }
    Ok(CorsOrigins::Only(origins))
}

/// An absolute `http(s)` URL without query, kept without its trailing slash.
pub fn parse_public_url(raw: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| anyhow::anyhow!("PASSERELLE_PUBLIC_URL={raw:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.query().is_some() {
        bail!("PASSERELLE_PUBLIC_URL must be an http:// or https:// address without query (got {raw:?})");
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Which search engine holds the index, and how the outbox is drained into it.
#[derive(Clone)]
pub struct SearchSettings {
    /// `MEILI_URL`: Meilisearch's address; unset, the embedded index is used.
    pub meili_url: Option<String>,
    /// `MEILI_MASTER_KEY` (or `MEILI_API_KEY`): a key allowed to manage indexes.
    pub meili_key: Option<String>,
    /// `PASSERELLE_SEARCH_INDEX_PREFIX`; default `passerelle_`: Meilisearch index names start
    /// with it, so that several hubs can share one server.
    pub index_prefix: String,
    /// `PASSERELLE_SEARCH_INDEX_DIR`; default `<data dir>/search`: the embedded index.
    pub index_dir: Option<PathBuf>,
    /// `PASSERELLE_SEARCH_INDEXER`; default true. Instances with false only serve searches.
    pub indexer: bool,
    /// `PASSERELLE_SEARCH_BATCH`; default 500 outbox rows per batch.
    pub batch: usize,
    /// `PASSERELLE_SEARCH_POLL_MS`; default 500: how often an idle indexer looks at the outbox.
    pub poll_every: std::time::Duration,
    /// `PASSERELLE_SEARCH_RETRY_SECONDS`; default 2: the first wait after a failed batch,
    /// doubled at each failure up to `PASSERELLE_SEARCH_RETRY_MAX_SECONDS` (default 300).
    pub retry_base: std::time::Duration,
    pub retry_max: std::time::Duration,
    /// `PASSERELLE_SEARCH_TIMEOUT_SECONDS`; default 30: a request to Meilisearch, or the wait
    /// for one of its tasks.
    pub timeout: std::time::Duration,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            meili_url: None,
            meili_key: None,
            index_prefix: "passerelle_".into(),
            index_dir: None,
            indexer: true,
            batch: 500,
            poll_every: std::time::Duration::from_millis(500),
            retry_base: std::time::Duration::from_secs(2),
            retry_max: std::time::Duration::from_secs(300),
            timeout: std::time::Duration::from_secs(30),
        }
    }
}

impl std::fmt::Debug for SearchSettings {
    // The key is a secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSettings")
            .field("meili_url", &self.meili_url.as_deref().map(redact_url))
            .field("meili_key", &self.meili_key.as_ref().map(|_| "***"))
            .field("index_prefix", &self.index_prefix)
            .field("index_dir", &self.index_dir)
            .field("indexer", &self.indexer)
            .field("batch", &self.batch)
            .finish()
    }
}

impl SearchSettings {
    fn from_env() -> anyhow::Result<Self> {
        let d = SearchSettings::default();
        let settings = SearchSettings {
            meili_url: var("MEILI_URL"),
            meili_key: var("MEILI_MASTER_KEY").or_else(|| var("MEILI_API_KEY")),
            index_prefix: var("PASSERELLE_SEARCH_INDEX_PREFIX").unwrap_or(d.index_prefix),
            index_dir: var("PASSERELLE_SEARCH_INDEX_DIR").map(PathBuf::from),
            indexer: parsed("PASSERELLE_SEARCH_INDEXER", d.indexer)?,
            batch: parsed("PASSERELLE_SEARCH_BATCH", d.batch)?,
            poll_every: std::time::Duration::from_millis(parsed("PASSERELLE_SEARCH_POLL_MS", 500u64)?),
            retry_base: std::time::Duration::from_secs(parsed("PASSERELLE_SEARCH_RETRY_SECONDS", 2u64)?),
            retry_max: std::time::Duration::from_secs(parsed("PASSERELLE_SEARCH_RETRY_MAX_SECONDS", 300u64)?),
            timeout: std::time::Duration::from_secs(parsed("PASSERELLE_SEARCH_TIMEOUT_SECONDS", 30u64)?),
        };
        if settings.batch == 0 || settings.batch > 10_000 {
            bail!("PASSERELLE_SEARCH_BATCH must be between 1 and 10000");
        }
        if settings.poll_every.is_zero() || settings.timeout.is_zero() {
            bail!("PASSERELLE_SEARCH_POLL_MS and _TIMEOUT_SECONDS must be at least 1");
        }
        if let Some(url) = &settings.meili_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!(
                "MEILI_URL must start with http:// or https:// (got {})",
                redact_url(url)
            );
        }
        if !settings
            .index_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("PASSERELLE_SEARCH_INDEX_PREFIX may hold only letters, digits, - and _");
        }
        Ok(settings)
    }
}

/// How partner feeds are pulled.
#[derive(Clone, Debug)]
pub struct FeedSettings {
    /// `PASSERELLE_FEEDS_SCHEDULER`; default true. Instances with false only serve the API.
    pub scheduler: bool,
    /// `PASSERELLE_FEEDS_POLL_SECONDS`; default 30: how often an instance looks for due feeds.
    pub poll_every: std::time::Duration,
    /// `PASSERELLE_FEEDS_CONCURRENCY`; default 4 feeds pulled at once per instance.
    pub concurrency: usize,
    /// `PASSERELLE_FEEDS_ALLOW_HOSTS`: hosts, addresses or CIDR ranges exempt from the SSRF
    /// guard (comma-separated). Default: none. Read once: a bad entry stops the hub from
    /// starting, rather than being ignored where the list is used.
    pub allow_hosts: AllowList,
    /// `PASSERELLE_FEEDS_MAX_BYTES`; default 10 MiB.
    pub max_bytes: usize,
    /// `PASSERELLE_FEEDS_TIMEOUT_SECONDS`; default 30 (the whole fetch, body included).
    pub timeout: std::time::Duration,
    /// `PASSERELLE_FEEDS_CONNECT_TIMEOUT_SECONDS`; default 10.
    pub connect_timeout: std::time::Duration,
    /// `PASSERELLE_FEEDS_FAILING_AFTER`; default 3 consecutive failures make a feed `FAILING`.
    pub failing_after: i32,
    /// `PASSERELLE_FEEDS_WINDOW_PAST_DAYS` / `_FUTURE_DAYS`; default 30 / 365: the window
    /// recurrences are expanded over.
    pub window_past_days: i64,
    pub window_future_days: i64,
    /// `PASSERELLE_FEEDS_MAX_PAGES`; default 20 pages of a paginated API per sync.
    pub max_pages: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            scheduler: true,
            poll_every: std::time::Duration::from_secs(30),
            concurrency: 4,
            allow_hosts: AllowList::default(),
            max_bytes: 10 * 1024 * 1024,
            timeout: std::time::Duration::from_secs(30),
            connect_timeout: std::time::Duration::from_secs(10),
            failing_after: 3,
            window_past_days: 30,
            window_future_days: 365,
            max_pages: 20,
        }
    }
}

impl FeedSettings {
    fn from_env() -> anyhow::Result<Self> {
        let d = FeedSettings::default();
        let settings = FeedSettings {
            scheduler: parsed("PASSERELLE_FEEDS_SCHEDULER", d.scheduler)?,
            poll_every: seconds("PASSERELLE_FEEDS_POLL_SECONDS", d.poll_every)?,
            concurrency: parsed("PASSERELLE_FEEDS_CONCURRENCY", d.concurrency)?,
            allow_hosts: parsed("PASSERELLE_FEEDS_ALLOW_HOSTS", AllowList::default())?,
            max_bytes: parsed("PASSERELLE_FEEDS_MAX_BYTES", d.max_bytes)?,
            timeout: seconds("PASSERELLE_FEEDS_TIMEOUT_SECONDS", d.timeout)?,
            connect_timeout: seconds("PASSERELLE_FEEDS_CONNECT_TIMEOUT_SECONDS", d.connect_timeout)?,
            failing_after: parsed("PASSERELLE_FEEDS_FAILING_AFTER", d.failing_after)?,
            window_past_days: parsed("PASSERELLE_FEEDS_WINDOW_PAST_DAYS", d.window_past_days)?,
            window_future_days: parsed("PASSERELLE_FEEDS_WINDOW_FUTURE_DAYS", d.window_future_days)?,
            max_pages: parsed("PASSERELLE_FEEDS_MAX_PAGES", d.max_pages)?,
        };
        if settings.concurrency == 0 || settings.failing_after < 1 || settings.max_pages == 0 {
            bail!("PASSERELLE_FEEDS_CONCURRENCY, _FAILING_AFTER and _MAX_PAGES must be at least 1");
        }
        if settings.poll_every.is_zero() || settings.timeout.is_zero() {
            bail!("PASSERELLE_FEEDS_POLL_SECONDS and _TIMEOUT_SECONDS must be at least 1");
        }
        Ok(settings)
    }
}

/// How e-mail leaves the hub, and what its messages promise.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `PASSERELLE_SMTP_URL`: the SMTP server (`smtp://user:pass@host:587` with STARTTLS,
    /// `smtps://…:465`, `smtp://host:25` in clear for a local relay). Unset (the embedded
    /// default), each message is written as an `.eml` file under `<data dir>/mail/`.
    /// Printed with its password masked.
    pub smtp_url: Option<crate::mail::SmtpUrl>,
    /// `PASSERELLE_MAIL_FROM`: the sender (`Passerelle <passerelle@example.org>`). Default:
    /// `Passerelle <passerelle@<host of PASSERELLE_PUBLIC_URL>>`.
    pub from: Option<String>,
    /// `PASSERELLE_MAIL_SENDER`; default true. Instances with false queue messages but leave
    /// sending to the others (any number may send: messages are claimed in the database).
    pub sender: bool,
    /// `PASSERELLE_MAIL_POLL_SECONDS`; default 5: how often an idle sender looks for messages
    /// and due digests.
    pub poll_every: std::time::Duration,
    /// `PASSERELLE_MAIL_RETRY_SECONDS`; default 30: the wait after a failed attempt, doubled at
    /// each failure up to `PASSERELLE_MAIL_RETRY_MAX_SECONDS` (default 3600).
    pub retry_base: std::time::Duration,
    pub retry_max: std::time::Duration,
    /// `PASSERELLE_SMTP_TIMEOUT_SECONDS`; default 30: one SMTP exchange (connect, a command).
    pub timeout: std::time::Duration,
    /// `PASSERELLE_TEMPORARY_PASSWORD_DAYS`; default 14: how long a temporary password opens
    /// its account (then `TEMPORARY_PASSWORD_EXPIRED`).
    pub temporary_password_days: u32,
    /// `PASSERELLE_DIGEST_HOUR`; default 7: the hour, in Paris, digests are sent at.
    pub digest_hour: u32,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: None,
            sender: true,
            poll_every: std::time::Duration::from_secs(5),
            retry_base: std::time::Duration::from_secs(30),
            retry_max: std::time::Duration::from_secs(3600),
            timeout: std::time::Duration::from_secs(30),
            temporary_password_days: 14,
            digest_hour: 7,
        }
    }
}

impl MailSettings {
    fn from_env() -> anyhow::Result<Self> {
        let d = MailSettings::default();
        let settings = MailSettings {
            smtp_url: var("PASSERELLE_SMTP_URL")
                .map(|raw| crate::mail::SmtpUrl::parse(&raw))
                .transpose()?,
            from: var("PASSERELLE_MAIL_FROM").map(|f| f.trim().to_string()),
            sender: parsed("PASSERELLE_MAIL_SENDER", d.sender)?,
            poll_every: seconds("PASSERELLE_MAIL_POLL_SECONDS", d.poll_every)?,
            retry_base: seconds("PASSERELLE_MAIL_RETRY_SECONDS", d.retry_base)?,
            retry_max: seconds("PASSERELLE_MAIL_RETRY_MAX_SECONDS", d.retry_max)?,
            timeout: seconds("PASSERELLE_SMTP_TIMEOUT_SECONDS", d.timeout)?,
            temporary_password_days: parsed("PASSERELLE_TEMPORARY_PASSWORD_DAYS", d.temporary_password_days)?,
            digest_hour: parsed("PASSERELLE_DIGEST_HOUR", d.digest_hour)?,
        };
        if settings.poll_every.is_zero() || settings.timeout.is_zero() {
            bail!("PASSERELLE_MAIL_POLL_SECONDS and PASSERELLE_SMTP_TIMEOUT_SECONDS must be at least 1");
        }
        if !(1..=365).contains(&settings.temporary_password_days) {
            bail!("PASSERELLE_TEMPORARY_PASSWORD_DAYS must be between 1 and 365");
        }
        if settings.digest_hour > 23 {
            bail!("PASSERELLE_DIGEST_HOUR must be between 0 and 23");
        }
        if let Some(from) = &settings.from {
            crate::mail::parse_from(from)?;
        }
        Ok(settings)
    }
}

impl std::fmt::Debug for Config {
    // The database URL may carry a password: print it redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_min_connections", &self.db_min_connections)
            .field("db_busy_timeout", &self.db_busy_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_depth", &self.max_depth)
            .field("max_complexity", &self.max_complexity)
            .field("security", &self.security)
            .field("observability", &self.observability)
            .field("feeds", &self.feeds)
            .field("search", &self.search)
            .field("mail", &self.mail)
            .finish()
    }
}

/// Replaces the password of a URL by `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // Setting a password only fails on URLs that cannot have one, excluded above.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A duration in whole seconds, `default` when unset.
fn seconds(name: &str, default: std::time::Duration) -> anyhow::Result<std::time::Duration> {
    Ok(std::time::Duration::from_secs(parsed(name, default.as_secs())?))
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    parse_setting(name, var(name), default)
}

/// The value of setting `name` read from `raw`, `default` when unset.
fn parse_setting<T: std::str::FromStr>(name: &str, raw: Option<String>, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match raw {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={raw:?} is not valid: {e}")),
    }
}

impl Config {
    /// Reads the settings from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("PASSERELLE_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match var("PASSERELLE_DATABASE_URL") {
            Some(url) => url,
            None => default_sqlite_url(&data_dir),
        };
        let listen = parsed(
            "PASSERELLE_LISTEN",
            Listen::from(SocketAddr::from(([127, 0, 0, 1], 8080))),
        )?;
        let config = Config {
            database_url,
            listen,
            data_dir,
            db_max_connections: parsed("PASSERELLE_DB_MAX_CONNECTIONS", 10)?,
            db_min_connections: var("PASSERELLE_DB_MIN_CONNECTIONS")
                .map(|raw| parse_setting("PASSERELLE_DB_MIN_CONNECTIONS", Some(raw), 0))
                .transpose()?,
            db_busy_timeout: std::time::Duration::from_millis(parsed("PASSERELLE_DB_BUSY_TIMEOUT_MS", 5000u64)?),
            max_body_bytes: parsed("PASSERELLE_MAX_BODY_BYTES", 1024 * 1024)?,
            max_upload_bytes: parsed("PASSERELLE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)?,
            max_depth: parsed("PASSERELLE_MAX_DEPTH", 12)?,
            max_complexity: parsed("PASSERELLE_MAX_COMPLEXITY", 5000)?,
            security: SecuritySettings::from_env()?,
            observability: ObservabilitySettings::from_env()?,
            feeds: FeedSettings::from_env()?,
            search: SearchSettings::from_env()?,
            mail: MailSettings::from_env()?,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if DatabaseKind::of(&self.database_url).is_none() {
            bail!(
                "PASSERELLE_DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got {})",
                redact_url(&self.database_url)
            );
        }
        if self.db_max_connections == 0 {
            bail!("PASSERELLE_DB_MAX_CONNECTIONS must be at least 1");
        }
        if let Some(min) = self.db_min_connections.filter(|min| *min > self.db_max_connections) {
            bail!(
                "PASSERELLE_DB_MIN_CONNECTIONS ({min}) must not exceed PASSERELLE_DB_MAX_CONNECTIONS ({})",
                self.db_max_connections
            );
        }
        Ok(())
    }

    /// The database the URL names (checked when the configuration was read).
    pub fn database_kind(&self) -> DatabaseKind {
        DatabaseKind::of(&self.database_url).unwrap_or(DatabaseKind::Sqlite)
    }

    /// Creates the data directory when the hub stores files there.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))
    }
}

/// Where the hub listens: an address and port (`127.0.0.1:8080`, `[::]:8080`) or a host name
/// and port (`localhost:8080`), resolved when the hub starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    host: String,
    port: u16,
}

impl Listen {
    /// What `tokio::net::TcpListener::bind` takes: it resolves a host name and tries each of
    /// its addresses.
    pub fn bind_target(&self) -> (&str, u16) {
        (self.host.trim_start_matches('[').trim_end_matches(']'), self.port)
    }
}

impl From<SocketAddr> for Listen {
    fn from(addr: SocketAddr) -> Self {
        let host = match addr {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        Listen {
            host,
            port: addr.port(),
        }
    }
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl FromStr for Listen {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if let Ok(addr) = raw.parse::<SocketAddr>() {
            return Ok(addr.into());
        }
        let expected =
            || format!("expected host:port, such as 127.0.0.1:8080, [::]:8080 or localhost:8080 (got {raw:?})");
        let (host, port) = raw.rsplit_once(':').ok_or_else(expected)?;
        let port: u16 = port.parse().map_err(|_| expected())?;
        // A host name (RFC 1123 labels); an IPv6 address goes in brackets, parsed above.
        let name = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if host.is_empty() || host.len() > 253 || !host.trim_end_matches('.').split('.').all(name) {
            return Err(expected());
        }
        Ok(Listen {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// The two databases the hub runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    /// The embedded default: a file in the data directory, one writer at a time.
    Sqlite,
    /// Production: several instances on one database.
    Postgres,
}

impl DatabaseKind {
    /// The kind a database URL names; `None` for any other scheme.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(DatabaseKind::Postgres)
        } else {
            None
        }
    }
}

/// The embedded default: an SQLite file in the data directory, created on first use.
pub fn default_sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("passerelle.db").display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_addresses_and_host_names() {
        let listen: Listen = "localhost:8080".parse().expect("a host name");
        assert_eq!(listen.bind_target(), ("localhost", 8080));
        assert_eq!(listen.to_string(), "localhost:8080");
        let listen: Listen = "[::1]:0".parse().expect("an IPv6 address");
        assert_eq!(listen.bind_target(), ("::1", 0));
        assert_eq!(listen.to_string(), "[::1]:0");
        let listen: Listen = " 0.0.0.0:80 ".parse().expect("an IPv4 address");
        assert_eq!(listen.bind_target(), ("0.0.0.0", 80));
        assert_eq!(
            "hub.example.org:443"
                .parse::<Listen>()
                .map(|l| l.to_string())
                .as_deref(),
            Ok("hub.example.org:443")
        );
        for bad in [
            "localhost",
            "localhost:http",
            ":8080",
            "local host:80",
            "a/b:80",
            "localhost:70000",
            "-x:80",
        ] {
            let err = bad.parse::<Listen>().expect_err(bad);
            assert!(err.contains("host:port"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_minimum_pool_above_the_maximum_is_refused_naming_both_settings() {
        // The defaults (whatever this process's environment sets), then the sizes under test.
        let mut config = Config::from_env().expect("the defaults are valid");
        config.db_max_connections = 4;
        config.db_min_connections = Some(5);
        let message = config.validate().expect_err("refused").to_string();
        assert_eq!(
            message,
            "PASSERELLE_DB_MIN_CONNECTIONS (5) must not exceed PASSERELLE_DB_MAX_CONNECTIONS (4)"
        );
        for accepted in [None, Some(0), Some(4)] {
            config.db_min_connections = accepted;
            config.validate().unwrap_or_else(|e| panic!("{accepted:?}: {e}"));
        }
        let bad = parse_setting::<u32>("PASSERELLE_DB_MIN_CONNECTIONS", Some("beaucoup".into()), 0);
        assert!(
            bad.expect_err("refused")
                .to_string()
                .starts_with("PASSERELLE_DB_MIN_CONNECTIONS=\"beaucoup\"")
        );
    }

    #[test]
    fn a_bad_allow_list_is_refused_naming_the_setting() {
        let name = "PASSERELLE_FEEDS_ALLOW_HOSTS";
        let bad = parse_setting::<AllowList>(
            name,
            Some("127.0.0.1, feeds.example.org/path".into()),
            Default::default(),
        );
        let message = bad.expect_err("refused").to_string();
        assert!(message.starts_with(name), "{message}");
        assert!(message.contains("\"feeds.example.org/path\" is neither"), "{message}");
        let good = parse_setting::<AllowList>(
            name,
            Some("127.0.0.1, 10.0.0.0/8, feeds.local".into()),
            Default::default(),
        )
        .expect("a list");
        assert!(good.permits("feeds.local", "192.168.1.2".parse().expect("an address")));
        assert!(!AllowList::default().permits("feeds.local", "192.168.1.2".parse().expect("an address")));
    }
}
