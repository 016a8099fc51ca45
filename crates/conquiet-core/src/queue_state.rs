//! A stream's work-queue state: its policy, the delays of entries published with one, the
//! deduplication keys within their window, and counters. Owned by `Stream`; changed only by
//! `apply` (through `queue_exec`) and by the stream itself when entries leave (`forget`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::StreamId;
use crate::queue::{StreamCounters, StreamPolicy};

/// What a stream keeps for work queues.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamQueue {
    pub policy: StreamPolicy,
    /// Entries that may not be delivered before a time, by id. Removed with the entry.
    pub delays: BTreeMap<StreamId, u64>,
    /// Idempotency key -> (entry id, publish time).
    pub dedup: HashMap<Vec<u8>, (StreamId, u64)>,
    /// `(publish time, key)` of every dedup key, oldest first, to expire them.
    pub dedup_by_time: BTreeSet<(u64, Vec<u8>)>,
    pub counters: StreamCounters,
    /// Whether dead letters were ever written here (listed by `CQ.DLQ LIST`).
    pub dead_letter: bool,
}

/// The deduplication window of a stream whose policy says 0: two minutes, as NATS JetStream's
/// default duplicate window, so a keyed publish is always deduplicated for a while.
pub const DEDUP_WINDOW_DEFAULT_MS: u64 = 120_000;

impl StreamQueue {
    /// The window in force.
    pub fn dedup_window_ms(&self) -> u64 {
        match self.policy.dedup_window_ms {
            0 => DEDUP_WINDOW_DEFAULT_MS,
            ms => ms,
        }
    }

    /// The entry `id` left the stream.
    pub(crate) fn forget(&mut self, id: StreamId) {
        self.delays.remove(&id);
    }

    /// The id published with `key` within the window ending at `now`, if any.
    pub(crate) fn duplicate_of(&self, key: &[u8], now: u64) -> Option<StreamId> {
        let (id, time) = self.dedup.get(key)?;
        (time.saturating_add(self.dedup_window_ms()) > now).then_some(*id)
    }

    /// Drops keys whose window ended by `now`.
    pub(crate) fn expire_dedup(&mut self, now: u64) {
        let window = self.dedup_window_ms();
        while let Some((time, _)) = self.dedup_by_time.first() {
            if time.saturating_add(window) > now {
                break;
            }
            let Some((time, key)) = self.dedup_by_time.pop_first() else {
                break;
            };
            if self.dedup.get(&key).is_some_and(|(_, t)| *t == time) {
                self.dedup.remove(&key);
            }
        }
    }

    /// How many keys would remain after expiring those whose window ended by `now`.
    pub(crate) fn live_dedup_keys(&self, now: u64) -> usize {
        let window = self.dedup_window_ms();
        let expired = self
            .dedup_by_time
            .iter()
            .take_while(|(time, _)| time.saturating_add(window) <= now)
            .count();
        self.dedup.len().saturating_sub(expired)
    }

    pub(crate) fn remember(&mut self, key: Vec<u8>, id: StreamId, now: u64) {
        if let Some((_, old)) = self.dedup.insert(key.clone(), (id, now)) {
            self.dedup_by_time.remove(&(old, key.clone()));
        }
        self.dedup_by_time.insert((now, key));
    }
}
