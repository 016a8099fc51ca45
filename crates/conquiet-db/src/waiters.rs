//! Readers blocked until entries arrive, acquires blocked until a lock is free, and requests
//! waiting for their reply: indexed by what they wait on (to wake them when an append touches
//! the stream or a release frees the lock, in arrival order, as Redis does; to hand a request
//! its reply) and by deadline (to time them out).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use conquiet_core::{Command, Reply, StreamId};
use tokio::sync::oneshot;

use crate::DbError;

pub(crate) type ReplySender = oneshot::Sender<Result<Reply, DbError>>;

pub(crate) struct Waiter {
    pub command: Command,
    /// Clock ms after which the read answers empty; `None` waits until data or close.
    pub deadline: Option<u64>,
    /// Clock ms at which the read is tried again even if nothing was appended: when a lease
    /// ends or a delay runs out (the engine's `wake_time`).
    pub recheck: Option<u64>,
    pub reply: ReplySender,
    /// A request's correlation (service, request entry id): the waiter waits for its reply,
    /// not for what its command names.
    pub correlation: Option<(Vec<u8>, StreamId)>,
}

/// What a waiter waits on. Lock names, stream names and correlations are separate name
/// spaces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum WaitKey {
    Stream(Vec<u8>),
    Lock(Vec<u8>),
    /// A request's reply: its service and correlation id.
    Reply(Vec<u8>, StreamId),
}

#[derive(Default)]
pub(crate) struct Waiters {
    next_seq: u64,
    by_seq: BTreeMap<u64, Waiter>,
    by_key: HashMap<WaitKey, BTreeSet<u64>>,
    by_deadline: BTreeSet<(u64, u64)>,
    by_recheck: BTreeSet<(u64, u64)>,
    /// Waiters with a correlation (requests waiting for their reply).
    requests: usize,
}

/// Sequence numbers of an index of `(time, seq)` whose time is at or before `now`, in time
/// order.
fn due_seqs(index: &BTreeSet<(u64, u64)>, now: u64) -> Vec<u64> {
    index
        .iter()
        .take_while(|(at, _)| *at <= now)
        .map(|(_, seq)| *seq)
        .collect()
}

/// The streams a blocked read waits on, the lock a blocked acquire waits for, or the reply a
/// request waits for.
fn keys(waiter: &Waiter) -> Vec<WaitKey> {
    if let Some((service, id)) = &waiter.correlation {
        return vec![WaitKey::Reply(service.clone(), *id)];
    }
    let command = &waiter.command;
    if let Some(name) = command.lock_name() {
        return vec![WaitKey::Lock(name.to_vec())];
    }
    command
        .keys()
        .into_iter()
        .map(|k| WaitKey::Stream(k.to_vec()))
        .collect()
}

impl Waiters {
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// Puts a new waiter at the end of the line.
    pub fn add(&mut self, waiter: Waiter) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.restore(seq, waiter);
    }

    fn remove(&mut self, seq: u64) -> Option<Waiter> {
        let waiter = self.by_seq.remove(&seq)?;
        if waiter.correlation.is_some() {
            self.requests -= 1;
        }
        for key in keys(&waiter) {
            if let Some(set) = self.by_key.get_mut(&key) {
                set.remove(&seq);
                if set.is_empty() {
                    self.by_key.remove(&key);
                }
            }
        }
        if let Some(deadline) = waiter.deadline {
            self.by_deadline.remove(&(deadline, seq));
        }
        if let Some(at) = waiter.recheck {
            self.by_recheck.remove(&(at, seq));
        }
        Some(waiter)
    }

    /// Waiters on any of `touched`, oldest first, taken out of the list. The caller puts back
    /// those still unanswered with `add`... in their original order, via `restore`.
    pub fn take_touched(&mut self, touched: &BTreeSet<WaitKey>) -> Vec<(u64, Waiter)> {
        let mut seqs = BTreeSet::new();
        for key in touched {
            if let Some(set) = self.by_key.get(key) {
                seqs.extend(set.iter().copied());
            }
        }
        seqs.into_iter()
            .filter_map(|seq| self.remove(seq).map(|w| (seq, w)))
            .collect()
    }

    /// Puts back a waiter taken by `take_touched`, keeping its place in line.
    pub fn restore(&mut self, seq: u64, waiter: Waiter) {
        if waiter.correlation.is_some() {
            self.requests += 1;
        }
        for key in keys(&waiter) {
            self.by_key.entry(key).or_default().insert(seq);
        }
        if let Some(deadline) = waiter.deadline {
            self.by_deadline.insert((deadline, seq));
        }
        if let Some(at) = waiter.recheck {
            self.by_recheck.insert((at, seq));
        }
        self.by_seq.insert(seq, waiter);
    }

    /// Waiters whose recheck time is at or before `now`, oldest first, taken out of the list
    /// (put back with `restore`).
    pub fn take_rechecks(&mut self, now: u64) -> Vec<(u64, Waiter)> {
        let mut due = due_seqs(&self.by_recheck, now);
        // Oldest first: the line's order, not the recheck times'.
        due.sort_unstable();
        due.into_iter()
            .filter_map(|seq| self.remove(seq).map(|w| (seq, w)))
            .collect()
    }

    /// Waiters whose deadline is at or before `now`.
    pub fn take_expired(&mut self, now: u64) -> Vec<Waiter> {
        let due = due_seqs(&self.by_deadline, now);
        due.into_iter().filter_map(|seq| self.remove(seq)).collect()
    }

    /// Drops waiters whose caller is gone, so a client that disconnects while blocked forever
    /// does not stay in the list.
    pub fn purge_closed(&mut self) {
        let closed: Vec<u64> = self
            .by_seq
            .iter()
            .filter(|(_, w)| w.reply.is_closed())
            .map(|(s, _)| *s)
            .collect();
        for seq in closed {
            self.remove(seq);
        }
    }

    /// The next deadline or recheck time.
    pub fn next_deadline(&self) -> Option<u64> {
        let deadline = self.by_deadline.first().map(|(d, _)| *d);
        let recheck = self.by_recheck.first().map(|(d, _)| *d);
        match (deadline, recheck) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Requests waiting for their reply.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// The request waiting for the reply `correlation` of `service`, taken out of the list.
    pub fn take_request(&mut self, service: &[u8], correlation: StreamId) -> Option<Waiter> {
        let key = WaitKey::Reply(service.to_vec(), correlation);
        let seq = self.by_key.get(&key)?.first().copied()?;
        self.remove(seq)
    }

    pub fn take_all(&mut self) -> Vec<Waiter> {
        self.requests = 0;
        self.by_key.clear();
        self.by_deadline.clear();
        self.by_recheck.clear();
        std::mem::take(&mut self.by_seq).into_values().collect()
    }
}
