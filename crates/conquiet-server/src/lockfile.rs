//! One server per data directory: an exclusive lock on `<dir>/LOCK`, held for the process's
//! life. The OS drops it when the process dies, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Held while the server runs; dropping it releases the directory.
pub struct DirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "data directory {dir} is in use by another running conquiet (lock file {dir}/LOCK{holder})"
    )]
    Busy { dir: String, holder: String },
    #[error("cannot lock data directory {dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

/// Takes the lock, creating the directory if needed.
pub fn lock(dir: &Path) -> Result<DirLock, LockError> {
    let shown = dir.display().to_string();
    let io = |source| LockError::Io {
        dir: shown.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join("LOCK");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path)
                .ok()
                .map(|pid| format!(", held by pid {}", pid.trim()))
                .unwrap_or_default();
            return Err(LockError::Busy { dir: shown, holder });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    Ok(DirLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        let error = lock(dir.path())
            .err()
            .expect("second lock refused")
            .to_string();
        assert!(
            error.contains("in use by another running conquiet"),
            "{error}"
        );
        drop(held);
        lock(dir.path()).expect("free again once the holder is gone");
    }
}
