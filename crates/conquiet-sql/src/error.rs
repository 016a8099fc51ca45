//! The SQL module's error type.

/// What a session, a primitive, the consumer or the relay can fail with. Class: `Nested`,
/// `Identifier` and `LockTimeout` are the caller's to handle; `Begin`, `Commit` and
/// `Database` come from the database (the session has rolled back, or closed its
/// connection when it could not be sure); `Queue` from conquiet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// A session was opened inside another on the same task; use the outer one.
    #[error("a session is already open on this task: nested sessions are refused")]
    Nested,
    /// Taking a connection from the pool failed (timeout, or the database is down).
    #[error("no connection: {0}")]
    Acquire(#[source] sqlx::Error),
    /// `BEGIN` failed; the connection was closed, not returned.
    #[error("BEGIN failed: {0}")]
    Begin(#[source] sqlx::Error),
    /// `COMMIT` failed: nothing may be assumed about the transaction's effects unless an
    /// inbox row says so; the connection was closed, not returned.
    #[error("COMMIT failed: {0}")]
    Commit(#[source] sqlx::Error),
    /// A statement failed earlier in a way that ended the transaction on the server (on
    /// PostgreSQL any failed statement does, even one the handler caught and went past), so
    /// the session rolled back instead of committing.
    #[error("the transaction was aborted by an earlier failed statement; rolled back")]
    Aborted,
    /// The message cannot be stored (too many fields, too large).
    #[error("message refused: {0}")]
    Message(String),
    /// A statement failed; the session rolls back.
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    /// An advisory lock was not granted within its wait.
    #[error("advisory lock {key} not granted within {wait_ms} ms")]
    LockTimeout {
        /// The lock's key.
        key: i64,
        /// How long it waited.
        wait_ms: u64,
    },
    /// A table or column name that is not a plain identifier.
    #[error("'{0}' is not a plain identifier (ASCII letters, digits, _; at most 63 bytes)")]
    Identifier(String),
    /// Another writer changed the row first (an optimistic update that did not apply);
    /// [`Db::transaction_retrying`](crate::Db::transaction_retrying) runs the transaction
    /// again on it.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A value read back did not have the expected type.
    #[error("column {column}: {message}")]
    Decode {
        /// The column.
        column: String,
        /// What was wrong.
        message: String,
    },
    /// conquiet refused or could not be reached.
    #[error("queue: {0}")]
    Queue(#[from] conquiet_client::Error),
}

/// A result with [`SqlError`].
pub type Result<T, E = SqlError> = std::result::Result<T, E>;
