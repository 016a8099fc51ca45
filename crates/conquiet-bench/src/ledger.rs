//! Which messages a phase received: one bit per message id, plus counts of deliveries, so a
//! phase can tell when every message arrived and how many came more than once.
//!
//! Shared by all consumers of a phase without a lock: a delivery sets its id's bit with one
//! atomic `fetch_or`, and the bit's old value says whether it was the first.

use std::sync::atomic::{AtomicU64, Ordering};

/// A delivery of an id the phase never published: the system invented or mixed up a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("received message id {id}, but the phase published ids 0..{messages}")]
pub struct UnknownId {
    pub id: u64,
    pub messages: u64,
}

/// What a phase's deliveries came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Deliveries of an id that had been delivered before.
    pub duplicates: u64,
    /// Ids published but never delivered.
    pub missing: u64,
}

pub struct Ledger {
    messages: u64,
    /// Bit `id % 64` of word `id / 64` is set once `id` was delivered.
    seen: Box<[AtomicU64]>,
    unique: AtomicU64,
    deliveries: AtomicU64,
}

impl Ledger {
    /// A ledger for ids `0..messages` (at most `MESSAGES_MAX`, checked by the argument parser).
    pub fn new(messages: u64) -> Ledger {
        let words = usize::try_from(messages.div_ceil(64)).expect("MESSAGES_MAX fits a usize");
        Ledger {
            messages,
            seen: (0..words).map(|_| AtomicU64::new(0)).collect(),
            unique: AtomicU64::new(0),
            deliveries: AtomicU64::new(0),
        }
    }

    /// Counts one delivery of `id`; true if it was the first.
    pub fn record(&self, id: u64) -> Result<bool, UnknownId> {
        if id >= self.messages {
            return Err(UnknownId {
                id,
                messages: self.messages,
            });
        }
        let word = usize::try_from(id / 64).expect("id below messages, which fits a usize");
        let bit = 1u64 << (id % 64);
        self.deliveries.fetch_add(1, Ordering::Relaxed);
        let first = self.seen[word].fetch_or(bit, Ordering::Relaxed) & bit == 0;
        if first {
            self.unique.fetch_add(1, Ordering::Relaxed);
        }
        Ok(first)
    }

    /// Distinct ids delivered so far.
    pub fn unique(&self) -> u64 {
        self.unique.load(Ordering::Relaxed)
    }

    /// Every id was delivered at least once.
    pub fn is_complete(&self) -> bool {
        self.unique() == self.messages
    }

    pub fn tally(&self) -> Tally {
        let unique = self.unique();
        let deliveries = self.deliveries.load(Ordering::Relaxed);
        assert!(
            unique <= deliveries,
            "unique ids {unique} exceed deliveries {deliveries}"
        );
        assert!(
            unique <= self.messages,
            "unique ids {unique} exceed messages {}",
            self.messages
        );
        Tally {
            duplicates: deliveries - unique,
            missing: self.messages - unique,
        }
    }

    /// Up to `limit` ids never delivered, lowest first: named in the error of a failed run.
    pub fn missing_ids(&self, limit: usize) -> Vec<u64> {
        (0..self.messages)
            .filter(|&id| {
                let word = usize::try_from(id / 64).expect("id below messages fits a usize");
                self.seen[word].load(Ordering::Relaxed) & (1u64 << (id % 64)) == 0
            })
            .take(limit)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_once_is_complete_with_nothing_missing() {
        let ledger = Ledger::new(130);
        for id in (0..130).rev() {
            assert_eq!(ledger.record(id), Ok(true));
        }
        assert!(ledger.is_complete());
        assert_eq!(
            ledger.tally(),
            Tally {
                duplicates: 0,
                missing: 0
            }
        );
        assert!(ledger.missing_ids(10).is_empty());
    }

    #[test]
    fn redeliveries_count_as_duplicates_and_gaps_as_missing() {
        let ledger = Ledger::new(100);
        for id in [0, 1, 1, 64, 64, 64, 99] {
            ledger.record(id).unwrap();
        }
        assert!(!ledger.is_complete());
        assert_eq!(ledger.unique(), 4);
        assert_eq!(
            ledger.tally(),
            Tally {
                duplicates: 3,
                missing: 96
            }
        );
        assert_eq!(ledger.missing_ids(3), vec![2, 3, 4]);
    }

    #[test]
    fn an_id_never_published_is_an_error() {
        let ledger = Ledger::new(10);
        assert_eq!(
            ledger.record(10),
            Err(UnknownId {
                id: 10,
                messages: 10
            })
        );
        assert_eq!(ledger.tally().missing, 10);
    }

    #[test]
    fn an_empty_phase_is_complete() {
        let ledger = Ledger::new(0);
        assert!(ledger.is_complete());
        assert_eq!(ledger.tally().missing, 0);
    }
}
