//! Consumer groups: the last delivered id, the logical read counter Redis 7 keeps for lag, the
//! pending entries list (PEL) and the consumers. The group PEL and each consumer's PEL name the
//! same entries: `Group::check` asserts they agree.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::StreamId;
use crate::queue::{GroupCounters, GroupPolicy};

/// One delivered, unacknowledged entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub consumer: Arc<[u8]>,
    /// When it was last delivered, in ms of the injected clock.
    pub delivery_time: u64,
    pub delivery_count: u64,
    /// The fencing token of the current delivery: a new one with every delivery or claim.
    pub token: u64,
    /// When the lease ends; `None` for deliveries without one (groups without a lease).
    pub lease_until: Option<u64>,
}

/// An entry the group will deliver later: nacked (with its delivery count so far) or published
/// with a delay that had not run out when the group's cursor passed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub due_ms: u64,
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
    /// The work-queue policy; `None` keeps Redis's semantics.
    pub policy: Option<GroupPolicy>,
    /// The last fencing token handed out; tokens only grow.
    pub last_token: u64,
    /// `(lease_until, id)` of every pending entry with a lease, to find expired ones in order.
    pub(crate) leases: BTreeSet<(u64, StreamId)>,
    /// Entries to deliver later, outside the PEL.
    pub waiting: BTreeMap<StreamId, Waiting>,
    /// `(due_ms, id)` of every waiting entry.
    pub(crate) waiting_due: BTreeSet<(u64, StreamId)>,
    /// The last nack reason of entries not yet settled, for their dead letter.
    pub reasons: BTreeMap<StreamId, Vec<u8>>,
    pub counters: GroupCounters,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: Option<u64>) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
            ..Group::default()
        }
    }

    /// A fresh fencing token.
    pub(crate) fn next_token(&mut self) -> u64 {
        self.last_token = self.last_token.saturating_add(1);
        self.last_token
    }

    /// The lease a delivery at `now` gets: `lease_ms` if given (0 for none), else the policy's.
    pub(crate) fn lease_until(&self, now: u64, lease_ms: Option<u64>) -> Option<u64> {
        let ms = lease_ms.unwrap_or_else(|| self.policy.as_ref().map_or(0, |p| p.lease_ms));
        (ms > 0).then(|| now.saturating_add(ms))
    }

    /// Sets the lease of pending `id`, keeping the lease index in step.
    pub(crate) fn set_lease(&mut self, id: StreamId, lease_until: Option<u64>) {
        let pending = self.pel.get_mut(&id).expect("lease of a pending entry");
        if let Some(old) = pending.lease_until {
            self.leases.remove(&(old, id));
        }
        pending.lease_until = lease_until;
        if let Some(new) = lease_until {
            self.leases.insert((new, id));
        }
    }

    /// Puts `id` among the entries to deliver at `due_ms`.
    pub(crate) fn add_waiting(&mut self, id: StreamId, due_ms: u64, delivery_count: u64) {
        self.remove_waiting(id);
        self.waiting.insert(
            id,
            Waiting {
                due_ms,
                delivery_count,
            },
        );
        self.waiting_due.insert((due_ms, id));
    }

    pub(crate) fn remove_waiting(&mut self, id: StreamId) -> Option<Waiting> {
        let waiting = self.waiting.remove(&id)?;
        self.waiting_due.remove(&(waiting.due_ms, id));
        Some(waiting)
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
    /// an existing one moved to `consumer` with its count reset to 1, as Redis does. The
    /// delivery gets a new token and the policy's lease.
    pub(crate) fn deliver(&mut self, id: StreamId, consumer: &[u8], now: u64) {
        let owner = self.consumer_name(consumer);
        if let Some(old) = self.pel.get(&id) {
            let old_owner = old.consumer.clone();
            if let Some(c) = self.consumers.get_mut(&*old_owner) {
                c.pel.remove(&id);
            }
            self.set_lease(id, None);
        }
        self.remove_waiting(id);
        let token = self.next_token();
        self.pel.insert(
            id,
            Pending {
                consumer: owner,
                delivery_time: now,
                delivery_count: 1,
                token,
                lease_until: None,
            },
        );
        // The entry was inserted without a lease: only a group with one has anything to set
        // (XREADGROUP on plain groups skips the extra lookup).
        if let Some(until) = self.lease_until(now, None) {
            self.set_lease(id, Some(until));
        }
        self.consumers
            .get_mut(consumer)
            .expect("consumer was touched first")
            .pel
            .insert(id);
    }

    /// Moves a pending entry to `consumer` (XCLAIM / XAUTOCLAIM): a new delivery, so a new
    /// token and lease.
    pub(crate) fn reassign(&mut self, id: StreamId, consumer: &[u8], now: u64) {
        let owner = self.consumer_name(consumer);
        let token = self.next_token();
        let lease_until = self.lease_until(now, None);
        let Some(pending) = self.pel.get_mut(&id) else {
            return;
        };
        pending.token = token;
        if *pending.consumer != *consumer {
            if let Some(c) = self.consumers.get_mut(&*pending.consumer) {
                c.pel.remove(&id);
            }
            pending.consumer = owner;
        }
        self.set_lease(id, lease_until);
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
        if let Some(until) = pending.lease_until {
            self.leases.remove(&(until, id));
        }
        self.reasons.remove(&id);
        if let Some(c) = self.consumers.get_mut(&*pending.consumer) {
            c.pel.remove(&id);
        }
        true
    }

    /// Removes a consumer and its pending entries (XGROUP DELCONSUMER); returns how many.
    pub(crate) fn delete_consumer(&mut self, consumer: &[u8]) -> Option<usize> {
        let gone = self.consumers.remove(consumer)?;
        for id in &gone.pel {
            if let Some(pending) = self.pel.remove(id)
                && let Some(until) = pending.lease_until
            {
                self.leases.remove(&(until, *id));
            }
            self.reasons.remove(id);
        }
        Some(gone.pel.len())
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
        let leased: BTreeSet<(u64, StreamId)> = self
            .pel
            .iter()
            .filter_map(|(id, p)| Some((p.lease_until?, *id)))
            .collect();
        assert_eq!(leased, self.leases, "lease index matches the PEL");
        let due: BTreeSet<(u64, StreamId)> =
            self.waiting.iter().map(|(id, w)| (w.due_ms, *id)).collect();
        assert_eq!(
            due, self.waiting_due,
            "waiting index matches the waiting map"
        );
        for id in self.waiting.keys() {
            assert!(
                !self.pel.contains_key(id),
                "{id} is both pending and waiting"
            );
        }
        for p in self.pel.values() {
            assert!(
                p.token <= self.last_token,
                "token {} after the last",
                p.token
            );
        }
    }
}
