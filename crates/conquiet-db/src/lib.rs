//! conquiet's durable store: the engine plus its write-ahead log, driven by one writer thread.
//! No network code.
//!
//! - [`Db`] is the handle callers share: [`Db::submit`] (async) and [`Db::submit_blocking`]
//!   send a [`Command`] to the writer and wait for its [`Reply`], which leaves only once the
//!   records behind it are durable under the [`FsyncPolicy`].
//! - The writer ([`writer`]) batches requests: decide, append, apply for each, then one
//!   fdatasync for the whole batch (group commit), then the replies. It also serves blocking
//!   reads, which wait for appends without polling, and takes snapshots.
//! - [`snapshot`] writes and reads checkpoint files; [`recovery`] opens a data directory:
//!   newest good snapshot, then the log tail replayed through the engine's `apply`.
//! - [`Clock`] is injected, so tests control time.

pub mod clock;
#[cfg(test)]
mod crash_tests;
mod error;
pub mod recovery;
pub mod snapshot;
mod waiters;
pub mod writer;

use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

pub use clock::{Clock, ManualClock, SystemClock};
pub use conquiet_core::{Command, EngineConfig, Reply};
pub use conquiet_wal::{FsStorage, SimStorage, Storage, WalOptions};
pub use error::DbError;
pub use recovery::OpenReport;
use tokio::sync::{mpsc, oneshot};
use writer::Request;

/// When appended records are made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// fdatasync before any reply leaves; concurrent writers share one (group commit).
    Always,
    /// fdatasync at most every this many ms; replies do not wait. A crash loses at most the
    /// last interval of acknowledged writes.
    IntervalMs(u64),
    /// Never fdatasync except when rolling segments, snapshotting and closing; the OS decides.
    Never,
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;

    /// `always`, `never`, or `interval:<ms>`.
    fn from_str(text: &str) -> Result<FsyncPolicy, String> {
        match text {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            _ => text
                .strip_prefix("interval:")
                .and_then(|ms| ms.parse::<u64>().ok())
                .filter(|ms| *ms > 0)
                .map(FsyncPolicy::IntervalMs)
                .ok_or_else(|| {
                    format!("fsync policy {text:?}: expected always, never or interval:<ms>")
                }),
        }
    }
}

/// Most requests queued for the writer; senders wait beyond it (backpressure).
pub const QUEUE_DEPTH_DEFAULT: usize = 4096;
/// Most requests handled in one group-commit batch.
pub const BATCH_MAX_DEFAULT: usize = 1024;
/// Most readers blocked at once; more get an error instead of growing the wait list.
pub const WAITERS_MAX: usize = 100_000;

/// How a [`Db`] runs.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub fsync: FsyncPolicy,
    pub wal: WalOptions,
    pub engine: EngineConfig,
    /// A snapshot is taken once the log written since the last one exceeds both this and the
    /// last snapshot's size, which keeps disk use proportional to live data.
    pub snapshot_log_bytes_min: u64,
    pub queue_depth: usize,
    pub batch_max: usize,
    /// Test-only: send replies before the batch's sync, which breaks durability on purpose so
    /// the crash tests can show they catch it.
    #[cfg(test)]
    pub broken_ack_before_sync: bool,
}

impl Default for DbOptions {
    fn default() -> DbOptions {
        DbOptions {
            fsync: FsyncPolicy::Always,
            wal: WalOptions::default(),
            engine: EngineConfig::default(),
            snapshot_log_bytes_min: 64 << 20,
            queue_depth: QUEUE_DEPTH_DEFAULT,
            batch_max: BATCH_MAX_DEFAULT,
            #[cfg(test)]
            broken_ack_before_sync: false,
        }
    }
}

/// A blocking read's wait: how long a read with no result may wait for entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// Answer now.
    No,
    /// Wait up to this many ms; 0 waits until data arrives or the store closes (Redis's
    /// `BLOCK 0`).
    Ms(u64),
}

/// How a transaction ended.
#[derive(Debug, PartialEq, Eq)]
pub enum TxOutcome {
    /// A watched key changed since WATCH: nothing ran (EXEC's null reply).
    Aborted,
    /// Every command ran; each has its own reply or error.
    Done(Vec<Result<Reply, conquiet_core::CommandError>>),
}

/// Each command of a batch with its own result, in order.
pub type BatchReplies = Vec<(Command, Result<Reply, DbError>)>;

/// The replies to commands handed over together ([`Db::enqueue_batch`]): each command comes
/// back with its own result, in order, once durable under the fsync policy. Dropping it does
/// not cancel the commands.
pub struct BatchAnswer(oneshot::Receiver<BatchReplies>);

impl BatchAnswer {
    /// `Err(Closed)` if the store stopped before answering; whether the commands ran is then
    /// unknown. Cancel-safe: awaiting it again after a cancelled wait still yields the replies.
    pub async fn replies(&mut self) -> Result<BatchReplies, DbError> {
        (&mut self.0).await.map_err(|_| DbError::Closed)
    }

    /// The replies if they are in, without waiting.
    pub fn try_replies(&mut self) -> Option<Result<BatchReplies, DbError>> {
        match self.0.try_recv() {
            Ok(replies) => Some(Ok(replies)),
            Err(oneshot::error::TryRecvError::Empty) => None,
            Err(oneshot::error::TryRecvError::Closed) => Some(Err(DbError::Closed)),
        }
    }
}

/// The shared handle to an open store. Cloning is cheap; the writer stops when
/// [`Db::close`] is called or the last handle is dropped.
#[derive(Clone)]
pub struct Db {
    sender: mpsc::Sender<Request>,
    thread: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl Db {
    /// Opens the store in `storage`: recovers, then starts the writer thread.
    pub fn open(
        storage: Arc<dyn Storage>,
        options: DbOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<(Db, OpenReport), DbError> {
        let (state, report) = recovery::open(storage, &options)?;
        let (sender, receiver) = mpsc::channel(options.queue_depth.max(1));
        let thread = std::thread::Builder::new()
            .name("conquiet-writer".into())
            .spawn(move || writer::run(state, options, clock, receiver))
            .map_err(|e| DbError::Start(e.to_string()))?;
        let db = Db {
            sender,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        };
        Ok((db, report))
    }

    /// Opens a store in a directory on the real file system.
    pub fn open_dir(dir: &Path, options: DbOptions) -> Result<(Db, OpenReport), DbError> {
        let storage =
            FsStorage::open(dir).map_err(|e| DbError::Start(format!("{}: {e}", dir.display())))?;
        Db::open(Arc::new(storage), options, Arc::new(SystemClock))
    }

    /// Runs `command`; the reply comes once it is durable under the fsync policy.
    pub async fn submit(&self, command: Command) -> Result<Reply, DbError> {
        self.submit_with(command, Block::No).await
    }

    /// Like [`Db::submit`], but a read that finds nothing may wait for new entries.
    pub async fn submit_with(&self, command: Command, block: Block) -> Result<Reply, DbError> {
        let (reply, answer) = oneshot::channel();
        let request = Request::Command {
            command,
            block,
            reply,
        };
        self.sender
            .send(request)
            .await
            .map_err(|_| DbError::Closed)?;
        answer.await.map_err(|_| DbError::Closed)?
    }

    /// Hands several non-blocking commands to the writer (waiting only while its queue is
    /// full) and returns at once with the [`BatchAnswer`] to await: one message to the writer
    /// and one answer for all of them, which spares a connection a channel hand-off and a
    /// wake-up per pipelined command. The writer runs requests in the order they were
    /// enqueued, and a batch's commands in order, each on its own (one failing does not stop
    /// the others); so a connection can hand over several batches before awaiting the first,
    /// and their effects and answers keep that order while they share fdatasyncs.
    pub async fn enqueue_batch(&self, commands: Vec<Command>) -> Result<BatchAnswer, DbError> {
        let (reply, answer) = oneshot::channel();
        let request = Request::Batch { commands, reply };
        self.sender
            .send(request)
            .await
            .map_err(|_| DbError::Closed)?;
        Ok(BatchAnswer(answer))
    }

    /// [`Db::submit`] for threads outside an async runtime.
    pub fn submit_blocking(&self, command: Command) -> Result<Reply, DbError> {
        self.submit_blocking_with(command, Block::No)
    }

    /// [`Db::submit_with`] for threads outside an async runtime.
    pub fn submit_blocking_with(&self, command: Command, block: Block) -> Result<Reply, DbError> {
        let (reply, answer) = oneshot::channel();
        let request = Request::Command {
            command,
            block,
            reply,
        };
        self.sender
            .blocking_send(request)
            .map_err(|_| DbError::Closed)?;
        answer.blocking_recv().map_err(|_| DbError::Closed)?
    }

    /// Runs `commands` as one atomic, durable unit (MULTI/EXEC), unless a key in `watched`
    /// changed since its version was read with [`Db::watch`].
    pub async fn submit_transaction(
        &self,
        commands: Vec<Command>,
        watched: Vec<(Vec<u8>, u64)>,
    ) -> Result<TxOutcome, DbError> {
        let (reply, answer) = oneshot::channel();
        let request = Request::Transaction {
            commands,
            watched,
            reply,
        };
        self.sender
            .send(request)
            .await
            .map_err(|_| DbError::Closed)?;
        answer.await.map_err(|_| DbError::Closed)?
    }

    /// The current change number of each key, for WATCH.
    pub async fn watch(&self, keys: Vec<Vec<u8>>) -> Result<Vec<u64>, DbError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request::Watch { keys, reply })
            .await
            .map_err(|_| DbError::Closed)?;
        answer.await.map_err(|_| DbError::Closed)
    }

    /// Figures for INFO and metrics.
    pub async fn stats(&self) -> Result<writer::Stats, DbError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request::Stats { reply })
            .await
            .map_err(|_| DbError::Closed)?;
        answer.await.map_err(|_| DbError::Closed)
    }

    /// Figures for tests, metrics and the benchmark.
    pub fn stats_blocking(&self) -> Result<writer::Stats, DbError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .blocking_send(Request::Stats { reply })
            .map_err(|_| DbError::Closed)?;
        answer.blocking_recv().map_err(|_| DbError::Closed)
    }

    /// Takes a snapshot now and waits until it is durable (tests and operators).
    pub fn snapshot_blocking(&self) -> Result<(), DbError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .blocking_send(Request::Snapshot { reply })
            .map_err(|_| DbError::Closed)?;
        answer.blocking_recv().map_err(|_| DbError::Closed)?
    }

    /// Finishes queued commands, answers blocked readers with their empty reply, syncs the log
    /// and stops the writer. Returns the first error of the final sync, if any.
    pub fn close(&self) -> Result<(), DbError> {
        let (reply, answer) = oneshot::channel();
        let sent = self.sender.blocking_send(Request::Close { reply }).is_ok();
        // A dropped answer means the writer stopped without saying how: not a success.
        let result = if sent {
            answer.blocking_recv().unwrap_or(Err(DbError::Closed))
        } else {
            Err(DbError::Closed)
        };
        let thread = self.thread.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(thread) = thread
            && thread.join().is_err()
        {
            return Err(DbError::Poisoned("the writer thread panicked".into()));
        }
        result
    }
}
