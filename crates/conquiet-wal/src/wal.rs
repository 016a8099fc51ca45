//! The writer: appends records to the current segment, syncs, rolls to a new segment, and
//! removes old ones. It owns the synced watermark and the poison flag. Reading the log back is
//! `recovery`'s job, done once inside `Wal::open`.

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use crate::error::{ReplayError, WalError};
use crate::format::{self, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES};
use crate::recovery::{self, Segment};
use crate::storage::{Storage, StorageFile};
use crate::{Lsn, WalOptions};

/// Largest write buffer kept between flushes. A rare huge record should not pin its size in
/// memory for the life of the log.
const WRITE_BUFFER_BYTES_RETAINED: usize = 1 << 20;

/// Appended bytes held in memory before `append` writes them itself.
const WRITE_BUFFER_BYTES_MAX: usize = 1 << 20;

/// The replay callback `Wal::open` takes: called once per intact record with lsn >= `from`,
/// in order. An error aborts the open with `WalError::Replay`.
pub type ReplayFn<'a> = dyn FnMut(Lsn, &[u8]) -> Result<(), ReplayError> + 'a;

/// What `Wal::open` found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Records passed to the replay callback (those with lsn >= `from`).
    pub records_replayed: u64,
    /// The last intact record on disk, replayed or not; `None` if the segments hold none.
    pub last_lsn: Option<Lsn>,
    /// The unsynced tail that was cut off, if any.
    pub torn_tail: Option<TornTail>,
    /// Live segments after recovery.
    pub segments: usize,
}

/// An unsynced tail cut off at recovery: from `offset` in `file` to the end of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    pub file: String,
    pub offset: u64,
    /// Bytes cut from `file` plus the bytes of every later segment removed.
    pub bytes_dropped: u64,
}

/// Shared by a log and the syncs it hands out: one fdatasync at a time, and a failure seen by
/// any of them stops every later one. Linux reports a failed writeback once and then marks the
/// pages clean, so a second fdatasync racing a failed one would succeed over lost data.
#[derive(Default)]
struct SyncGate {
    running: std::sync::Mutex<()>,
    failed: std::sync::atomic::AtomicBool,
}

impl SyncGate {
    /// Runs `sync` alone; records a failure for every later caller.
    fn run(&self, sync: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
        let _alone = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if self.failed() {
            return Err(std::io::Error::other("an earlier sync of this log failed"));
        }
        let result = sync();
        if result.is_err() {
            self.failed.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        result
    }

    fn failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A sync begun by `Wal::begin_sync`, to run on any thread.
pub struct PendingSync {
    file: Box<dyn StorageFile>,
    name: String,
    up_to: Lsn,
    gate: Arc<SyncGate>,
}

impl PendingSync {
    /// Every record below this lsn is durable once the sync succeeds.
    pub fn up_to(&self) -> Lsn {
        self.up_to
    }

    /// Runs the fdatasync. Blocking; meant for a thread other than the log's owner.
    pub fn run(mut self) -> SyncDone {
        let file = &mut self.file;
        let result = self.gate.run(|| file.sync_data());
        SyncDone {
            name: self.name,
            up_to: self.up_to,
            result,
        }
    }
}

/// The outcome of a `PendingSync`, for `Wal::finish_sync`.
pub struct SyncDone {
    name: String,
    up_to: Lsn,
    result: std::io::Result<()>,
}

impl SyncDone {
    pub fn up_to(&self) -> Lsn {
        self.up_to
    }

    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }

    /// What `Wal::finish_sync` will report for a failed sync, for a thread that answers
    /// before the log's owner has taken the outcome.
    pub fn failure(&self) -> Option<String> {
        let source = self.result.as_ref().err()?;
        let error = WalError::Io {
            op: "sync",
            file: self.name.clone(),
            source: std::io::Error::new(source.kind(), source.to_string()),
        };
        Some(error.to_string())
    }
}

/// Segments taken off the log by `Wal::detach_before`, oldest first, still on disk.
#[derive(Debug, Default)]
#[must_use = "detached segments stay on disk until removed"]
pub struct Detached {
    segments: VecDeque<Segment>,
}

impl Detached {
    /// Adds segments detached later (all newer than these), to be deleted after them.
    pub fn extend(&mut self, later: Detached) {
        self.segments.extend(later.segments);
    }

    /// Deletes the segments oldest first, syncing the directory after each: a crash may undo
    /// unsynced removals independently, and undoing an older one while keeping a newer one
    /// would leave a gap that recovery must treat as corruption. Stops at the first failure
    /// and keeps the segments not deleted, so that a later `remove` retries them before any
    /// newer one (deleting a newer one first would leave that gap for good). A failed
    /// directory sync is `Io { op: "sync_dir" }`, after which the log's owner must stop
    /// writing.
    pub fn remove(&mut self, storage: &dyn Storage) -> Result<u64, WalError> {
        let mut removed = 0;
        while let Some(segment) = self.segments.front() {
            let name = &segment.name;
            storage.remove(name).map_err(WalError::io("remove", name))?;
            self.segments.pop_front();
            removed += 1;
            storage.sync_dir().map_err(WalError::io("sync_dir", ""))?;
        }
        Ok(removed)
    }
}

/// A segmented write-ahead log. One owner appends; nothing here is shared between threads.
pub struct Wal {
    storage: Arc<dyn Storage>,
    options: WalOptions,
    /// Live segments, oldest first; never empty, and the last one is `current`.
    segments: VecDeque<Segment>,
    current: Box<dyn StorageFile>,
    next_lsn: Lsn,
    synced_lsn: Lsn,
    disk_bytes: u64,
    /// The current segment has appends no sync has covered yet. Not the same as
    /// `synced_lsn < next_lsn`: `begin_sync` clears it when it hands out a sync that has not
    /// run yet.
    unsynced: bool,
    poisoned: bool,
    /// Records appended but not yet written, which go to the file in one write at the next
    /// `flush` (or `sync`, `begin_sync`, roll). Their space is reserved already.
    buffer: Vec<u8>,
    /// Bytes of the current segment written to its file; the buffer goes after them.
    written: u64,
    /// Serializes this log's fdatasyncs with those of its `PendingSync`s.
    gate: Arc<SyncGate>,
}

impl fmt::Debug for Wal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wal")
            .field("options", &self.options)
            .field("segments", &self.segments)
            .field("next_lsn", &self.next_lsn)
            .field("synced_lsn", &self.synced_lsn)
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

/// A failed segment creation, and whether it left the directory in a state only recovery may
/// clean up.
struct CreateFailure {
    error: WalError,
    poisons: bool,
}

/// Creates segment `first_lsn` durably: header written and synced, then the directory synced,
/// so a segment that exists after a crash always has a valid header, and that header's first
/// lsn vouches for every record before it (the caller synced them first).
fn create_segment(
    storage: &dyn Storage,
    first_lsn: Lsn,
) -> Result<(Box<dyn StorageFile>, Segment), CreateFailure> {
    let name = format::segment_name(first_lsn);
    let fail = |op, poisons| {
        let name = name.clone();
        move |source| CreateFailure {
            error: WalError::Io {
                op,
                file: name,
                source,
            },
            poisons,
        }
    };
    let mut file = storage.create(&name).map_err(fail("create", false))?;
    let header = format::encode_segment_header(first_lsn);
    if let Err(source) = file.write_at(0, &header) {
        // Leaving the file would put a headerless segment between the current one and the next
        // roll's, which recovery must call corruption; if it cannot go, only recovery may fix it.
        let cleaned = storage.remove(&name).and_then(|()| storage.sync_dir());
        return Err(fail("write", cleaned.is_err())(source));
    }
    file.sync_data().map_err(fail("sync", true))?;
    storage.sync_dir().map_err(fail("sync_dir", true))?;
    let segment = Segment {
        name,
        first_lsn,
        bytes: SEGMENT_HEADER_BYTES,
    };
    Ok((file, segment))
}

impl Wal {
    /// Opens or creates the log; calls `replay` for each intact record with lsn >= `from`, in
    /// order; truncates a torn tail (reported), refuses a corrupt record in the middle.
    ///
    /// `from` is the first lsn the caller lacks (a snapshot's lsn, or `Lsn(1)`); it must lie
    /// within the log's oldest record and its end, or the open fails with `ReplayRange`.
    pub fn open(
        storage: Arc<dyn Storage>,
        options: WalOptions,
        from: Lsn,
        replay: &mut ReplayFn<'_>,
    ) -> Result<(Wal, RecoveryReport), WalError> {
        options.validate()?;
        let recovered = recovery::recover(&*storage, &options, from, replay)?;
        let next_lsn = recovered.next_lsn;
        let mut segments: VecDeque<Segment> = recovered.segments.into();
        let current = match segments.back() {
            Some(last) => {
                let name = &last.name;
                let mut file = storage.open(name).map_err(WalError::io("open", name))?;
                // A previous process killed without a power cut leaves unsynced records, and
                // perhaps a segment's directory entry, readable but not durable. Syncing both
                // makes `synced_lsn = next_lsn` true, so new records never vouch for data (or
                // sit in a file) that a later power cut could take.
                file.sync_data().map_err(WalError::io("sync", name))?;
                storage.sync_dir().map_err(WalError::io("sync_dir", ""))?;
                file
            }
            None => {
                let (file, segment) =
                    create_segment(&*storage, next_lsn).map_err(|failure| failure.error)?;
                segments.push_back(segment);
                file
            }
        };
        let report = RecoveryReport {
            records_replayed: recovered.records_replayed,
            last_lsn: recovered.last_lsn,
            torn_tail: recovered.torn_tail,
            segments: segments.len(),
        };
        let written = segments.back().map_or(0, |segment| segment.bytes);
        let wal = Wal {
            storage,
            options,
            disk_bytes: segments.iter().map(|segment| segment.bytes).sum(),
            segments,
            current,
            next_lsn,
            synced_lsn: next_lsn,
            unsynced: false,
            poisoned: false,
            buffer: Vec::new(),
            written,
            gate: Arc::new(SyncGate::default()),
        };
        Ok((wal, report))
    }

    /// Appends one record to the write buffer, after reserving its space in the segment, so
    /// that a full disk refuses this record (the log stays usable, the lsn is not used) rather
    /// than a later write of records already accepted. Not written until `flush` (or a sync or
    /// a roll), which writes all buffered records with one `write_at`: a crash can tear only
    /// the unsynced tail, as before. If this record would take the buffer past
    /// `WRITE_BUFFER_BYTES_MAX`, the buffer is flushed first; a failed flush poisons the log
    /// (and this record was not taken).
    pub fn append(&mut self, payload: &[u8]) -> Result<Lsn, WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let limit = self.options.record_bytes_max;
        let len = payload.len() as u64;
        if len > u64::from(limit) {
            return Err(WalError::RecordTooLarge { len, limit });
        }
        let record_bytes = RECORD_HEADER_BYTES + len;
        let used = self.current_segment().bytes;
        // A record larger than a whole segment still goes alone into a fresh one.
        if used > SEGMENT_HEADER_BYTES && used + record_bytes > self.options.segment_bytes_max {
            self.roll()?;
        }
        // Written before this record is added, so that a failed write is never this record's.
        if self.buffer.len() + record_bytes as usize > WRITE_BUFFER_BYTES_MAX {
            self.flush()?;
        }
        let lsn = self.next_lsn;
        let offset = self.current_segment().bytes;
        if let Err(source) = self.current.reserve(offset, record_bytes) {
            let file = self.current_segment().name.clone();
            return Err(WalError::Io {
                op: "write",
                file,
                source,
            });
        }
        format::encode_record(lsn, self.synced_lsn, payload, &mut self.buffer);
        self.unsynced = true;
        self.segments
            .back_mut()
            .expect("segments is never empty")
            .bytes += record_bytes;
        self.disk_bytes += record_bytes;
        self.next_lsn = lsn.next();
        Ok(lsn)
    }

    /// Writes the buffered records to the current segment with one `write_at`. A failure
    /// poisons the log: the records were accepted, and part of them may have landed.
    pub fn flush(&mut self) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        if self.buffer.is_empty() {
            return Ok(());
        }
        if let Err(source) = self.current.write_at(self.written, &self.buffer) {
            return Err(self.poison_with("write", source));
        }
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        if self.buffer.capacity() > WRITE_BUFFER_BYTES_RETAINED {
            self.buffer = Vec::new();
        }
        Ok(())
    }

    /// Makes every appended record durable (fdatasync of the current segment; older segments
    /// were synced when they rolled). After ANY sync failure the log is poisoned: the kernel
    /// may have dropped the dirty pages, so a retry could report success for lost data.
    pub fn sync(&mut self) -> Result<(), WalError> {
        self.flush()?;
        // A `begin_sync` still in flight clears `unsynced` without having synced yet, so the
        // watermark decides too: a roll must never seal a segment whose tail is not durable.
        if !self.unsynced && self.synced_lsn == self.next_lsn {
            return Ok(());
        }
        let current = &mut self.current;
        if let Err(source) = self.gate.run(|| current.sync_data()) {
            return Err(self.poison_with("sync", source));
        }
        self.synced_lsn = self.next_lsn;
        self.unsynced = false;
        Ok(())
    }

    /// Starts a sync that the caller runs on another thread (`PendingSync::run`) while this
    /// log keeps appending, then hands back to `finish_sync`. `None` when nothing is unsynced.
    /// Records appended meanwhile still carry the old watermark, which stays true.
    pub fn begin_sync(&mut self) -> Result<Option<PendingSync>, WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        if !self.unsynced {
            return Ok(None);
        }
        self.flush()?;
        let file = match self.current.try_clone() {
            Ok(file) => file,
            Err(source) => return Err(self.poison_with("sync", source)),
        };
        let name = self.current_segment().name.clone();
        // Everything written so far is covered by this sync; a later append sets it again.
        self.unsynced = false;
        let gate = self.gate.clone();
        Ok(Some(PendingSync {
            file,
            name,
            up_to: self.next_lsn,
            gate,
        }))
    }

    /// Takes the outcome of a `PendingSync`: the watermark advances, or the log is poisoned.
    pub fn finish_sync(&mut self, done: SyncDone) -> Result<(), WalError> {
        if let Err(source) = done.result {
            self.poisoned = true;
            return Err(WalError::Io {
                op: "sync",
                file: done.name,
                source,
            });
        }
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        // A roll may have synced further meanwhile: the watermark never moves back.
        self.synced_lsn = self.synced_lsn.max(done.up_to);
        Ok(())
    }

    /// Starts a new segment at `next_lsn`. Syncs the current one first, so the watermark in the
    /// new segment's records and its header's first lsn are true across segments.
    fn roll(&mut self) -> Result<(), WalError> {
        self.sync()?;
        let (file, segment) = match create_segment(&*self.storage, self.next_lsn) {
            Ok(created) => created,
            Err(failure) => {
                self.poisoned |= failure.poisons;
                return Err(failure.error);
            }
        };
        self.disk_bytes += segment.bytes;
        self.written = segment.bytes;
        self.segments.push_back(segment);
        self.current = file;
        debug_assert!(
            !self.unsynced,
            "the roll synced the old segment; the new one is synced"
        );
        Ok(())
    }

    /// Deletes whole segments whose records all have lsn < `lsn`, oldest first, never the
    /// current one; returns how many went. `detach_before` then `Detached::remove`, on this
    /// thread; a failed directory sync poisons the log.
    pub fn remove_before(&mut self, lsn: Lsn) -> Result<u64, WalError> {
        let mut detached = self.detach_before(lsn)?;
        let removed = detached.remove(&*self.storage);
        if let Err(WalError::Io { op: "sync_dir", .. }) = &removed {
            self.poisoned = true;
        }
        // What could not be deleted stays in the log, to be retried first next time.
        while let Some(segment) = detached.segments.pop_back() {
            self.disk_bytes += segment.bytes;
            self.segments.push_front(segment);
        }
        removed
    }

    /// Takes the whole segments whose records all have lsn < `lsn` (never the current one) off
    /// the log, for the caller to delete with `Detached::remove`, on any thread: deleting a
    /// large file can take milliseconds the appending thread should not wait. The log no longer
    /// reads, counts or syncs them; until they are deleted, recovery would find them before
    /// the oldest live segment, which it accepts.
    pub fn detach_before(&mut self, lsn: Lsn) -> Result<Detached, WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let mut segments = VecDeque::new();
        while self.segments.len() > 1 && self.segments[1].first_lsn <= lsn {
            let segment = self.segments.pop_front().expect("more than one segment");
            self.disk_bytes -= segment.bytes;
            segments.push_back(segment);
        }
        Ok(Detached { segments })
    }

    /// The lsn the next append will get.
    pub fn next_lsn(&self) -> Lsn {
        self.next_lsn
    }

    /// Every lsn below this is durable.
    pub fn synced_lsn(&self) -> Lsn {
        self.synced_lsn
    }

    /// Bytes of all live segments, headers included.
    pub fn disk_bytes(&self) -> u64 {
        self.disk_bytes
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The lsn of the oldest record still on disk (or `next_lsn` if none is).
    pub fn first_lsn(&self) -> Lsn {
        self.segments
            .front()
            .map_or(self.next_lsn, |segment| segment.first_lsn)
    }

    /// True after a sync failure: every write is refused until the log is reopened.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    pub fn options(&self) -> &WalOptions {
        &self.options
    }

    /// Poisons the log; the error names the current segment.
    fn poison_with(&mut self, op: &'static str, source: std::io::Error) -> WalError {
        self.poisoned = true;
        let file = self.current_segment().name.clone();
        WalError::Io { op, file, source }
    }

    fn current_segment(&self) -> &Segment {
        self.segments.back().expect("segments is never empty")
    }
}
