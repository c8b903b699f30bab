//! PostgreSQL `NOTIFY` and `LISTEN`, the transport of the change bus between instances.

use std::future::Future;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::error::AppResult;

/// Queues a notification on `channel`. Inside a transaction PostgreSQL delivers it at commit,
/// and drops it on rollback.
pub async fn notify(db: &impl ConnectionTrait, channel: &str, payload: &str) -> AppResult<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// Waits between two attempts to reconnect a listener.
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// A connection of its own that listens on one channel.
pub struct Listener(PgListener);

impl Listener {
    /// Opens a dedicated connection (not one of the pool's) and listens on `channel`.
    pub async fn connect(url: &str, channel: &str) -> anyhow::Result<Listener> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(channel).await?;
        Ok(Listener(listener))
    }

    /// A new listener on `channel`, after its connection was lost: tried after 200 ms, then
    /// after waits doubling up to 30 s, until it listens; `None` once `stop` resolves. `what`
    /// names the listener in the log.
    pub async fn reconnect(url: &str, channel: &str, what: &str, stop: &mut (impl Future + Unpin)) -> Option<Listener> {
        let mut wait = BACKOFF_MIN;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = &mut *stop => return None,
            }
            match Listener::connect(url, channel).await {
                Ok(listener) => return Some(listener),
                Err(e) => {
                    tracing::warn!(listener = what, error = %e, retry_in_ms = wait.as_millis() as u64, "a listener cannot reconnect");
                    wait = (wait * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// The next payload; `None` when the connection was lost and re-established (and listens
    /// again), so that notifications sent in between were missed.
    pub async fn next(&mut self) -> anyhow::Result<Option<String>> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_string()))
    }
}
