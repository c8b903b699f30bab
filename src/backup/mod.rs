//! `passerelle backup` and `passerelle restore`: a consistent copy of the database taken while
//! the hub serves and writes, and its return with no hub running.
//!
//! SQLite: `VACUUM INTO` a temporary file beside the target, renamed once complete; a restore
//! checks the file, swaps it in atomically under the data directory's lock
//! (`crate::lock`), and keeps the previous database. PostgreSQL: `pg_dump`/`pg_restore`, the
//! password passed through `PGPASSWORD`, never on a command line.
//!
//! The search index is derived data (ARCHITECTURE, invariant 11): a restore never restores it,
//! it has it rebuilt from the restored database.

mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::config::Config;

/// A backup written.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
}

/// What was done so that the search index follows the restored database.
#[derive(Debug)]
pub enum SearchRebuild {
    /// The embedded index's directory was removed: the next start creates it empty and queues
    /// every record of the restored database for it.
    Removed(PathBuf),
    /// There was no embedded index at this place: the next start creates it the same way.
    Absent(PathBuf),
    /// Meilisearch holds the index: it must be rebuilt with `passerelle search reindex` once the
    /// hub runs (the index still has the records written after the backup).
    Meilisearch,
}

/// A restore done.
#[derive(Debug)]
pub struct Restored {
    /// The database replaced: its file, or its redacted URL.
    pub target: String,
    /// The size of the restored file (SQLite) or of the dump read (PostgreSQL).
    pub bytes: u64,
    /// Where the replaced SQLite database is kept.
    pub previous: Option<PathBuf>,
    /// Leases the backup caught in flight, released.
    pub released_leases: u64,
    pub search: SearchRebuild,
    /// Migrations this version has that the backup had not applied: the next start applies them.
    pub pending_migrations: Vec<String>,
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Writes a consistent copy of the configured database to `file`: into a temporary file
/// beside it, renamed once complete, so that a failed backup leaves no half file.
pub async fn backup(config: &Config, file: &Path, force: bool) -> anyhow::Result<Written> {
    refuse_existing(file, force)?;
    let dir = parent_dir(file);
    if !dir.is_dir() {
        bail!(
            "le dossier {0} n'existe pas / the directory {0} does not exist",
            dir.display()
        );
    }
    let partial = Partial::beside(file, "partial")?;
    if is_postgres(&config.database_url) {
        postgres::backup(&config.database_url, partial.path(), file).await?;
    } else {
        sqlite::backup(config, partial.path()).await?;
    }
    // The file may have appeared while the copy was written.
    refuse_existing(file, force)?;
    partial.persist(file)?;
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("cannot read the size of {}", file.display()))?
        .len();
    Ok(Written {
        path: file.to_path_buf(),
        bytes,
    })
}

/// Replaces the configured database by the backup `file`. SQLite: refused while a hub runs on
/// the data directory. PostgreSQL: refused when the database has tables, unless `yes`.
pub async fn restore(config: &Config, file: &Path, yes: bool) -> anyhow::Result<Restored> {
    let meta = std::fs::metadata(file).with_context(|| format!("cannot read the backup {}", file.display()))?;
    if !meta.is_file() {
        bail!("{} n'est pas un fichier / is not a file", file.display());
    }
    if is_postgres(&config.database_url) {
        postgres::restore(config, file, yes).await
    } else {
        sqlite::restore(config, file).await
    }
}

fn refuse_existing(file: &Path, force: bool) -> anyhow::Result<()> {
    if !force && std::fs::symlink_metadata(file).is_ok() {
        bail!(
            "{0} existe déjà ; choisissez un autre nom ou ajoutez --force pour le remplacer.\n\
             {0} already exists; choose another name or add --force to replace it.",
            file.display()
        );
    }
    if file.is_dir() {
        bail!("{} est un dossier / is a directory", file.display());
    }
    Ok(())
}

/// A temporary file beside `path` (same directory, so that a rename is atomic), removed when
/// dropped unless it was kept.
struct Partial(Option<PathBuf>);

impl Partial {
    fn beside(path: &Path, what: &str) -> anyhow::Result<Partial> {
        let name = path
            .file_name()
            .with_context(|| format!("{} has no file name", path.display()))?
            .to_string_lossy();
        let dir = parent_dir(path);
        Ok(Partial(Some(
            dir.join(format!(".{name}.{what}-{}", uuid::Uuid::new_v4().simple())),
        )))
    }

    fn path(&self) -> &Path {
        self.0.as_deref().unwrap_or(Path::new(""))
    }

    /// Flushes the file to disk and renames it to `target`, replacing it, then flushes the
    /// directory so that the rename survives a crash.
    fn persist(mut self, target: &Path) -> anyhow::Result<()> {
        let Some(path) = self.0.take() else {
            bail!("the temporary file was already used");
        };
        let result = (|| {
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot flush {}", path.display()))?;
            std::fs::rename(&path, target)
                .with_context(|| format!("cannot rename {} to {}", path.display(), target.display()))?;
            sync_dir(parent_dir(target));
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        result
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The directory of `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Flushes a directory's entries (renames, new files). Best effort: not every platform or file
/// system lets a directory be opened for it.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Has the search index rebuilt from the restored database: the embedded index is removed (the
/// next start recreates it and queues every record, see `Indexer::prepare`); Meilisearch is
/// left to `passerelle search reindex`, which swaps a fresh index in whole.
fn rebuild_search(config: &Config) -> anyhow::Result<SearchRebuild> {
    if config.search.meili_url.is_some() {
        return Ok(SearchRebuild::Meilisearch);
    }
    let dir = config
        .search
        .index_dir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("search"));
    if !dir.exists() {
        return Ok(SearchRebuild::Absent(dir));
    }
    std::fs::remove_dir_all(&dir).with_context(|| {
        format!(
            "the database is restored, but the search index {} could not be removed: remove it by hand before starting the hub",
            dir.display()
        )
    })?;
    Ok(SearchRebuild::Removed(dir))
}

/// The migrations this version would apply to a database that applied `applied`; refuses a
/// backup written by a newer version (its migrations are unknown here, and the hub would not
/// start on it).
fn pending_migrations(applied: &[String]) -> anyhow::Result<Vec<String>> {
    use migration::MigratorTrait;
    let known: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let unknown: Vec<&String> = applied.iter().filter(|v| !known.contains(v)).collect();
    if !unknown.is_empty() {
        bail!(
            "cette sauvegarde vient d'une version plus récente de Passerelle (migrations inconnues : {0}) ; restaurez-la avec cette version.\n\
             this backup comes from a newer version of Passerelle (unknown migrations: {0}); restore it with that version.",
            unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(known.into_iter().filter(|v| !applied.contains(v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_backup_has_pending_migrations_and_a_newer_one_is_refused() {
        let all = pending_migrations(&[]).expect("known");
        assert!(all.len() >= 6, "{all:?}");
        assert_eq!(pending_migrations(&all).expect("up to date"), Vec::<String>::new());
        assert_eq!(pending_migrations(&all[..2]).expect("older"), all[2..].to_vec());
        let mut newer = all.clone();
        newer.push("m20991231_000099_from_the_future".into());
        let refused = pending_migrations(&newer).expect_err("refused").to_string();
        assert!(refused.contains("m20991231_000099_from_the_future"), "{refused}");
        assert!(refused.contains("newer version of Passerelle"), "{refused}");
    }

    #[test]
    fn an_existing_file_is_refused_without_force() {
        let dir = std::env::temp_dir().join(format!("passerelle-backup-unit-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let file = dir.join("b.db");
        refuse_existing(&file, false).expect("absent: fine");
        std::fs::write(&file, b"x").expect("written");
        let refused = refuse_existing(&file, false).expect_err("refused").to_string();
        assert!(
            refused.contains("already exists") && refused.contains("--force"),
            "{refused}"
        );
        refuse_existing(&file, true).expect("forced");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_partial_file_is_removed_unless_persisted() {
        let dir = std::env::temp_dir().join(format!("passerelle-partial-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let target = dir.join("out.db");
        let dropped = Partial::beside(&target, "partial").expect("a name");
        std::fs::write(dropped.path(), b"half").expect("written");
        let path = dropped.path().to_path_buf();
        assert!(
            path.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".out.db.partial-"))
        );
        drop(dropped);
        assert!(!path.exists());
        let kept = Partial::beside(&target, "partial").expect("a name");
        std::fs::write(kept.path(), b"whole").expect("written");
        kept.persist(&target).expect("renamed");
        assert_eq!(std::fs::read(&target).expect("read"), b"whole");
        assert_eq!(std::fs::read_dir(&dir).expect("listed").count(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
