//! Ack after commit: a worker handler that runs the job inside a session, writes the inbox
//! row in the same transaction, and returns success (so the worker acks) only after COMMIT
//! succeeded. A redelivery of an entry whose transaction committed (its ack was lost to a
//! crash) finds the inbox row, skips the job, and is acked: the effect happens once.

use std::sync::Arc;

use conquiet_client::{BoxFuture, Handler, Job, Outcome};
use futures_util::future::BoxFuture as SessionFuture;

use crate::error::SqlError;
use crate::session::{Db, Session};
use crate::tables::now_ms;
use crate::value::Value;

/// What a transactional job handler can decide besides success.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// Roll back and try again later (the group's backoff).
    #[error("retry: {0}")]
    Retry(String),
    /// Roll back and give up: the message goes to the dead-letter stream.
    #[error("fail: {0}")]
    Fail(String),
    /// A database error: roll back and retry.
    #[error(transparent)]
    Sql(#[from] SqlError),
}

/// What a transactional handler is: given the session and the job, do the job's database
/// work. It must not commit or ack: the session commits when it returns `Ok`, and the worker
/// acks after that.
pub trait TxHandler: Send + Sync + 'static {
    /// Does the job inside `session`.
    fn handle<'s>(
        &'s self,
        session: &'s mut Session,
        job: &'s Job,
    ) -> SessionFuture<'s, Result<(), JobError>>;
}

impl<F> TxHandler for F
where
    F: for<'s> Fn(&'s mut Session, &'s Job) -> SessionFuture<'s, Result<(), JobError>>
        + Send
        + Sync
        + 'static,
{
    fn handle<'s>(
        &'s self,
        session: &'s mut Session,
        job: &'s Job,
    ) -> SessionFuture<'s, Result<(), JobError>> {
        self(session, job)
    }
}

/// A worker [`Handler`] that runs `handler` with ack after commit and an inbox.
///
/// ```no_run
/// use conquiet_client::{Client, ClientConfig, Job, Worker, WorkerConfig};
/// use conquiet_sql::{Db, JobError, transactional};
///
/// # fn run(db: Db) {
/// let handler = transactional(db, |s, job| {
///     Box::pin(async move {
///         let order = job.field("order").ok_or(JobError::Fail("no order".into()))?.to_vec();
///         s.execute("INSERT INTO orders (id) VALUES (?)", &[order.into()]).await?;
///         Ok(())
///     })
/// });
/// let worker = Worker::new(Client::new(ClientConfig::default()), WorkerConfig::new("orders"), handler);
/// # }
/// ```
pub fn transactional<F>(db: Db, handler: F) -> Transactional
where
    F: for<'s> Fn(&'s mut Session, &'s Job) -> SessionFuture<'s, Result<(), JobError>>
        + Send
        + Sync
        + 'static,
{
    Transactional {
        db,
        handler: Arc::new(handler),
    }
}

/// The handler [`transactional`] makes.
pub struct Transactional {
    db: Db,
    handler: Arc<dyn TxHandler>,
}

impl Handler for Transactional {
    fn handle(&self, job: Job) -> BoxFuture<'static, Outcome> {
        let db = self.db.clone();
        let handler = self.handler.clone();
        Box::pin(async move {
            let done = db
                .transaction(|s| {
                    Box::pin(async move {
                        if !claim(s, &job).await? {
                            return Ok(());
                        }
                        handler.handle(s, &job).await
                    })
                })
                .await;
            match done {
                Ok(()) => Outcome::Success,
                Err(JobError::Fail(reason)) => Outcome::fail(reason),
                Err(JobError::Retry(reason)) => Outcome::retry(reason),
                Err(JobError::Sql(e)) => Outcome::retry(e.to_string()),
            }
        })
    }
}

/// Writes the job's inbox row; `false` when it was there: the job's transaction committed
/// before, and only its ack was lost.
async fn claim(session: &mut Session, job: &Job) -> Result<bool, SqlError> {
    let started = std::time::Instant::now();
    let inbox = session.db().tables().inbox.clone();
    let row = [
        ("queue", Value::Text(job.queue.to_string())),
        ("grp", Value::Text(job.group.to_string())),
        ("entry_id", Value::Text(job.id.to_string())),
        ("done_ms", Value::Int(now_ms())),
    ];
    let first = session
        .insert_if_absent(&inbox, &row, &["queue", "grp", "entry_id"])
        .await;
    let status = match &first {
        Ok(true) => crate::Status::Ok,
        Ok(false) => crate::Status::NotApplied,
        Err(_) => crate::Status::Error,
    };
    session.db().metrics().record("inbox", status, started);
    first
}

/// Deletes inbox rows older than `older_than_ms` (Unix ms) for `queue`; answers how many.
/// Safe once no delivery of those entries can come again: after the longest time an entry
/// can stay pending (max deliveries times the lease and backoff).
pub async fn purge_inbox(db: &Db, queue: &str, older_than_ms: i64) -> Result<u64, SqlError> {
    let sql = format!(
        "DELETE FROM {} WHERE queue = ? AND done_ms < ?",
        db.tables().inbox
    );
    let args = [Value::Text(queue.to_string()), Value::Int(older_than_ms)];
    db.transaction(|s| Box::pin(async move { s.execute(&sql, &args).await }))
        .await
}
