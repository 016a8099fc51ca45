//! The log's one error type. It owns no policy: callers decide whether to reply, back off or
//! stop, following the class each variant documents.

use std::error::Error;
use std::io;

use crate::Lsn;

/// What a replay callback may fail with: whatever the caller's apply step returns.
pub type ReplayError = Box<dyn Error + Send + Sync>;

/// Why a log operation failed.
///
/// Classes: `RecordTooLarge` and `Options` are caller errors (nothing changed, the log stays
/// usable); `Io` from `append` or `remove_before` is an operating error that leaves the log usable
/// (a full disk is an error, not a crash); `Poisoned`, `Io` from `sync` and everything from
/// `open` are operating errors that stop the log until it is reopened.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// The payload exceeds `WalOptions::record_bytes_max`; it was refused before copying.
    #[error("record is {len} bytes, limit is {limit}")]
    RecordTooLarge { len: u64, limit: u32 },

    /// An option is outside the crate's hard limits.
    #[error("{what} is {value}, {bound} is {limit}")]
    Options {
        what: &'static str,
        value: u64,
        limit: u64,
        /// "minimum" or "limit", so the message reads right either way.
        bound: &'static str,
    },

    /// A storage call failed. `op` names the call and `file` the file (empty for directory-wide
    /// calls), so an operator can find it.
    #[error("{op} failed on {file:?}: {source}")]
    Io {
        op: &'static str,
        file: String,
        #[source]
        source: io::Error,
    },

    /// An earlier sync (or a cleanup after a failed write) failed. The kernel may have dropped
    /// the unsynced pages, so retrying could report success for data that is gone: the log
    /// refuses every write until it is reopened and recovered.
    #[error("wal is poisoned by an earlier sync failure; reopen it to recover")]
    Poisoned,

    /// A record that had been durable is damaged: a later intact record (or segment header)
    /// vouches through its synced watermark that it was synced. Recovery refuses to open
    /// rather than silently drop acknowledged data.
    #[error("corrupt log: {file} at offset {offset}: {reason}")]
    Corrupt {
        file: String,
        offset: u64,
        reason: String,
    },

    /// The caller's replay callback failed on record `lsn`; the log was left as it was.
    #[error("replay failed at lsn {lsn}: {source}")]
    Replay {
        lsn: Lsn,
        #[source]
        source: ReplayError,
    },

    /// Replay was asked to start where the log cannot: before its oldest record (those were
    /// removed) or after its end (synced records are missing, or the caller's state is newer
    /// than the log).
    #[error("replay from lsn {from} asked, but the log holds lsns {first} to {next} (exclusive)")]
    ReplayRange { from: Lsn, first: Lsn, next: Lsn },
}

impl WalError {
    /// Wraps an io error with the call and file it came from.
    pub(crate) fn io(op: &'static str, file: &str) -> impl FnOnce(io::Error) -> WalError {
        let file = file.to_owned();
        move |source| WalError::Io { op, file, source }
    }

    /// True when the error is the storage running out of space, which callers may report as a
    /// client-visible "disk full" while the log stays usable.
    pub fn is_storage_full(&self) -> bool {
        matches!(self, WalError::Io { source, .. } if source.kind() == io::ErrorKind::StorageFull)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_message_names_file_and_offset() {
        let error = WalError::Corrupt {
            file: "wal-00000000000000000001.log".into(),
            offset: 56,
            reason: "crc mismatch".into(),
        };
        assert_eq!(
            error.to_string(),
            "corrupt log: wal-00000000000000000001.log at offset 56: crc mismatch"
        );
    }

    #[test]
    fn storage_full_is_recognised() {
        let full = WalError::io("write", "f")(io::Error::from(io::ErrorKind::StorageFull));
        assert!(full.is_storage_full());
        assert!(!WalError::Poisoned.is_storage_full());
    }
}
