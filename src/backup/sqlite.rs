//! SQLite: `VACUUM INTO` for the copy; for the return, checks on a copy in the data directory,
//! then an atomic rename over the database under the data directory's lock.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{Partial, Restored, parent_dir, pending_migrations, rebuild_search};
use crate::config::Config;
use crate::lock::DataDirLock;
use crate::store;

/// The suffix of the database a restore replaced, kept beside it (until the next restore).
pub const BEFORE_RESTORE: &str = "before-restore";

/// The SQLite database file of the configuration.
fn database_file(config: &Config) -> anyhow::Result<PathBuf> {
    match store::backup::sqlite_path(&config.database_url)? {
        Some(path) => Ok(path),
        None => bail!("an in-memory SQLite database has nothing to back up or restore"),
    }
}

/// Copies the live database into `out` (which does not exist yet) while the hub goes on.
pub(super) async fn backup(config: &Config, out: &Path) -> anyhow::Result<()> {
    let path = database_file(config)?;
    if !path.is_file() {
        bail!(
            "aucune base de données à {0} (PASSERELLE_DATA_DIR, PASSERELLE_DATABASE_URL ?)\n\
             no database at {0} (check PASSERELLE_DATA_DIR or PASSERELLE_DATABASE_URL)",
            std::path::absolute(&path).unwrap_or(path).display()
        );
    }
    let (db, _) = store::connect(config).await?;
    let result = store::backup::vacuum_into(&db, out).await;
    let _ = db.close().await;
    result
}

/// Replaces the database by the backup `file`, with no hub running on the data directory.
pub(super) async fn restore(config: &Config, file: &Path) -> anyhow::Result<Restored> {
    let target = database_file(config)?;
    config.prepare_data_dir()?;
    // Held until the new database is in place: no hub can start on a half-done restore.
    let lock = DataDirLock::try_acquire(&config.data_dir)?;
    let dir = parent_dir(&target);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // The checks run on the very bytes that will be renamed into place.
    let candidate = Partial::beside(&target, "restore")?;
    let bytes = std::fs::copy(file, candidate.path())
        .with_context(|| format!("cannot copy {} into {}", file.display(), dir.display()))?;
    let (applied, released_leases) = check(file, candidate.path()).await?;
    let pending = pending_migrations(&applied)?;
    let previous = keep_previous(&target).await?;
    candidate.persist(&target)?;
    let search = rebuild_search(config)?;
    drop(lock);
    Ok(Restored {
        target: target.display().to_string(),
        bytes,
        previous,
        released_leases,
        search,
        pending_migrations: pending,
    })
}

/// The checks of a backup (copied to `copy`): a readable SQLite database that passes
/// `PRAGMA integrity_check` and has the migrations table. Returns the migrations it applied and
/// the leases it released.
async fn check(file: &Path, copy: &Path) -> anyhow::Result<(Vec<String>, u64)> {
    let unreadable = |e: sea_orm::DbErr| {
        anyhow::anyhow!(
            "{0} n'est pas une base SQLite lisible ({e}).\n{0} is not a readable SQLite database ({e}).",
            file.display()
        )
    };
    let db = store::backup::open_sqlite_file(copy).await.map_err(unreadable)?;
    let result = async {
        let problems = store::backup::integrity_problems(&db).await.map_err(unreadable)?;
        if !problems.is_empty() {
            bail!(
                "{0} est abîmée : PRAGMA integrity_check signale {1}.\n{0} is damaged: PRAGMA integrity_check reports {1}.",
                file.display(),
                problems.join("; ")
            );
        }
        if !store::backup::sqlite_has_table(&db, store::backup::MIGRATIONS_TABLE)
            .await
            .map_err(unreadable)?
        {
            bail!(
                "{0} n'a pas de table {1} : ce n'est pas une sauvegarde de Passerelle.\n\
                 {0} has no {1} table: it is not a Passerelle backup.",
                file.display(),
                store::backup::MIGRATIONS_TABLE
            );
        }
        let applied = store::backup::applied_migrations(&db).await.map_err(unreadable)?;
        let released = store::backup::release_leases(&db)
            .await
            .context("cannot release the leases the backup holds")?;
        Ok((applied, released))
    }
    .await;
    let _ = db.close().await;
    result
}

/// Keeps the database about to be replaced as `<name>.before-restore` (replacing the one an
/// earlier restore kept), its write-ahead log folded in first, and removes the journal files
/// that belong to it: left in place, SQLite would replay them into the restored database.
async fn keep_previous(target: &Path) -> anyhow::Result<Option<PathBuf>> {
    let with = |suffix: &str| {
        let mut name = target.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    let before = with(&format!(".{BEFORE_RESTORE}"));
    for stale in [
        &before,
        &with(&format!(".{BEFORE_RESTORE}-wal")),
        &with(&format!(".{BEFORE_RESTORE}-journal")),
        &with(&format!(".{BEFORE_RESTORE}-shm")),
    ] {
        remove_if_present(stale)?;
    }
    let kept = if target.exists() {
        // Opening it in rollback-journal mode checkpoints and removes its `-wal` (and rolls a
        // hot journal back). A database too damaged to open keeps its journals, renamed with it.
        match store::backup::open_sqlite_file(target).await {
            Ok(db) => {
                let _ = store::backup::integrity_problems(&db).await;
                let _ = db.close().await;
            }
            Err(e) => tracing::warn!(error = %e, "the previous database cannot be opened: it is kept as it is"),
        }
        if std::fs::hard_link(target, &before).is_err() {
            // File systems without hard links: a copy (the database stays in place meanwhile).
            std::fs::copy(target, &before)
                .with_context(|| format!("cannot keep the previous database as {}", before.display()))?;
        }
        for journal in ["-wal", "-journal"] {
            let path = with(journal);
            if path.exists() {
                std::fs::rename(&path, with(&format!(".{BEFORE_RESTORE}{journal}")))
                    .with_context(|| format!("cannot move {} aside", path.display()))?;
            }
        }
        Some(before)
    } else {
        None
    };
    for stale in [with("-wal"), with("-journal"), with("-shm")] {
        remove_if_present(&stale)?;
    }
    Ok(kept)
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}
