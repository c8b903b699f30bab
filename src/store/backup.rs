//! The SQL of backups and restores: SQLite's consistent copy, the checks a backup file passes
//! before it replaces a database, and the leases a restored database must not carry over.

use std::path::{Path, PathBuf};

use anyhow::Context;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, EntityName,
    EntityTrait, QueryFilter, Statement, Value,
};

/// The table sea-orm records applied migrations in.
pub const MIGRATIONS_TABLE: &str = "seaql_migrations";

/// The file an SQLite URL names (`sqlite://path?mode=rwc`, `sqlite:path`), as the driver reads
/// it (percent-decoded); `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> anyhow::Result<Option<PathBuf>> {
    use std::str::FromStr;
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let database = rest.split('?').next().unwrap_or_default();
    if database.is_empty() || database == ":memory:" || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .with_context(|| format!("{} is not an SQLite URL", crate::config::redact_url(url)))?;
    Ok(Some(options.get_filename().to_path_buf()))
}

/// Writes a consistent copy of the SQLite database of `db` into `target`, which must not
/// exist. `VACUUM INTO` reads in one transaction: under WAL the hub's writers go on meanwhile,
/// and the copy holds exactly the transactions committed when it began.
pub async fn vacuum_into(db: &impl ConnectionTrait, target: &Path) -> anyhow::Result<()> {
    let target = target
        .to_str()
        .context("the backup's path must be valid UTF-8 (SQLite takes it as text)")?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [Value::from(target)],
    ))
    .await
    .context("VACUUM INTO failed")?;
    Ok(())
}

/// A connection to the SQLite file `path` alone (never created, in rollback-journal mode: it
/// leaves no `-wal` file beside it), for the checks of a restore.
pub async fn open_sqlite_file(path: &Path) -> Result<DatabaseConnection, DbErr> {
    let path = path.to_path_buf();
    let mut options = ConnectOptions::new("sqlite:restore-candidate");
    options
        .sqlx_logging(false)
        .max_connections(1)
        .min_connections(1)
        .map_sqlx_sqlite_opts(move |o| {
            o.filename(&path)
                .create_if_missing(false)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Delete)
        });
    Database::connect(options).await
}

/// What `PRAGMA integrity_check` found: empty when the file is sound.
pub async fn integrity_problems(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check(20)",
        ))
        .await?;
    let mut problems = Vec::new();
    for row in rows {
        let line: String = row.try_get_by_index(0)?;
        if line != "ok" {
            problems.push(line);
        }
    }
    Ok(problems)
}

/// Whether the SQLite database has table `name`.
pub async fn sqlite_has_table(db: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
            [Value::from(name)],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(0)? > 0,
        None => false,
    })
}

/// The versions of the migrations the database has applied, in order.
pub async fn applied_migrations(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"),
        ))
        .await?;
    rows.into_iter().map(|row| row.try_get_by_index(0)).collect()
}

/// How many tables the PostgreSQL database has in its current schema.
pub async fn postgres_table_count(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        ))
        .await?;
    match row {
        Some(row) => row.try_get_by_index(0),
        None => Ok(0),
    }
}

/// Whether the PostgreSQL database has table `name` in its current schema.
pub async fn postgres_has_table(db: &impl ConnectionTrait, name: &str) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1",
            [Value::from(name)],
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(0)? > 0,
        None => false,
    })
}

/// Forgets the leases a backup caught in flight (a search shard being drained, a feed being
/// pulled when the copy was taken): their owners are gone, and the restored hub would otherwise
/// wait for them to expire. Tables an older backup does not have yet are skipped.
pub async fn release_leases(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use entity::{feed, search_shard};
    let has = |table: &'static str| async move {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => postgres_has_table(db, table).await,
            _ => sqlite_has_table(db, table).await,
        }
    };
    let mut released = 0;
    if has(search_shard::Entity.table_name()).await? {
        released += search_shard::Entity::update_many()
            .col_expr(search_shard::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                search_shard::Column::LeaseExpiresAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(search_shard::Column::LeaseOwner.is_not_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    if has(feed::Entity.table_name()).await? {
        released += feed::Entity::update_many()
            .col_expr(feed::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                feed::Column::LeaseExpiresAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(feed::Column::LeaseOwner.is_not_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    released += release_mail_leases(db, &has).await?;
    Ok(released)
}

/// The mail outbox's and digest subscriptions' leases, as `release_leases` does the others'.
async fn release_mail_leases<F, Fut>(db: &DatabaseConnection, has: &F) -> Result<u64, DbErr>
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Result<bool, DbErr>>,
{
    use entity::{digest_subscription as digest, mail_outbox as mail};
    let mut released = 0;
    if has(mail::Entity.table_name()).await? {
        released += mail::Entity::update_many()
            .col_expr(mail::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                mail::Column::LeaseExpiresAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(mail::Column::LeaseOwner.is_not_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    if has(digest::Entity.table_name()).await? {
        released += digest::Entity::update_many()
            .col_expr(digest::Column::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(
                digest::Column::LeaseExpiresAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .filter(digest::Column::LeaseOwner.is_not_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(released)
}
