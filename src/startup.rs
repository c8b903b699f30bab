//! Builds the application and runs the HTTP server under one shutdown signal.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Config, DatabaseKind};
use crate::graphql::{Limits, build_schema};
use crate::http::{AppState, ServeOptions};
use crate::store::{self, StatementCounter};

/// A running hub.
pub struct Running {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    pub db: DatabaseConnection,
    /// SQL statements run so far by this instance's pool.
    pub statements: StatementCounter,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    jobs: Option<crate::jobs::Jobs>,
    changes: crate::changes::Changes,
    /// This instance's feed puller (tests call its `run_once`).
    pub puller: crate::jobs::pull_feeds::Puller,
    /// This instance's search indexer (tests call its `drain`).
    pub indexer: crate::jobs::index_search::Indexer,
    /// This instance's mail sender (tests call its `run_once`).
    pub mail: crate::jobs::send_mail::MailSender,
    /// On SQLite, the data directory's lock, held until the hub has stopped: `restore` refuses
    /// to replace the database under it.
    _lock: Option<crate::lock::DataDirLock>,
}

impl Running {
    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(jobs) = self.jobs.take() {
            jobs.stop(Duration::from_secs(20)).await;
        }
        // Closes WebSocket connections, which the server's graceful shutdown does not wait for.
        self.changes.stop().await;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.server).await.context("the server task failed")??;
        // A sync asked for by a request that has answered may still run: it stops now.
        if !self.puller.stop_syncs(Duration::from_secs(5)).await {
            tracing::warn!("feed syncs still ran 5 s after the shutdown; their leases will expire");
        }
        // Nothing of this instance runs any more: what it still held is let go at once rather
        // than left to expire, so another instance takes the work over now.
        match self.puller.release_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(feeds = n, "feed leases released"),
            Err(e) => tracing::warn!(error = %e, "feed leases could not be released; they will expire"),
        }
        match self.indexer.release_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(shards = n, "search outbox leases released"),
            Err(e) => tracing::warn!(error = %e, "search outbox leases could not be released; they will expire"),
        }
        match self.mail.release_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(leases = n, "mail outbox and digest leases released"),
            Err(e) => tracing::warn!(error = %e, "mail leases could not be released; they will expire"),
        }
        // Every connection is closed before the data directory's lock is let go (when `self`
        // drops): on SQLite, a connection left open would checkpoint its write-ahead log into
        // whatever file a restore puts in place.
        if tokio::time::timeout(Duration::from_secs(5), self.db.close_by_ref())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use 5 s after the shutdown");
        }
        Ok(())
    }

    /// Waits until SIGINT or SIGTERM, then stops gracefully.
    pub async fn run_until_signal(self) -> anyhow::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.stop().await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Connects, migrates, optionally loads the demo data, and starts serving.
pub async fn start(config: &Config, demo: bool) -> anyhow::Result<Running> {
    crate::metrics::install();
    let lock = if config.database_kind() == DatabaseKind::Sqlite {
        config.prepare_data_dir()?;
        Some(crate::lock::DataDirLock::try_acquire(&config.data_dir)?)
    } else {
        None
    };
    let (db, statements) = store::connect(config).await?;
    store::migrate(&db).await?;
    if demo {
        if crate::demo::load_if_empty(&db).await? {
            tracing::info!("demo data loaded");
        } else {
            tracing::info!("the database is not empty: demo data not loaded");
        }
    }
    let changes = crate::changes::Changes::start(&db, &config.database_url)
        .await
        .context("cannot listen for changes")?;
    let puller = crate::jobs::pull_feeds::Puller::new(db.clone(), config.feeds.clone(), changes.clone())?;
    let backend = crate::search::open(&config.search, &config.data_dir)?;
    if config.search.meili_url.is_none() && config.database_kind() == DatabaseKind::Postgres && config.search.indexer {
        tracing::warn!(
            "search uses the embedded index of this instance: with several instances on one database, set MEILI_URL"
        );
    }
    let indexer = crate::jobs::index_search::Indexer::new(db.clone(), backend.clone(), config.search.clone());
    // An unreachable engine does not stop the hub: searches fall back to the database and the
    // indexer prepares the engine once it answers.
    let prepared = match indexer.prepare().await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(
                engine = backend.name(),
                error = format!("{e:#}"),
                "the search engine is not ready"
            );
            false
        }
    };
    let listener = tokio::net::TcpListener::bind(config.listen.bind_target())
        .await
        .with_context(|| format!("cannot listen on {} (PASSERELLE_LISTEN)", config.listen))?;
    let addr = listener.local_addr().context("the listener has no address")?;
    tracing::info!(%addr, "listening");
    let security = &config.security;
    let public_url = match &security.public_url {
        Some(url) => url.clone(),
        None => {
            if addr.ip().is_unspecified() {
                tracing::warn!(
                    "PASSERELLE_PUBLIC_URL is not set: links in public documents and e-mail name {addr}; set it to the address clients use"
                );
            }
            format!("http://{addr}")
        }
    };
    let mailer = std::sync::Arc::new(crate::mail::Mailer::new(&config.mail, &config.data_dir, &public_url)?);
    match mailer.directory() {
        Some(dir) => tracing::info!(
            directory = %dir.display(),
            "PASSERELLE_SMTP_URL is not set: e-mail is written as .eml files in {}",
            dir.display()
        ),
        None => tracing::info!(mail = %mailer.describe(), "e-mail is sent over SMTP"),
    }
    let mail = crate::jobs::send_mail::MailSender::new(db.clone(), mailer, config.mail.clone(), &public_url);
    let jobs = crate::jobs::Jobs::start(puller.clone(), indexer.clone(), prepared, mail.clone());
    // Query-cost points per minute per client address / per session or API key (0: none).
    let cost = std::sync::Arc::new(crate::graphql::cost::CostLimits::new(
        config.security.rate_limit_anonymous,
        config.security.rate_limit_authenticated,
    ));
    let limits = crate::graphql::guard::DocumentLimits {
        max_tokens: security.max_tokens,
        max_nesting: security.max_nesting,
        max_fields: security.max_fields,
        max_aliases: security.max_aliases,
        max_root_fields: security.max_root_fields,
    };
    let documents = std::sync::Arc::new(crate::graphql::documents::Documents::new(limits));
    let schema = build_schema(
        db.clone(),
        puller.clone(),
        backend.clone(),
        changes.clone(),
        Limits {
            max_depth: config.max_depth,
            max_complexity: config.max_complexity,
            sync_wait: sync_wait(config.security.request_timeout),
        },
        cost.clone(),
        crate::graphql::mail::MailPolicy {
            temporary_password_days: config.mail.temporary_password_days,
            digest_hour: config.mail.digest_hour,
        },
        documents.clone(),
    );
    let state = AppState {
        schema,
        db: db.clone(),
        max_body_bytes: config.max_body_bytes,
        trusted_proxies: security.trusted_proxies,
        public_url,
        limits,
        body_read_timeout: security.body_read_timeout,
        request_timeout: security.request_timeout,
        websockets: std::sync::Arc::new(crate::http::WebSocketCaps::new(
            security.ws_max_connections_per_address,
            security.ws_max_subscriptions,
        )),
        cors_origins: security.cors_origins.clone(),
        persisted: std::sync::Arc::new(crate::http::persisted::PersistedQueries::new(documents.clone())),
        documents,
        max_upload_bytes: config.max_upload_bytes,
        changes: changes.clone(),
        search: backend,
        metrics_token: config.observability.metrics_token.clone(),
        cost,
    };
    let options = ServeOptions {
        header_read_timeout: security.header_read_timeout,
        grace: Duration::from_secs(20),
    };
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(crate::http::serve(listener, state, options, async {
        let _ = rx.await;
    }));
    Ok(Running {
        addr,
        db,
        statements,
        shutdown: Some(tx),
        server,
        jobs: Some(jobs),
        changes,
        puller,
        indexer,
        mail,
        _lock: lock,
    })
}

/// How long `syncFeed` waits for its run: three quarters of the request timeout, so that the
/// request answers (with the run still `RUNNING`) before the timeout would end it.
fn sync_wait(request_timeout: Duration) -> Duration {
    request_timeout * 3 / 4
}
