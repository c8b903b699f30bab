//! Typed settings, read from the environment with documented defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

/// Runtime settings of the hub.
#[derive(Clone)]
pub struct Config {
    /// `PASSERELLE_DATABASE_URL`; default: `sqlite://<data dir>/passerelle.db`.
    pub database_url: String,
    /// `PASSERELLE_LISTEN`; default `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `PASSERELLE_DATA_DIR`; default `./data`.
    pub data_dir: PathBuf,
    /// `PASSERELLE_DB_MAX_CONNECTIONS`; default 10 (PostgreSQL) — SQLite uses its own small pool.
    pub db_max_connections: u32,
    /// `PASSERELLE_MAX_BODY_BYTES`; default 1 MiB.
    pub max_body_bytes: usize,
    /// `PASSERELLE_MAX_DEPTH`; default 12.
    pub max_depth: usize,
    /// `PASSERELLE_MAX_COMPLEXITY`; default 5000.
    pub max_complexity: usize,
    /// `PASSERELLE_TRUST_FORWARDED_FOR`; default false. Set it only behind a proxy that
    /// overwrites `X-Forwarded-For`: login throttling counts per client address.
    pub trust_forwarded_for: bool,
}

impl std::fmt::Debug for Config {
    // The database URL may carry a password: print it redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("db_max_connections", &self.db_max_connections)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_depth", &self.max_depth)
            .field("max_complexity", &self.max_complexity)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
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

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
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
        let listen = parsed("PASSERELLE_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let config = Config {
            database_url,
            listen,
            data_dir,
            db_max_connections: parsed("PASSERELLE_DB_MAX_CONNECTIONS", 10)?,
            max_body_bytes: parsed("PASSERELLE_MAX_BODY_BYTES", 1024 * 1024)?,
            max_depth: parsed("PASSERELLE_MAX_DEPTH", 12)?,
            max_complexity: parsed("PASSERELLE_MAX_COMPLEXITY", 5000)?,
            trust_forwarded_for: parsed("PASSERELLE_TRUST_FORWARDED_FOR", false)?,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            bail!(
                "PASSERELLE_DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got {})",
                redact_url(&self.database_url)
            );
        }
        if self.db_max_connections == 0 {
            bail!("PASSERELLE_DB_MAX_CONNECTIONS must be at least 1");
        }
        Ok(())
    }

    /// Creates the data directory when the hub stores files there.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))
    }
}

/// The embedded default: an SQLite file in the data directory, created on first use.
pub fn default_sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("passerelle.db").display())
}
