//! PostgreSQL `NOTIFY` and `LISTEN`, the transport of the change bus between instances.

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

/// A connection of its own that listens on one channel.
pub struct Listener(PgListener);

impl Listener {
    /// Opens a dedicated connection (not one of the pool's) and listens on `channel`.
    pub async fn connect(url: &str, channel: &str) -> anyhow::Result<Listener> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(channel).await?;
        Ok(Listener(listener))
    }

    /// The next payload; `None` when the connection was lost and re-established (and listens
    /// again), so that notifications sent in between were missed.
    pub async fn next(&mut self) -> anyhow::Result<Option<String>> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_string()))
    }
}
