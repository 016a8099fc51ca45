//! The writer thread: the one owner of the engine and the log. Requests arrive on a bounded
//! channel; each loop turn takes a batch, runs every command through decide, append and apply,
//! and wakes blocked readers the batch fed. Replies are held until the records they depend on
//! are durable. One fdatasync at a time runs on the syncer thread and covers everything
//! appended before it began (group commit); while it runs, the writer goes on with the next
//! batch, so the disk's sync time and the engine's work overlap. The syncer also answers the
//! replies each sync makes durable and starts the next sync itself (`syncer`), so neither waits
//! for the writer to finish its batch.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use conquiet_core::codec::encode_record;
use conquiet_core::room::RoomCommand;
use conquiet_core::{Command, CommandError, Decision, Engine, Record, Reply};

use conquiet_wal::{Detached, Lsn, Storage, Wal, WalError};
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;
use crate::recovery::Recovered;
use crate::waiters::{ReplySender, WaitKey, Waiter, Waiters};
use crate::{Block, DbError, DbOptions, FsyncPolicy, TxOutcome, WAITERS_MAX, snapshot};

mod requests;
mod syncer;
mod transaction;

use syncer::{Durability, Syncer};

/// Most commands whose replies are held back waiting for a sync before the writer stops taking
/// requests.
const HELD_MAX: usize = 65_536;

/// A message to the writer.
// Requests are mostly commands; boxing them would allocate per request to save at most
// QUEUE_DEPTH_DEFAULT x ~270 bytes of channel memory.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Request {
    Command {
        command: Command,
        block: Block,
        reply: ReplySender,
    },
    /// Non-blocking commands run one after another, answered together.
    Batch {
        commands: Vec<Command>,
        reply: BatchSender,
    },
    Stats {
        reply: oneshot::Sender<Stats>,
    },
    Snapshot {
        reply: oneshot::Sender<Result<(), DbError>>,
    },
    Close {
        reply: oneshot::Sender<Result<(), DbError>>,
    },
    Transaction {
        commands: Vec<Command>,
        watched: Vec<(Vec<u8>, u64)>,
        reply: oneshot::Sender<Result<TxOutcome, DbError>>,
    },
    Watch {
        keys: Vec<Vec<u8>>,
        reply: oneshot::Sender<Vec<u64>>,
    },
}

/// Where a batch's results go: each command with its own result.
pub(crate) type BatchSender = oneshot::Sender<crate::BatchReplies>;

/// A reply waiting for durability: a command's, a batch's or a transaction's.
pub(crate) enum Answer {
    Reply(ReplySender, Result<Reply, DbError>),
    Batch(BatchSender, crate::BatchReplies),
    Transaction(
        oneshot::Sender<Result<TxOutcome, DbError>>,
        Result<TxOutcome, DbError>,
    ),
}

impl Answer {
    /// How many commands this answers.
    fn commands(&self) -> usize {
        match self {
            Answer::Batch(_, results) => results.len(),
            Answer::Reply(..) | Answer::Transaction(..) => 1,
        }
    }

    /// Sends the answer; after a failed sync, a success becomes the poisoned error, since
    /// nothing unsynced may be reported as done.
    fn send(self, poisoned: Option<&str>) {
        match self {
            Answer::Reply(reply, result) => {
                let _ = reply.send(unless_poisoned(result, poisoned));
            }
            Answer::Batch(reply, results) => {
                let results = results
                    .into_iter()
                    .map(|(command, result)| (command, unless_poisoned(result, poisoned)))
                    .collect();
                let _ = reply.send(results);
            }
            Answer::Transaction(reply, result) => {
                let _ = reply.send(unless_poisoned(result, poisoned));
            }
        }
    }
}

/// `result`, except that a success becomes the poisoned error when the sync it waited for
/// failed.
fn unless_poisoned<T>(result: Result<T, DbError>, poisoned: Option<&str>) -> Result<T, DbError> {
    match (poisoned, result) {
        (Some(reason), Ok(_)) => Err(DbError::Poisoned(reason.to_string())),
        (_, result) => result,
    }
}

/// Counters for tests, metrics and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub next_lsn: u64,
    pub synced_lsn: u64,
    pub batches: u64,
    /// Messages taken from the writer's queue (a batch of pipelined commands is one).
    pub requests: u64,
    pub records: u64,
    pub syncs: u64,
    pub sync_failures: u64,
    pub write_failures: u64,
    pub log_bytes: u64,
    pub segments: usize,
    pub snapshots_taken: u64,
    pub snapshot_failures: u64,
    pub snapshot_lsn: u64,
    /// Longest time the writer spent copying the engine for a snapshot (the only part of a
    /// snapshot that holds up commands; encoding and writing run on their own thread).
    pub snapshot_copy_us_max: u64,
    pub waiters: usize,
    /// Requests waiting for their reply now.
    pub requests_pending: usize,
    /// Replies handed to a waiting caller, since the store started.
    pub replies_delivered: u64,
    /// Replies nobody waited for any more (timed out, caller gone, unknown correlation),
    /// since the store started.
    pub replies_dropped: u64,
    /// Requests answered with their timeout, since the store started.
    pub requests_timed_out: u64,
    pub streams: usize,
    /// The engine's node limits now (`stream-node-max-entries` / `-bytes`).
    pub node_entries_max: u64,
    pub node_bytes_max: u64,
    pub poisoned: bool,
    /// How long each fdatasync of the log took, failed ones included.
    pub fsync_latency: LatencyHistogram,
}

/// Upper bounds, in µs, of the fsync latency buckets (Prometheus `le`); the last bucket is
/// everything above.
pub const FSYNC_BUCKETS_US: [u64; 14] = [
    100, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 1_000_000,
    4_000_000,
];

/// Counts of durations per bucket of `FSYNC_BUCKETS_US`, plus their number and sum.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// Not cumulative: `counts[i]` is how many fell in bucket `i`; one more slot for the rest.
    pub counts: [u64; FSYNC_BUCKETS_US.len() + 1],
    pub count: u64,
    pub sum_us: u64,
}

impl LatencyHistogram {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
    }

    pub fn record(&mut self, elapsed: Duration) {
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let bucket = FSYNC_BUCKETS_US
            .iter()
            .position(|bound| us <= *bound)
            .unwrap_or(FSYNC_BUCKETS_US.len());
        self.counts[bucket] += 1;
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
    }
}

/// Deletions the writer may queue for the remover before it waits.
const REMOVALS_QUEUED: usize = 16;

/// Files one compaction made old.
struct Removal {
    snapshots: Vec<String>,
    segments: Detached,
}

impl Removal {
    /// Deletes the snapshots, then the segments oldest first, after `leftover`: the segments an
    /// earlier job could not delete, which must go before any newer one (see `Detached`).
    /// What fails to go stays in `leftover`. `Err` only for a failed directory sync after a
    /// segment went.
    fn run(self, storage: &dyn Storage, leftover: &mut Detached) -> Result<(), String> {
        for name in &self.snapshots {
            let _ = storage.remove(name);
        }
        leftover.extend(self.segments);
        if let Err(e @ WalError::Io { op: "sync_dir", .. }) = leftover.remove(storage) {
            return Err(e.to_string());
        }
        let _ = storage.sync_dir();
        Ok(())
    }
}

/// The thread that deletes what compactions made old, one job after another.
struct Remover {
    jobs: std::sync::mpsc::SyncSender<Removal>,
    thread: JoinHandle<()>,
    /// The first failed directory sync, for the writer to poison the store with.
    failed: Arc<std::sync::Mutex<Option<String>>>,
}

impl Remover {
    fn start(storage: Arc<dyn Storage>) -> Option<Remover> {
        let (jobs, inbox) = std::sync::mpsc::sync_channel::<Removal>(REMOVALS_QUEUED);
        let failed = Arc::new(std::sync::Mutex::new(None));
        let report = failed.clone();
        let thread = std::thread::Builder::new()
            .name("conquiet-remove".into())
            .spawn(move || {
                let mut leftover = Detached::default();
                while let Ok(job) = inbox.recv() {
                    if let Err(reason) = job.run(storage.as_ref(), &mut leftover)
                        && let Ok(mut failed) = report.lock()
                    {
                        failed.get_or_insert(reason);
                    }
                }
            })
            .ok()?;
        Some(Remover {
            jobs,
            thread,
            failed,
        })
    }

    /// Lets the queued deletions finish; returns a failure not yet reported.
    fn finish(self) -> Option<String> {
        drop(self.jobs);
        let panicked = self.thread.join().is_err();
        let failed = self.failed.lock().ok().and_then(|mut f| f.take());
        failed.or_else(|| panicked.then(|| "the thread deleting old files panicked".into()))
    }
}

/// A snapshot being written on its own thread.
struct InFlight {
    lsn: Lsn,
    thread: JoinHandle<std::io::Result<u64>>,
    waiting: Vec<oneshot::Sender<Result<(), DbError>>>,
}

struct Writer {
    engine: Engine,
    wal: Wal,
    storage: Arc<dyn Storage>,
    options: DbOptions,
    clock: Arc<dyn Clock>,
    /// Set by the first failed fdatasync; from then on every command is refused.
    poisoned: Option<String>,
    /// Replies of this batch, with the lsn that must be durable before each goes; handed to
    /// `durability` when the batch ends.
    to_hold: Vec<(u64, Answer)>,
    /// Replies waiting for a sync, the sync asked for next, and what the syncer did.
    durability: Arc<Durability>,
    /// WATCH support: the write sequence number at which each key last changed.
    versions: std::collections::HashMap<Vec<u8>, u64>,
    version_seq: u64,
    /// Version of every key not in `versions` (raised when the map is cleared to bound it).
    version_floor: u64,
    syncer: Option<Syncer>,
    waiters: Waiters,
    /// Streams appended to and locks released in this batch: their waiters are woken.
    touched: BTreeSet<WaitKey>,
    /// The turn end whose expiry the engine refused: the timer does not wake for it again.
    room_timer_stalled_until: Option<u64>,
    last_sync: Instant,
    last_time: u64,
    snapshots: Vec<(Lsn, u64)>,
    log_bytes_since_snapshot: u64,
    in_flight: Option<InFlight>,
    /// Deletes old snapshots and segments on its own thread (unlinking a 64 MiB segment took
    /// 13-17 ms here, which the writer would otherwise stall for); started at the first
    /// compaction.
    remover: Option<Remover>,
    stats: Stats,
}

pub(crate) fn run(
    state: Recovered,
    options: DbOptions,
    clock: Arc<dyn Clock>,
    mut receiver: mpsc::Receiver<Request>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(_) => return, // Dropping the receiver answers every caller with `Closed`.
    };
    let Recovered {
        engine,
        wal,
        storage,
        snapshots,
    } = state;
    let mut w = Writer {
        engine,
        wal,
        storage,
        options,
        clock,
        poisoned: None,
        to_hold: Vec::new(),
        durability: Arc::default(),
        versions: std::collections::HashMap::new(),
        version_seq: 0,
        version_floor: 0,
        syncer: None,
        waiters: Waiters::default(),
        touched: BTreeSet::new(),
        room_timer_stalled_until: None,
        last_sync: Instant::now(),
        last_time: 0,
        snapshots,
        log_bytes_since_snapshot: 0,
        in_flight: None,
        remover: None,
        stats: Stats::default(),
    };
    // One message stands for any number of syncs finished since the writer last looked.
    let (notify, mut synced) = mpsc::channel::<()>(1);
    w.syncer = Syncer::start(w.durability.clone(), notify).ok();
    let mut syncer_running = w.syncer.is_some();
    let mut batch = Vec::with_capacity(w.options.batch_max);
    loop {
        let wait = w.wait_time();
        // Replies waiting for a sync are bounded: past the limit, requests stay in the bounded
        // channel and senders wait, instead of the writer buffering without end.
        let accepting = w.durability.held_commands() < HELD_MAX;
        let event = runtime.block_on(async {
            let sleep = async {
                match wait {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                request = receiver.recv(), if accepting => Event::Request(request),
                notice = synced.recv(), if syncer_running => Event::Synced(notice.is_some()),
                () = sleep => Event::Timeout,
            }
        });
        match event {
            Event::Request(None) => break, // Every handle is gone.
            Event::Request(Some(request)) => batch.push(request),
            Event::Synced(running) => {
                syncer_running = running;
                if !running {
                    // Only a panic ends it before shutdown; nothing would be synced after.
                    w.poison("the syncer thread stopped".into());
                }
                w.on_synced();
            }
            Event::Timeout => {}
        }
        while accepting && batch.len() < w.options.batch_max {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        w.stats.requests += batch.len() as u64;
        let mut close = None;
        for request in batch.drain(..) {
            let Some(request) = w.handle_commands(request) else {
                continue;
            };
            match request {
                Request::Command { .. } | Request::Batch { .. } => {}
                Request::Stats { reply } => {
                    let _ = reply.send(w.stats());
                }
                Request::Snapshot { reply } => w.request_snapshot(reply),
                Request::Close { reply } => close = Some(reply),
                Request::Transaction {
                    commands,
                    watched,
                    reply,
                } => {
                    let result = w.transaction(commands, watched);
                    w.hold_answer(Answer::Transaction(reply, result));
                }
                Request::Watch { keys, reply } => {
                    let _ = reply.send(keys.iter().map(|k| w.version(k)).collect());
                }
            }
        }
        w.finish_batch();
        if let Some(reply) = close {
            receiver.close();
            // Commands still queued run; other requests are dropped (their callers see Closed).
            while let Ok(request) = receiver.try_recv() {
                let _ = w.handle_commands(request);
            }
            w.finish_batch();
            let _ = reply.send(w.shut_down());
            return;
        }
    }
    let _ = w.shut_down();
}

impl Drop for Writer {
    /// After `shut_down` nothing is held any more; if the writer thread unwinds instead (a
    /// panic), every held reply gets an error and the syncer stops, rather than callers
    /// waiting for ever.
    fn drop(&mut self) {
        self.durability.fail("the store's writer thread stopped");
        if let Some(syncer) = self.syncer.take() {
            syncer.stop(&self.durability);
        }
    }
}

/// The store has no logger of its own; a poisoned store is loud on stderr, since every later
/// command fails and an operator must restart it.
fn tracing_free_log(reason: &str) {
    eprintln!("conquiet store: refusing all further commands: {reason}");
}

/// Most rooms whose turns the timer expires per batch (see `expire_turns`): bounded work
/// between requests; each is one small record.
const ROOM_EXPIRIES_PER_BATCH_MAX: usize = 256;

/// Most passes of waking blocked readers per batch (see `wake_waiters`).
const WAKE_PASSES_MAX: usize = 4;

/// What woke the writer.
#[allow(clippy::large_enum_variant)] // one lives at a time, on the writer's stack
enum Event {
    Request(Option<Request>),
    /// `false`: the syncer is gone and will send no more.
    Synced(bool),
    Timeout,
}

impl Writer {
    fn now(&mut self) -> u64 {
        // Record times never go backwards, even if the wall clock does.
        self.last_time = self.last_time.max(self.clock.now_ms());
        self.last_time
    }

    /// How long the loop may sleep: until the next blocked-reader deadline, the next interval
    /// sync, or the in-flight snapshot's next check.
    fn wait_time(&mut self) -> Option<Duration> {
        let now = self.clock.now_ms();
        let mut wait: Option<u64> = self.waiters.next_deadline().map(|d| d.saturating_sub(now));
        // The next turn end of any room, unless its expiry was refused (it is retried only
        // after another event, so a refusal cannot spin the loop).
        let turn_end = self
            .engine
            .room_deadline()
            .map(|(until, _)| until)
            .filter(|until| self.room_timer_stalled_until != Some(*until));
        if let Some(until) = turn_end {
            let due = until.saturating_sub(now);
            wait = Some(wait.map_or(due, |w| w.min(due)));
        }
        let interval_due = self.unsynced();
        if let (FsyncPolicy::IntervalMs(ms), true) = (self.options.fsync, interval_due) {
            let since = self.last_sync.elapsed().as_millis() as u64;
            let due = ms.saturating_sub(since);
            wait = Some(wait.map_or(due, |w| w.min(due)));
        }
        if self.in_flight.is_some() {
            wait = Some(wait.map_or(10, |w| w.min(10)));
        }
        wait.map(|ms| Duration::from_millis(ms.max(1)))
    }

    fn handle(&mut self, command: Command, block: Block, reply: ReplySender) {
        let now = self.now();
        if matches!(command, Command::Request(_)) {
            self.handle_request(now, command, reply);
            return;
        }
        let result = self.execute_routed(now, &command);
        match (result, block) {
            (Ok(r), Block::Ms(ms)) if r.is_empty_read() => {
                self.wait_for_entries(now, command, ms, reply)
            }
            (result, _) => self.hold(reply, result),
        }
    }

    /// Runs a command or a batch of them; hands any other request back.
    fn handle_commands(&mut self, request: Request) -> Option<Request> {
        match request {
            Request::Command {
                command,
                block,
                reply,
            } => self.handle(command, block, reply),
            Request::Batch { commands, reply } => self.handle_batch(commands, reply),
            other => return Some(other),
        }
        None
    }

    fn handle_batch(&mut self, commands: Vec<Command>, reply: BatchSender) {
        let results = commands
            .into_iter()
            .map(|command| {
                let now = self.now();
                // A request waits for its reply, which a batch's one answer cannot.
                let result = match &command {
                    Command::Request(_) => Err(DbError::Command(CommandError::InvalidArgument(
                        "a request cannot be sent in a batch".into(),
                    ))),
                    _ => self.execute_routed(now, &command),
                };
                (command, result)
            })
            .collect();
        self.hold_answer(Answer::Batch(reply, results));
    }

    /// Holds a reply until every record appended so far is durable (under `always`; other
    /// policies answer at once). Reads wait too: they may have seen unsynced changes.
    fn hold(&mut self, reply: ReplySender, result: Result<Reply, DbError>) {
        self.hold_answer(Answer::Reply(reply, result));
    }

    fn hold_answer(&mut self, answer: Answer) {
        let needed = match self.options.fsync {
            FsyncPolicy::Always => self.wal.next_lsn().0,
            FsyncPolicy::IntervalMs(_) | FsyncPolicy::Never => 0,
        };
        self.to_hold.push((needed, answer));
    }

    fn unsynced(&self) -> bool {
        self.wal.synced_lsn() < self.wal.next_lsn()
    }

    fn wait_for_entries(&mut self, now: u64, mut command: Command, ms: u64, reply: ReplySender) {
        if self.waiters.len() >= WAITERS_MAX {
            self.hold(reply, Err(DbError::TooManyWaiters(WAITERS_MAX)));
            return;
        }
        if let Command::Read { streams, .. } = &mut command {
            self.engine.resolve_last(streams);
        }
        let deadline = (ms > 0).then(|| now.saturating_add(ms));
        let recheck = self.engine.wake_time(now, &command);
        self.waiters.add(Waiter {
            command,
            deadline,
            recheck,
            reply,
            correlation: None,
        });
    }

    /// `execute`, and then a reply the engine accepted goes to the caller waiting for it.
    fn execute_routed(&mut self, now: u64, command: &Command) -> Result<Reply, DbError> {
        let result = self.execute(now, command);
        match (command, result) {
            (Command::Reply(reply), Ok(_)) => Ok(self.route_reply(now, reply)),
            (_, result) => result,
        }
    }

    /// decide, then (for a change) append and apply. Nothing is applied unless its record was
    /// written, so a failed write leaves the engine as it was.
    fn execute(&mut self, now: u64, command: &Command) -> Result<Reply, DbError> {
        if let Some(reason) = &self.poisoned {
            return Err(DbError::Poisoned(reason.clone()));
        }
        let op = match self.engine.decide(now, command)? {
            Decision::Read(reply) => return Ok(reply),
            Decision::Write(op) => op,
        };
        let record = Record {
            time_ms: now,
            ops: vec![op],
        };
        let bytes = encode_record(&record);
        match self.wal.append(&bytes) {
            Ok(_) => {}
            Err(WalError::Poisoned) => {
                self.poison("the log refused the write after an earlier failure".into());
                return Err(DbError::Poisoned(self.poisoned.clone().unwrap_or_default()));
            }
            Err(e) => {
                self.stats.write_failures += 1;
                if self.wal.is_poisoned() {
                    // Writing buffered records failed: what reached the disk is unknown.
                    self.poison(e.to_string());
                    return Err(DbError::Poisoned(self.poisoned.clone().unwrap_or_default()));
                }
                return Err(DbError::Write(e));
            }
        }
        self.stats.records += 1;
        self.log_bytes_since_snapshot += bytes.len() as u64;
        let op = &record.ops[0];
        self.note_changed(op);
        Ok(self.engine.apply(now, op))
    }

    fn poison(&mut self, reason: String) {
        if self.poisoned.is_some() {
            return;
        }
        tracing_free_log(&reason);
        for waiter in self.waiters.take_all() {
            let _ = waiter.reply.send(Err(DbError::Poisoned(reason.clone())));
        }
        self.durability.fail(&reason);
        self.poisoned = Some(reason);
    }

    /// Wakes readers, starts a sync if one is due, releases the replies that are durable,
    /// expires waits, and starts or reaps snapshots.
    fn finish_batch(&mut self) {
        self.stats.batches += 1;
        // Before waking readers: a turn that timed out appends to its room's stream, and
        // readers blocked on it must see that entry in this batch.
        let now = self.now();
        self.expire_turns(now);
        self.wake_waiters();
        // Before the sync starts: a recheck may append (a redelivery), and its reply must be
        // covered by this batch's sync, or it would wait for the next event, which may never
        // come.
        let now = self.now();
        self.recheck_waiters(now);
        self.expire_waiters(now);
        // The batch's records go to the file in one write, before any reply can leave (under
        // `never` and `interval` they leave without a sync).
        if self.poisoned.is_none()
            && let Err(e) = self.wal.flush()
        {
            self.stats.write_failures += 1;
            self.poison(e.to_string());
        }
        self.durability.hold(self.to_hold.drain(..));
        #[cfg(test)]
        if self.options.broken_ack_before_sync {
            self.durability.release_all_unsynced();
        }
        self.start_sync_if_due();
        self.release();
        if self.stats.batches.is_multiple_of(256) {
            self.waiters.purge_closed();
        }
        self.reap_snapshot();
        self.check_removals();
        self.maybe_snapshot();
    }

    /// Sends every held reply whose records are durable; after a failure, answers every held
    /// reply with the error instead, since nothing unsynced may be reported as done. (The
    /// syncer sends what its syncs cover on its own; this covers the writer's own syncs, reads
    /// of durable state, and the policies that do not wait.)
    fn release(&mut self) {
        match &self.poisoned {
            Some(reason) => self.durability.fail(reason),
            None => self.durability.synced(self.wal.synced_lsn().0),
        }
    }

    /// Under `always`, asks for a sync whenever records were written since the last one was
    /// asked for (the syncer starts it when the one running ends); under `interval`, once the
    /// interval has passed since the last one.
    fn start_sync_if_due(&mut self) {
        if self.poisoned.is_some() || !self.unsynced() {
            return;
        }
        let due = match self.options.fsync {
            FsyncPolicy::Always => true,
            FsyncPolicy::IntervalMs(ms) => self.last_sync.elapsed() >= Duration::from_millis(ms),
            FsyncPolicy::Never => false,
        };
        if !due {
            return;
        }
        if self.syncer.is_none() {
            self.sync();
            return;
        }
        match self.wal.begin_sync() {
            Ok(Some(pending)) => {
                self.last_sync = Instant::now();
                self.durability.ask(pending);
            }
            Ok(None) => {}
            Err(e) => self.poison(e.to_string()),
        }
    }

    /// The syncer finished one or more syncs: the log takes the newest outcome (its watermark
    /// advances, or it is poisoned), and a failure stops the store.
    fn on_synced(&mut self) {
        if let Some(done) = self.durability.take_done()
            && let Err(e) = self.wal.finish_sync(done)
        {
            self.poison(e.to_string());
        }
        if let Some(reason) = self.durability.failure() {
            self.poison(reason);
        }
        self.release();
    }

    fn wake_waiters(&mut self) {
        // A woken receive may append to another stream (a dead letter), whose readers are then
        // woken in the next pass; a few passes cover any chain, and what is left waits for the
        // next batch.
        for _ in 0..WAKE_PASSES_MAX {
            let touched = std::mem::take(&mut self.touched);
            if touched.is_empty() {
                return;
            }
            let now = self.now();
            for (seq, waiter) in self.waiters.take_touched(&touched) {
                if waiter.reply.is_closed() {
                    continue; // The caller went away (a disconnected client): nothing to deliver.
                }
                self.retry_waiter(now, seq, waiter);
            }
        }
    }

    /// Logs the room turns whose end came by `now` (the engine decides which turns timed out
    /// and logs them with their events), at most `ROOM_EXPIRIES_PER_BATCH_MAX` rooms per
    /// batch so that requests are not held up; the rest follow in the next pass of the loop,
    /// which `wait_time` makes immediate. A refusal (an events stream whose ids are exhausted)
    /// stops the pass: that room's turns then pass when a command touches it.
    fn expire_turns(&mut self, now: u64) {
        for _ in 0..ROOM_EXPIRIES_PER_BATCH_MAX {
            let Some((until, name)) = self.engine.room_deadline() else {
                return;
            };
            if until > now || self.poisoned.is_some() {
                return;
            }
            let command = Command::Room(RoomCommand::Expire {
                name: name.to_vec(),
            });
            if self.execute(now, &command).is_err() {
                self.room_timer_stalled_until = Some(until);
                return;
            }
        }
    }

    /// Tries again the reads whose lease or delay time came, though nothing was appended.
    fn recheck_waiters(&mut self, now: u64) {
        for (seq, waiter) in self.waiters.take_rechecks(now) {
            if waiter.reply.is_closed() {
                continue;
            }
            self.retry_waiter(now, seq, waiter);
        }
    }

    /// Answers the waits whose deadline came: a read with its empty reply; an acquire with
    /// what it gets now (the holder, or the lock if it came free at this very time), which
    /// may be a grant to log, so this runs before the batch's flush and sync.
    fn expire_waiters(&mut self, now: u64) {
        for waiter in self.waiters.take_expired(now) {
            if waiter.correlation.is_some() {
                self.time_out_request(waiter);
                continue;
            }
            if waiter.command.is_lock() {
                if !waiter.reply.is_closed() {
                    let result = self.execute(now, &waiter.command);
                    self.hold(waiter.reply, result);
                }
                continue;
            }
            let _ = waiter.reply.send(Ok(waiter.command.empty_reply()));
        }
    }

    /// What a waiter gets when the store closes: a read its empty reply; an acquire the
    /// holder as the engine sees it now, or `Closed` (nothing is granted while closing).
    fn closing_reply(&self, command: &Command) -> Result<Reply, DbError> {
        if matches!(command, Command::Request(_)) {
            return Err(DbError::Closed); // No reply can come any more.
        }
        if !command.is_lock() {
            return Ok(command.empty_reply());
        }
        match self.engine.decide(self.last_time, command) {
            Ok(Decision::Read(reply)) => Ok(reply),
            Ok(Decision::Write(_)) => Err(DbError::Closed),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs a blocked read again: answered if it found something, else back in line with
    /// its next recheck time.
    fn retry_waiter(&mut self, now: u64, seq: u64, mut waiter: Waiter) {
        match self.execute(now, &waiter.command) {
            Ok(reply) if reply.is_empty_read() => {
                waiter.recheck = self.engine.wake_time(now, &waiter.command);
                self.waiters.restore(seq, waiter);
            }
            result => self.hold(waiter.reply, result),
        }
    }

    fn sync(&mut self) {
        let started = Instant::now();
        let result = self.wal.sync();
        self.stats.fsync_latency.record(started.elapsed());
        match result {
            Ok(()) => {
                self.stats.syncs += 1;
                self.last_sync = Instant::now();
            }
            Err(e) => {
                self.stats.sync_failures += 1;
                self.poison(e.to_string());
            }
        }
    }

    fn stats(&self) -> Stats {
        // The writer's own syncs (rolls, snapshots) and the syncer's.
        let syncer = self.durability.stats();
        let mut fsync_latency = self.stats.fsync_latency.clone();
        fsync_latency.add(&syncer.fsync_latency);
        Stats {
            syncs: self.stats.syncs + syncer.syncs,
            sync_failures: self.stats.sync_failures + syncer.sync_failures,
            fsync_latency,
            next_lsn: self.wal.next_lsn().0,
            synced_lsn: self.wal.synced_lsn().0,
            log_bytes: self.wal.disk_bytes(),
            segments: self.wal.segment_count(),
            snapshot_lsn: self.snapshots.last().map_or(0, |(l, _)| l.0),
            waiters: self.waiters.len(),
            requests_pending: self.waiters.requests(),
            streams: self.engine.stream_count(),
            node_entries_max: self.engine.config().node.entries_max,
            node_bytes_max: self.engine.config().node.bytes_max,
            poisoned: self.poisoned.is_some(),
            ..self.stats.clone()
        }
    }

    fn request_snapshot(&mut self, reply: oneshot::Sender<Result<(), DbError>>) {
        if let Some(reason) = &self.poisoned {
            let _ = reply.send(Err(DbError::Poisoned(reason.clone())));
            return;
        }
        let current = self
            .snapshots
            .last()
            .is_some_and(|(lsn, _)| *lsn == self.wal.next_lsn());
        if self.in_flight.is_none() && current {
            // Nothing was logged since the newest snapshot: it is already the state.
            let _ = reply.send(Ok(()));
            return;
        }
        if self.in_flight.is_none() {
            self.start_snapshot();
        }
        match &mut self.in_flight {
            Some(in_flight) => in_flight.waiting.push(reply),
            None => {
                let reason = self
                    .poisoned
                    .clone()
                    .unwrap_or_else(|| "snapshot did not start".into());
                let _ = reply.send(Err(DbError::Poisoned(reason)));
            }
        }
    }

    fn maybe_snapshot(&mut self) {
        if self.in_flight.is_some() || self.poisoned.is_some() {
            return;
        }
        let last_size = self.snapshots.last().map_or(0, |(_, size)| *size);
        let threshold = self.options.snapshot_log_bytes_min.max(last_size);
        if self.log_bytes_since_snapshot >= threshold {
            self.start_snapshot();
        }
    }

    /// Snapshots only what is durable: the log is synced first, so a snapshot never holds a
    /// record that a crash could take out of the log.
    fn start_snapshot(&mut self) {
        if self.unsynced() {
            self.sync();
            if self.poisoned.is_some() {
                return;
            }
        }
        let lsn = self.wal.next_lsn();
        let copying = Instant::now();
        let engine = self.engine.clone();
        let copy_us = copying.elapsed().as_micros() as u64;
        self.stats.snapshot_copy_us_max = self.stats.snapshot_copy_us_max.max(copy_us);
        let storage = self.storage.clone();
        let spawned = std::thread::Builder::new()
            .name("conquiet-snapshot".into())
            .spawn(move || snapshot::write(storage.as_ref(), &engine, lsn));
        match spawned {
            Ok(thread) => {
                self.log_bytes_since_snapshot = 0;
                self.in_flight = Some(InFlight {
                    lsn,
                    thread,
                    waiting: Vec::new(),
                });
            }
            Err(_) => self.stats.snapshot_failures += 1,
        }
    }

    /// Once a snapshot is durable: keep it and the one before (the fallback if the newest
    /// fails its checks), drop older snapshots and the log segments only they needed.
    fn reap_snapshot(&mut self) {
        let finished = self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.thread.is_finished());
        if !finished {
            return;
        }
        let Some(in_flight) = self.in_flight.take() else {
            return;
        };
        let outcome = in_flight
            .thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("snapshot thread panicked")));
        let result = match outcome {
            Ok(size) => {
                self.stats.snapshots_taken += 1;
                self.snapshots.push((in_flight.lsn, size));
                self.drop_old_snapshots();
                Ok(())
            }
            Err(e) => {
                self.stats.snapshot_failures += 1;
                let _ = self.storage.remove(&snapshot::tmp_name(in_flight.lsn));
                Err(DbError::Write(WalError::Io {
                    op: "snapshot",
                    file: snapshot::file_name(in_flight.lsn),
                    source: e,
                }))
            }
        };
        for reply in in_flight.waiting {
            let _ = reply.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(DbError::Poisoned(e.to_string())),
            });
        }
    }

    /// Keeps the two newest snapshots; the older ones, and the log segments only they
    /// needed, are deleted by the remover thread, in the order they became old.
    fn drop_old_snapshots(&mut self) {
        let mut snapshots = Vec::new();
        while self.snapshots.len() > 2 {
            let (lsn, _) = self.snapshots.remove(0);
            snapshots.push(snapshot::file_name(lsn));
        }
        let keep_from = match self.snapshots.first() {
            Some((lsn, _)) if self.snapshots.len() == 2 => Some(*lsn),
            _ => None,
        };
        if self.remover.is_none() {
            self.remover = Remover::start(self.storage.clone());
        }
        let Some(remover) = &self.remover else {
            // No thread: delete here, as before there was one.
            for name in &snapshots {
                let _ = self.storage.remove(name);
            }
            if let Some(lsn) = keep_from {
                let _ = self.wal.remove_before(lsn);
            }
            let _ = self.storage.sync_dir();
            return;
        };
        let job = Removal {
            snapshots,
            segments: keep_from
                .and_then(|lsn| self.wal.detach_before(lsn).ok())
                .unwrap_or_default(),
        };
        // Waits only if REMOVALS_QUEUED deletions are already stuck behind a slow one. A
        // remover that panicked leaves the files; after a restart the log counts the
        // segments again and a later compaction deletes them.
        let _ = remover.jobs.send(job);
    }

    /// A failed directory sync on the remover thread poisons the store (see `Detached`).
    fn check_removals(&mut self) {
        let failed = self
            .remover
            .as_ref()
            .and_then(|remover| remover.failed.lock().ok()?.take());
        if let Some(reason) = failed {
            self.poison(reason);
        }
    }

    /// Answers blocked readers empty, waits for the sync and snapshot in flight, syncs the log
    /// and answers every held reply.
    fn shut_down(&mut self) -> Result<(), DbError> {
        for waiter in self.waiters.take_all() {
            let _ = waiter.reply.send(self.closing_reply(&waiter.command));
        }
        // The sync in progress finishes; the rest is synced here.
        if let Some(syncer) = self.syncer.take()
            && !syncer.stop(&self.durability)
        {
            self.poison("the syncer thread panicked".into());
        }
        self.on_synced();
        if let Some(in_flight) = &self.in_flight {
            while !in_flight.thread.is_finished() {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.reap_snapshot();
        if let Some(remover) = self.remover.take() {
            let failed = remover.finish();
            if let Some(reason) = failed {
                self.poison(reason);
            }
        }
        if self.poisoned.is_none() && self.unsynced() {
            self.sync();
        }
        self.release();
        match &self.poisoned {
            Some(reason) => Err(DbError::Poisoned(reason.clone())),
            None => Ok(()),
        }
    }
}
