//! The store's errors. `Command` is a client error (the command did nothing; the caller may go
//! on). Every other variant is an operating error: the store could not make the change durable
//! or is not running, and the caller must not report success.

use conquiet_core::CommandError;
use conquiet_wal::WalError;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Command(#[from] CommandError),
    /// Writing to the log failed, e.g. the disk is full. The change was not made.
    #[error("ERR write to the log failed, nothing was changed: {0}")]
    Write(WalError),
    /// An fdatasync failed (now or earlier): the store refuses every further write until it is
    /// restarted, since the kernel may have dropped the unsynced pages.
    #[error("ERR the log could not be synced; the store refuses writes until restarted: {0}")]
    Poisoned(String),
    #[error("ERR too many blocked readers, limit is {0}")]
    TooManyWaiters(usize),
    #[error("ERR the store is closed")]
    Closed,
    #[error("cannot start the store: {0}")]
    Start(String),
    #[error("recovery failed: {0}")]
    Recovery(String),
}
