//! Consumer groups: the last delivered id, the logical read counter Redis 7 keeps for lag, the
//! pending entries list (PEL) and the consumers. The group PEL and each consumer's PEL name the
//! same entries: `Group::check` asserts they agree.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::StreamId;

/// One delivered, unacknowledged entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub consumer: Arc<[u8]>,
    /// When it was last delivered, in ms of the injected clock.
    pub delivery_time: u64,
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    pub(crate) name: Arc<[u8]>,
    /// Last time the consumer was named by a command (Redis 7.0's seen-time).
    pub seen_time: u64,
    /// Last time the consumer read or claimed something (Redis 7.2's active-time); `None` until
    /// then.
    pub active_time: Option<u64>,
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub last_id: StreamId,
    /// Entries read by the group, when known (Redis's `entries_read`, -1 when invalid).
    pub entries_read: Option<u64>,
    pub pel: BTreeMap<StreamId, Pending>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: Option<u64>) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// The consumer named `name`, created if missing; its seen-time becomes `now`. Returns
    /// whether it was created.
    pub(crate) fn touch_consumer(&mut self, name: &[u8], now: u64) -> bool {
        if let Some(consumer) = self.consumers.get_mut(name) {
            consumer.seen_time = now;
            return false;
        }
        let consumer = Consumer {
            name: name.into(),
            seen_time: now,
            active_time: None,
            pel: BTreeSet::new(),
        };
        self.consumers.insert(name.to_vec(), consumer);
        true
    }

    /// Records that `consumer` was handed `id` at `now` (XREADGROUP `>`): a new PEL entry, or
    /// an existing one moved to `consumer` with its count reset to 1, as Redis does.
    pub(crate) fn deliver(&mut self, id: StreamId, consumer: &[u8], now: u64) {
        let owner = self.consumer_name(consumer);
        if let Some(old) = self.pel.get(&id) {
            let old_owner = old.consumer.clone();
            if let Some(c) = self.consumers.get_mut(&*old_owner) {
                c.pel.remove(&id);
            }
        }
        self.pel.insert(
            id,
            Pending {
                consumer: owner,
                delivery_time: now,
                delivery_count: 1,
            },
        );
        self.consumers
            .get_mut(consumer)
            .expect("consumer was touched first")
            .pel
            .insert(id);
    }

    /// Moves a pending entry to `consumer` (XCLAIM / XAUTOCLAIM).
    pub(crate) fn reassign(&mut self, id: StreamId, consumer: &[u8]) {
        let owner = self.consumer_name(consumer);
        let Some(pending) = self.pel.get_mut(&id) else {
            return;
        };
        if *pending.consumer != *consumer {
            if let Some(c) = self.consumers.get_mut(&*pending.consumer) {
                c.pel.remove(&id);
            }
            pending.consumer = owner;
        }
        self.consumers
            .get_mut(consumer)
            .expect("consumer was touched first")
            .pel
            .insert(id);
    }

    /// Records that `consumer` (already touched) just read or claimed something.
    pub(crate) fn mark_active(&mut self, consumer: &[u8], now: u64) {
        self.consumers
            .get_mut(consumer)
            .expect("consumer was touched first")
            .active_time = Some(now);
    }

    /// Removes `id` from the PELs; returns whether it was pending.
    pub(crate) fn ack(&mut self, id: StreamId) -> bool {
        let Some(pending) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(c) = self.consumers.get_mut(&*pending.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    fn consumer_name(&self, consumer: &[u8]) -> Arc<[u8]> {
        self.consumers
            .get(consumer)
            .expect("consumer was touched first")
            .name
            .clone()
    }

    /// O(pending) consistency check, for tests and debug builds.
    pub fn check(&self) {
        let mut owned = 0;
        for (name, consumer) in &self.consumers {
            assert_eq!(&*consumer.name, name.as_slice());
            for id in &consumer.pel {
                let pending = self
                    .pel
                    .get(id)
                    .expect("consumer PEL entry is in group PEL");
                assert_eq!(&*pending.consumer, name.as_slice(), "owner of {id}");
            }
            owned += consumer.pel.len();
        }
        assert_eq!(
            owned,
            self.pel.len(),
            "group PEL size equals the sum of consumer PELs"
        );
    }
}
