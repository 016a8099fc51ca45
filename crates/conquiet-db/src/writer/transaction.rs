//! MULTI/EXEC and WATCH: a transaction's changes go to the log as one record, so they are
//! durable all together or not at all; WATCH compares per-key change numbers.

use conquiet_core::codec::encode_record;
use conquiet_core::{Command, CommandError, Decision, Op, Record};

use super::Writer;
use crate::waiters::WaitKey;
use crate::{DbError, TxOutcome};

/// Most keys whose change number is remembered; past it the map is cleared and every older
/// WATCH fails (a spurious EXEC abort, which clients retry), instead of growing without bound.
const VERSIONS_MAX: usize = 1_000_000;

impl Writer {
    /// Runs `commands` as one unit. A command's error is its own reply, as in Redis; the
    /// others still run. The changes are logged as one record.
    pub(super) fn transaction(
        &mut self,
        commands: Vec<Command>,
        watched: Vec<(Vec<u8>, u64)>,
    ) -> Result<TxOutcome, DbError> {
        if let Some(reason) = &self.poisoned {
            return Err(DbError::Poisoned(reason.clone()));
        }
        if watched
            .iter()
            .any(|(key, version)| self.version(key) != *version)
        {
            return Ok(TxOutcome::Aborted);
        }
        let now = self.now();
        // Copies of every stream the transaction may touch (nodes are shared, so this costs
        // the node count, not the entries), to undo it if its record cannot be written.
        let mut keys: Vec<&[u8]> = commands.iter().flat_map(Command::keys).collect();
        keys.sort_unstable();
        keys.dedup();
        let backups: Vec<(Vec<u8>, Option<conquiet_core::Stream>)> = keys
            .iter()
            .map(|k| (k.to_vec(), self.engine.stream(k).cloned()))
            .collect();
        let config = self.engine.config();
        let mut ops = Vec::new();
        let mut replies = Vec::with_capacity(commands.len());
        for command in &commands {
            // A request waits for its reply, and a reply goes to a waiting caller: neither
            // has a place in a transaction's one answer.
            if matches!(command, Command::Request(_) | Command::Reply(_)) {
                replies.push(Err(CommandError::RequestInTransaction));
                continue;
            }
            match self.engine.decide(now, command) {
                Err(e) => replies.push(Err(e)),
                Ok(Decision::Read(reply)) => replies.push(Ok(reply)),
                // Lock state is not among the copies either: a lock write runs on its own.
                Ok(Decision::Write(op)) if op.is_lock() => {
                    replies.push(Err(CommandError::LockInTransaction));
                }
                // Nor is room state: a room write runs on its own.
                Ok(Decision::Write(Op::Room(_))) => {
                    replies.push(Err(CommandError::RoomInTransaction));
                }
                // Nor is a conversation's count and last id.
                Ok(Decision::Write(Op::Conv(_))) => {
                    replies.push(Err(CommandError::ConvInTransaction));
                }
                // An op that may change a stream the commands did not name (a dead letter, a
                // redrive target) could not be undone from the copies: refused, unapplied.
                Ok(Decision::Write(op)) if op.keys().iter().any(|k| !keys.contains(k)) => {
                    replies.push(Err(CommandError::NotInTransaction));
                }
                Ok(Decision::Write(op)) => {
                    // Later commands must see earlier ones, so ops apply as they are decided;
                    // the record is written once all are known.
                    replies.push(Ok(self.engine.apply(now, &op)));
                    ops.push(op);
                }
            }
        }
        if ops.is_empty() {
            return Ok(TxOutcome::Done(replies));
        }
        let record = Record { time_ms: now, ops };
        let bytes = encode_record(&record);
        if let Err(e) = self.wal.append(&bytes) {
            // Nothing was logged: put every touched stream back as it was.
            for (key, stream) in backups {
                self.engine.restore_stream(&key, stream);
            }
            self.engine.set_config(config);
            self.stats.write_failures += 1;
            if self.wal.is_poisoned() {
                self.poison(format!("the log refused a transaction: {e}"));
                return Err(DbError::Poisoned(self.poisoned.clone().unwrap_or_default()));
            }
            return Err(DbError::Write(e));
        }
        self.stats.records += 1;
        self.log_bytes_since_snapshot += bytes.len() as u64;
        for op in &record.ops {
            self.note_changed(op);
        }
        Ok(TxOutcome::Done(replies))
    }

    /// The change number of `key` (for WATCH).
    pub(super) fn version(&self, key: &[u8]) -> u64 {
        self.versions
            .get(key)
            .copied()
            .unwrap_or(self.version_floor)
    }

    /// Records that `op` changed its keys: for WATCH, and to wake readers blocked on a stream
    /// that got an entry.
    pub(super) fn note_changed(&mut self, op: &Op) {
        match op {
            Op::Add { key, .. } | Op::Rename { to: key, .. } => {
                self.touched.insert(WaitKey::Stream(key.clone()));
            }
            // A released lock may go to the first acquire waiting for it.
            Op::LockRelease { locks } => {
                self.touched
                    .extend(locks.iter().map(|(name, _)| WaitKey::Lock(name.clone())));
            }
            // Queue ops add entries (publish, dead letters, redrive) or free room and make
            // entries due (settling): blocked receivers of every stream they name may now get
            // something.
            // A room's events (a speak, a turn that timed out) wake its stream's readers, and
            // a send wakes every recipient's, a post its conversation's.
            Op::Publish { .. }
            | Op::Receive { .. }
            | Op::Settle { .. }
            | Op::Redrive { .. }
            | Op::Room(_)
            | Op::Send { .. }
            | Op::Conv(_) => {
                self.touched
                    .extend(op.keys().into_iter().map(|k| WaitKey::Stream(k.to_vec())));
            }
            _ => {}
        }
        if self.versions.len() >= VERSIONS_MAX {
            self.versions.clear();
            self.version_seq += 1;
            self.version_floor = self.version_seq;
        }
        self.version_seq += 1;
        let seq = self.version_seq;
        for key in op.keys() {
            self.versions.insert(key.to_vec(), seq);
        }
    }
}
