//! The data directory's lock: `serve` on SQLite holds it for its whole life, `restore` takes it
//! for as long as it replaces the database, so neither can run under the other.
//!
//! An advisory lock (`flock` on Unix, `LockFileEx` on Windows) through `std::fs::File::try_lock`:
//! the system releases it when the process ends, however it ends, so a crashed hub never leaves
//! a stale lock behind (the file itself stays, empty and harmless).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "passerelle.lock";

/// A held lock on a data directory; released when dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "Un hub tourne sur ce dossier de données ({dir}) ; arrêtez-le d'abord.\n\
         A hub is running on this data directory ({dir}); stop it first."
    )]
    Held { dir: String },
    #[error("cannot open the lock file {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl DataDirLock {
    /// Takes the lock of `data_dir` (which must exist), or says who holds it, without waiting.
    pub fn try_acquire(data_dir: &Path) -> Result<DataDirLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held {
                dir: data_dir.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("passerelle-lock-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a directory");
        let first = DataDirLock::try_acquire(&dir).expect("the first takes it");
        // Another open file description conflicts even in the same process.
        let second = DataDirLock::try_acquire(&dir);
        assert!(matches!(second, Err(LockError::Held { .. })), "{second:?}");
        let message = second.map(|_| ()).expect_err("refused").to_string();
        assert!(message.contains("A hub is running on this data directory"), "{message}");
        assert!(message.contains("Un hub tourne sur ce dossier de données"), "{message}");
        drop(first);
        DataDirLock::try_acquire(&dir).expect("free again");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
