//! The one door every write goes through: a unit of work.
//!
//! It begins the transaction the way the backend needs. SQLite has one writer: a deferred
//! transaction that reads and then writes fails at once with `SQLITE_BUSY_SNAPSHOT` when
//! another connection wrote in between (the busy timeout cannot help it), so every write
//! transaction takes the write lock at `BEGIN IMMEDIATE`, waiting for it at most the busy
//! timeout. A write that still cannot get the lock is answered `UNAVAILABLE` (retryable),
//! never `INTERNAL`.
//!
//! Inside, the writer records its audit entry (`Work::audit`, one naming convention), stages
//! change notices (`Work::announce`); search-outbox rows are added by the store's own writes.
//! `Work::commit` commits, then releases the notices: nothing is announced that was not
//! committed.

use sea_orm::{
    DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use super::audit;
use crate::error::{AppError, AppResult};

/// Begins a write transaction on `db` (see the module's documentation).
///
/// The `BEGIN` runs on a task of its own, so that it always finishes even when the caller is
/// dropped half-way (a client hanging up, a request timing out). sqlx 0.9.0 marks the
/// connection as inside a transaction only once `BEGIN` has answered: a future dropped while
/// `BEGIN` is in flight returns the connection to the pool with the server's session still
/// inside the transaction, and the next borrower's writes then land in it and are lost when
/// that session is next rolled back (transact-rs/sqlx#4393, fixed by #4394 after 0.9.0). Finished on
/// its own task, `BEGIN` always yields a transaction whose drop rolls it back.
pub async fn begin(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DatabaseBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let db = db.clone();
    tokio::spawn(async move { db.begin_with_options(options).await })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("the task beginning a transaction failed: {e}")))?
        .map_err(AppError::from)
}

/// An open unit of work.
pub struct Work {
    txn: DatabaseTransaction,
    changes: Vec<crate::changes::Change>,
}

impl Work {
    /// Begins a unit of work on `db`.
    pub async fn begin(db: &DatabaseConnection) -> AppResult<Work> {
        Ok(Work {
            txn: begin(db).await?,
            changes: Vec::new(),
        })
    }

    /// The transaction, for the store's functions.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Records what was done, by whom, in this unit's transaction.
    pub async fn audit(&self, entry: audit::Entry<'_>) -> AppResult<()> {
        audit::write(&self.txn, entry).await
    }

    /// Announces `changes` once the unit commits.
    pub fn announce(&mut self, changes: impl IntoIterator<Item = crate::changes::Change>) {
        self.changes.extend(changes);
    }

    /// Stages the announced changes in the transaction, commits, then releases them.
    pub async fn commit(self, bus: Option<&crate::changes::Changes>) -> AppResult<()> {
        let staged = match bus {
            Some(bus) if !self.changes.is_empty() => Some(bus.stage(&self.txn, self.changes).await?),
            _ => None,
        };
        self.txn.commit().await?;
        if let Some(staged) = staged {
            staged.release();
        }
        Ok(())
    }
}

/// Whether `err` says the database was busy or out of reach, rather than that the statement
/// was wrong: SQLite's `SQLITE_BUSY` (5, and its extended codes such as 517
/// `SQLITE_BUSY_SNAPSHOT`) and `SQLITE_LOCKED` (6), a pool that timed out, or a connection
/// that failed. Such a write may simply be tried again.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx;
    let sqlx_error = match err {
        // No connection could be made (refused, cut during the handshake…).
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => {
            Some(e.as_ref())
        }
        _ => None,
    };
    match sqlx_error {
        Some(sqlx::Error::Database(db)) => {
            let code = db.code().and_then(|c| c.parse::<i64>().ok());
            // SQLite's primary result code is the low byte of an extended one.
            matches!(code.map(|c| c & 0xff), Some(5 | 6))
                // PostgreSQL: admin shutdown, crash shutdown, cannot connect now.
                || matches!(db.code().as_deref(), Some("57P01" | "57P02" | "57P03"))
        }
        Some(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_timeouts_are_unavailable_and_syntax_errors_are_not() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout
        )));
        assert!(!is_unavailable(&DbErr::Custom("bad".into())));
    }
}
