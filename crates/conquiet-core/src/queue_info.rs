//! The figures `CQ.INFO`, the HTTP API and the metrics show for a stream and its groups.
//! Read-only; the counters themselves are kept by `queue_apply` and XACK.

use std::collections::BTreeSet;

use crate::StreamId;
use crate::group::Group;
use crate::queue::{GroupQueueInfo, QueueInfo};
use crate::stream::Stream;

impl Stream {
    pub(crate) fn queue_info(&self, key: &[u8], now: u64) -> QueueInfo {
        QueueInfo {
            key: key.to_vec(),
            length: self.len(),
            bytes: self.bytes,
            first_id: self.first().map(|e| e.id),
            last_id: self.last_id(),
            policy: self.queue.policy.clone(),
            delayed: self.delayed(now),
            dead_letter: self.queue.dead_letter,
            counters: self.queue.counters,
            groups: self
                .groups
                .iter()
                .map(|(name, g)| self.group_queue_info(name, g, now))
                .collect(),
        }
    }

    /// Entries whose publish delay still runs: not yet passed by some group's cursor (the
    /// stream keeps their time), or passed and waiting in a group with no delivery yet.
    fn delayed(&self, now: u64) -> u64 {
        let mut ids: BTreeSet<StreamId> = self
            .queue
            .delays
            .iter()
            .filter(|(_, at)| **at > now)
            .map(|(id, _)| *id)
            .collect();
        for g in self.groups.values() {
            let from_delay = g
                .waiting
                .iter()
                .filter(|(_, w)| w.delivery_count == 0 && w.due_ms > now);
            ids.extend(from_delay.map(|(id, _)| *id));
        }
        ids.len() as u64
    }

    fn group_queue_info(&self, name: &[u8], g: &Group, now: u64) -> GroupQueueInfo {
        let unread = g.last_id.next().and_then(|start| {
            self.range(start, StreamId::MAX, 1, false)
                .first()
                .map(|e| e.id)
        });
        let oldest = [
            g.pel.keys().next().copied(),
            g.waiting.keys().next().copied(),
            unread,
        ]
        .into_iter()
        .flatten()
        .min();
        GroupQueueInfo {
            name: name.to_vec(),
            policy: g.policy.clone(),
            consumers: g.consumers.len() as u64,
            pending: g.pel.len() as u64,
            waiting: g.waiting.len() as u64,
            expired: g
                .leases
                .iter()
                .take_while(|(until, _)| *until <= now)
                .count() as u64,
            lag: self.lag(g).map(|lag| lag.max(0) as u64),
            oldest_unsettled_ms: oldest.map(|id| id.ms),
            last_token: g.last_token,
            counters: g.counters,
        }
    }
}
