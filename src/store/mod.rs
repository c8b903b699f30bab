//! The only module that builds database queries. Functions take `&impl ConnectionTrait`, so
//! callers decide whether they run inside a transaction.

/// Rows per multi-row INSERT: under both databases' bind-parameter limits.
const INSERT_CHUNK: usize = 500;
/// Ids per `IN (…)` list.
const ID_CHUNK: usize = 1000;

pub mod actions;
pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod calendar_subscriptions;
pub mod contacts;
pub mod data_passes;
pub mod digests;
pub mod documents;
pub mod events;
pub mod experience_reports;
pub mod exports;
pub mod feeds;
pub mod imports;
pub mod indicators;
pub mod ingest;
pub mod kit_loans;
pub mod kits;
pub mod list;
pub mod mail;
pub mod nodes;
pub mod notify;
pub mod organisations;
pub mod outbox;
pub mod page;
pub mod password_resets;
pub mod record;
pub mod resources;
pub mod rows;
pub mod sessions;
pub mod throttle;
pub mod unit;
pub mod users;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, SqlErr, Value};

use crate::config::{Config, redact_url};
use crate::error::AppError;

use crate::domain::Scope;

/// A stored enum's value written into the statement as a literal rather than bound.
///
/// PostgreSQL plans a prepared statement with parameters again at every execution while its
/// generic plan looks dearer than the plans made for the values: with the policy's
/// `visibility = $1` and `status <> $2` the generic plan of a page of events misjudged the
/// rows it keeps and scanned the whole table, so every page was planned anew (BENCHMARKS.md).
/// The policy's values are the code's own, never a client's: as literals the planner knows
/// them, and the one plan of the statement is kept.
pub(crate) fn constant(value: &'static str) -> Expr {
    Expr::Constant(value.into())
}

/// The visibility policy (`Scope`) as the condition on a table with a visibility column and
/// an owning-organisation column; `Scope::permits` is the same policy in memory. The policy's
/// values are literals ([`constant`]); only the caller's organisation is bound.
pub(crate) fn scope_condition<C: sea_orm::ColumnTrait>(scope: Scope, visibility: C, owner: C) -> sea_orm::Condition {
    use entity::Visibility;
    use sea_orm::Condition;
    let visibility = || Expr::col(visibility.as_column_ref());
    match scope {
        Scope::All => Condition::all(),
        Scope::Public => Condition::all().add(visibility().eq(constant(Visibility::Public.as_str()))),
        Scope::Partner { organisation } => {
            let mut any = Condition::any().add(visibility().is_in([
                constant(Visibility::Public.as_str()),
                constant(Visibility::Partners.as_str()),
            ]));
            if let Some(org) = organisation {
                any = any.add(
                    Condition::all()
                        .add(visibility().eq(constant(Visibility::Organisation.as_str())))
                        .add(owner.eq(org)),
                );
            }
            any
        }
    }
}

/// Counts the SQL statements a connection pool has run (used by tests and metrics).
#[derive(Clone, Default, Debug)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The database a configuration names, as people read it: the SQLite file's absolute path,
/// or the PostgreSQL URL with its password masked.
pub fn describe_database(config: &Config) -> String {
    match config.database_kind() {
        crate::config::DatabaseKind::Sqlite => match backup::sqlite_path(&config.database_url) {
            Ok(Some(path)) => {
                let path = std::path::absolute(&path).unwrap_or(path);
                format!("SQLite {}", path.display())
            }
            Ok(None) => "SQLite (in memory)".to_string(),
            Err(_) => redact_url(&config.database_url),
        },
        crate::config::DatabaseKind::Postgres => format!("PostgreSQL {}", redact_url(&config.database_url)),
    }
}

/// Fails, saying how to create it, when the configuration names an SQLite file that does
/// not exist: commands other than `serve`, `migrate` and `restore` never create a database
/// (run from another folder, they would otherwise fill a new one there).
pub fn require_existing_database(config: &Config) -> anyhow::Result<()> {
    if config.database_kind() != crate::config::DatabaseKind::Sqlite {
        return Ok(());
    }
    let Some(path) = backup::sqlite_path(&config.database_url)? else {
        return Ok(());
    };
    if path.is_file() {
        return Ok(());
    }
    let shown = std::path::absolute(&path).unwrap_or(path);
    anyhow::bail!(
        "aucune base de données à {0} : lancez `passerelle migrate` (ou `passerelle serve`) pour la créer, \
         ou indiquez la base existante avec PASSERELLE_DATABASE_URL (ou PASSERELLE_DATA_DIR)\n\
         no database at {0}: run `passerelle migrate` (or `passerelle serve`) to create it, \
         or point PASSERELLE_DATABASE_URL (or PASSERELLE_DATA_DIR) at the existing one",
        shown.display()
    )
}

/// How long a first connection to PostgreSQL may take before the hub says it got no answer.
const POSTGRES_PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection to PostgreSQL before the pool is built, so that a server that refuses or
/// does not answer is said so at once, with its address. (The pool retries a refused
/// connection until its acquire timeout, then says only "pool timed out".)
async fn probe_postgres(url: &str) -> anyhow::Result<()> {
    use std::str::FromStr;

    use sea_orm::sqlx::Connection;
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
    let shown = redact_url(url);
    let options = PgConnectOptions::from_str(url).with_context(|| format!("{shown} is not a PostgreSQL URL"))?;
    let at = match options.get_socket() {
        Some(socket) => format!("socket {}", socket.display()),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    match tokio::time::timeout(POSTGRES_PROBE_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(sea_orm::sqlx::Error::Io(e))) if e.kind() == std::io::ErrorKind::ConnectionRefused => anyhow::bail!(
            "PostgreSQL : connexion refusée à {at} ; le serveur tourne-t-il à cette adresse ? (PASSERELLE_DATABASE_URL={shown})\n\
             PostgreSQL: connection refused at {at}; is the server running there? (PASSERELLE_DATABASE_URL={shown})"
        ),
        Ok(Err(sea_orm::sqlx::Error::Io(e))) => anyhow::bail!(
            "PostgreSQL : impossible de joindre {at} ({e}) (PASSERELLE_DATABASE_URL={shown})\n\
             PostgreSQL: cannot reach {at} ({e}) (PASSERELLE_DATABASE_URL={shown})"
        ),
        Ok(Err(e)) => Err(anyhow::Error::new(e).context(format!("cannot connect to the database at {shown}"))),
        Err(_) => anyhow::bail!(
            "PostgreSQL : aucune réponse de {at} en {secs} s (PASSERELLE_DATABASE_URL={shown})\n\
             PostgreSQL: no answer from {at} within {secs} s (PASSERELLE_DATABASE_URL={shown})",
            secs = POSTGRES_PROBE_TIMEOUT.as_secs()
        ),
    }
}

/// Opens the database pool: SQLite in WAL mode with foreign keys, or PostgreSQL.
pub async fn connect(config: &Config) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let url = &config.database_url;
    let sqlite = config.database_kind() == crate::config::DatabaseKind::Sqlite;
    if !sqlite {
        probe_postgres(url).await?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if sqlite {
        // SQLite has one writer; a few connections serve concurrent readers under WAL.
        options
            .max_connections(Ord::min(config.db_max_connections, 8))
            .min_connections(1);
        let busy_timeout = config.db_busy_timeout;
        options.map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        // The whole pool is opened at start unless told otherwise: sqlx 0.9 opens a missing
        // connection inside the `acquire` of the request that found none idle, so a pool
        // growing under load makes requests wait on connection set-ups (BENCHMARKS.md).
        let min = config.db_min_connections.unwrap_or(config.db_max_connections);
        options.max_connections(config.db_max_connections).min_connections(min);
        // No statement outlives the request that runs it.
        let statement_timeout = format!("{}ms", config.security.request_timeout.as_millis());
        options.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", statement_timeout.clone())]));
    }
    // sqlx pings every connection when it comes back to the pool; pinging it again when it is
    // lent out is another round trip per statement (to the server, or to SQLite's worker
    // thread) for nothing unless it sat idle a while (a server restarted, a proxy closed it):
    // only then (PgBouncer's `server_check_delay` does the same, 30 s by default).
    options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact_url(url)))?;
    let counter = StatementCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |info| {
        inner.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(target: "passerelle::sql", elapsed_us = info.elapsed.as_micros() as u64, sql = %info.statement.sql);
    });
    Ok((db, counter))
}

/// Key of the PostgreSQL advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x5041_5353_4D49_4752; // "PASSMIGR"

/// Applies pending migrations, then the data passes not run yet (`data_passes`). On
/// PostgreSQL, instances starting together take turns through an advisory lock held by a
/// transaction for as long as both run.
/// Says nothing when the database is up to date; otherwise names the migrations it applies.
/// Returns how many it applied.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<usize> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return migrate_unlocked(db).await;
    }
    use sea_orm::TransactionTrait;
    let lock = db.begin().await.context("cannot open the migration lock transaction")?;
    transaction_lock(&lock, MIGRATION_LOCK)
        .await
        .context("cannot take the migration lock")?;
    let result = migrate_unlocked(db).await;
    lock.commit().await.context("cannot release the migration lock")?;
    result
}

/// The pending migrations, then the data passes, without the lock; how many migrations ran.
async fn migrate_unlocked(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let applied = apply_pending(db).await?;
    data_passes::run_pending(db).await?;
    Ok(applied)
}

/// Applies the pending migrations, if any, with one line before and one after.
async fn apply_pending(db: &DatabaseConnection) -> anyhow::Result<usize> {
    let pending = Migrator::get_pending_migrations(db)
        .await
        .context("cannot read the applied database migrations")?;
    if pending.is_empty() {
        return Ok(0);
    }
    let names: Vec<&str> = pending.iter().map(|m| m.name()).collect();
    tracing::info!(
        "migrations en attente / pending migrations ({}): {}",
        names.len(),
        names.join(", ")
    );
    Migrator::up(db, None)
        .await
        .context("cannot apply database migrations")?;
    tracing::info!("migrations appliquées / migrations applied ({})", names.len());
    Ok(names.len())
}

/// Key of the lock that lets only one instance load the demo data.
pub const DEMO_LOCK: i64 = 0x5041_5353_4445_4D4F; // "PASSDEMO"

/// On PostgreSQL, waits for the advisory lock `key`, held until the transaction ends, so that
/// instances sharing the database take turns. SQLite serialises writers by itself.
pub async fn transaction_lock(txn: &sea_orm::DatabaseTransaction, key: i64) -> Result<(), DbErr> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// The pool's connections: (idle, in use), for the metrics.
pub fn pool_connections(db: &DatabaseConnection) -> Option<(usize, usize)> {
    use sea_orm::DatabaseConnectionType as Pool;
    let (size, idle) = match &db.inner {
        Pool::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Pool::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return None,
    };
    Some((idle, (size as usize).saturating_sub(idle)))
}

/// Maps a unique-constraint violation to `CONFLICT`, anything else to `INTERNAL`.
pub(crate) fn conflict_or_internal(err: DbErr, message: impl FnOnce() -> String) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message()),
        _ => AppError::from(err),
    }
}

/// `column` (a JSON array of strings) contains `value`, on either backend.
pub(crate) fn json_array_contains(backend: DatabaseBackend, column: &'static str, value: &str) -> Expr {
    match backend {
        DatabaseBackend::Postgres => {
            Expr::cust_with_values(format!("\"{column}\" @> $1"), [Value::from(serde_json::json!([value]))])
        }
        _ => Expr::cust_with_values(
            format!("EXISTS (SELECT 1 FROM json_each(\"{column}\") WHERE json_each.value = ?)"),
            [value],
        ),
    }
}

/// Case-insensitive equality on a text column.
pub(crate) fn text_equals_ci<C: sea_orm::sea_query::IntoColumnRef>(
    column: C,
    value: &str,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Func;
    Expr::expr(Func::lower(Expr::col(column))).eq(Func::lower(Expr::val(value.to_string())))
}

/// The current time at the precision both backends store (microseconds).
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
