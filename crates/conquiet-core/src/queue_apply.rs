//! Work-queue commands, the apply half: performs ops that `queue_exec` resolved (or the log
//! holds). Deterministic: everything comes from the state, the op and the record's time.

use crate::StreamId;
use crate::command::{IdSpec, Op};
use crate::engine::{Engine, next_id};
use crate::entry::{EntryData, Field};
use crate::group::Group;
use crate::group_read::advance_group;
use crate::queue::{
    DEAD_LETTER_FIELDS, Handle, Message, Overflow, Receive, Retention, Settle, SettleOutcome,
};
use crate::queue_exec::strip_dead_letter_fields;
use crate::queue_plan::{Again, plan};
use crate::queue_policy::backoff_ms;
use crate::reply::Reply;
use crate::stream::{Stream, data_bytes};

/// Why an entry went to the dead-letter stream, when no nack reason says more.
const REASON_LEASE_EXPIRED: &[u8] = b"lease expired";
const REASON_TERMINATED: &[u8] = b"terminated";
const REASON_NACKED: &[u8] = b"nacked";

impl Engine {
    pub(crate) fn apply_queue(&mut self, now: u64, op: &Op) -> Reply {
        match op {
            Op::QueueCreate {
                key,
                group,
                stream_policy,
                group_policy,
            } => {
                let stream = self.streams.entry(key.clone()).or_default();
                stream.queue.policy = stream_policy.clone();
                let mut g = Group::new(StreamId::ZERO, None);
                g.policy = Some(group_policy.clone());
                stream.groups.insert(group.clone(), g);
                Reply::Ok
            }
            Op::SetPolicies {
                key,
                stream_policy,
                group,
            } => {
                let stream = self.stream_mut(key);
                stream.queue.policy = stream_policy.clone();
                if let Some((name, policy)) = group {
                    let g = stream
                        .groups
                        .get_mut(name)
                        .expect("decide checked the group");
                    g.policy = Some(policy.clone());
                }
                Reply::Ok
            }
            Op::Publish {
                key,
                id,
                data,
                not_before_ms,
                dedup_key,
            } => {
                let node = self.config.node;
                let stream = self.streams.entry(key.clone()).or_default();
                publish_into(stream, *id, data, node, now);
                if let Some(at) = not_before_ms {
                    stream.queue.delays.insert(*id, *at);
                }
                if let Some(dedup) = dedup_key {
                    stream.queue.remember(dedup.clone(), *id, now);
                }
                Reply::Published {
                    id: *id,
                    duplicate: false,
                }
            }
            Op::Duplicate { key, id } => {
                self.stream_mut(key).queue.counters.duplicates += 1;
                Reply::Published {
                    id: *id,
                    duplicate: true,
                }
            }
            Op::Receive {
                receive,
                dead_letter,
            } => Reply::Messages(self.apply_receive(now, receive, dead_letter)),
            Op::Settle {
                key,
                group,
                action,
                handles,
                dead_letter,
            } => Reply::Settled(
                handles
                    .iter()
                    .map(|h| self.settle_one(now, key, group, action, *h, dead_letter))
                    .collect(),
            ),
            Op::Redrive { dead_letter, moves } => {
                let node = self.config.node;
                let mut moved = 0i64;
                for (id, target) in moves {
                    let Some(data) = self.stream_mut(dead_letter).get(*id).cloned() else {
                        continue;
                    };
                    let data = strip_dead_letter_fields(&data);
                    let to = self.streams.entry(target.clone()).or_default();
                    let Ok(new_id) = next_id(now, to.last_id(), IdSpec::Auto) else {
                        continue;
                    };
                    make_room(to, data_bytes(&data));
                    to.append(new_id, data, node);
                    to.queue.counters.published += 1;
                    self.stream_mut(dead_letter).delete(*id);
                    moved += 1;
                }
                Reply::Int(moved)
            }
            _ => unreachable!("apply sends only queue ops here: {op:?}"),
        }
    }

    fn stream_mut(&mut self, key: &[u8]) -> &mut Stream {
        self.streams
            .get_mut(key)
            .expect("decide checked the stream")
    }

    fn apply_receive(&mut self, now: u64, receive: &Receive, dead_letter: &[u8]) -> Vec<Message> {
        let stream = self
            .streams
            .get(&receive.key)
            .expect("decide checked the stream");
        let g = &stream.groups[&receive.group];
        let plan = plan(stream, g, receive, now);
        let dead: Vec<(StreamId, u64, Vec<u8>)> = plan
            .dead
            .iter()
            .map(|(id, deliveries)| {
                let reason = g.reasons.get(id).cloned();
                (
                    *id,
                    *deliveries,
                    reason.unwrap_or_else(|| REASON_LEASE_EXPIRED.to_vec()),
                )
            })
            .collect();
        for (id, deliveries, reason) in dead {
            let (key, group) = (&receive.key, &receive.group);
            self.dead_letter(now, key, group, id, deliveries, &reason, dead_letter);
        }
        let stream = self.stream_mut(&receive.key);
        let g = group_mut(stream, &receive.group);
        for (id, again) in &plan.gone {
            match again {
                Again::Expired => {
                    g.ack(*id);
                }
                Again::Waited { .. } => {
                    g.remove_waiting(*id);
                    g.reasons.remove(id);
                }
            }
        }
        if plan.deliveries() > 0 {
            g.touch_consumer(&receive.consumer, now);
            g.mark_active(&receive.consumer, now);
        }
        let mut delivered: Vec<StreamId> = Vec::with_capacity(plan.deliveries());
        for (id, again) in &plan.again {
            let before = match again {
                Again::Expired => {
                    let count = g.pel[id].delivery_count;
                    g.reassign(*id, &receive.consumer, now);
                    count
                }
                Again::Waited { deliveries } => {
                    g.deliver(*id, &receive.consumer, now);
                    *deliveries
                }
            };
            let pending = g.pel.get_mut(id).expect("just delivered");
            pending.delivery_count = before.saturating_add(1);
            pending.delivery_time = now;
            if before > 0 {
                g.counters.redelivered += 1;
            } else {
                g.counters.delivered += 1;
            }
            delivered.push(*id);
        }
        // New entries and deferred ones, in id order, so the cursor only moves forward.
        let mut news: Vec<(StreamId, Option<u64>)> =
            plan.new.iter().map(|id| (*id, None)).collect();
        news.extend(plan.deferred.iter().map(|(id, at)| (*id, Some(*at))));
        news.sort_unstable();
        for (id, deferred) in news {
            advance_group(stream, &receive.group, id);
            let g = group_mut(stream, &receive.group);
            match deferred {
                Some(at) => g.add_waiting(id, at, 0),
                None => {
                    g.deliver(id, &receive.consumer, now);
                    g.counters.delivered += 1;
                    delivered.push(id);
                }
            }
        }
        forget_passed_delays(stream);
        let mut messages = Vec::with_capacity(delivered.len());
        for id in delivered {
            let data = stream.get(id).cloned();
            let g = group_mut(stream, &receive.group);
            // A receive's own lease overrides the policy's.
            if receive.lease_ms.is_some() {
                let until = g.lease_until(now, receive.lease_ms);
                g.set_lease(id, until);
            }
            let pending = &g.pel[&id];
            messages.push(Message {
                id,
                data: data.expect("the plan delivers only entries in the stream"),
                token: pending.token,
                deliveries: pending.delivery_count,
                lease_until_ms: pending.lease_until,
            });
        }
        messages
    }

    fn settle_one(
        &mut self,
        now: u64,
        key: &[u8],
        group: &[u8],
        action: &Settle,
        handle: Handle,
        dead_letter: &[u8],
    ) -> SettleOutcome {
        let stream = self.stream_mut(key);
        let exists = stream.get(handle.id).is_some();
        let g = group_mut(stream, group);
        let Some(pending) = g.pel.get(&handle.id) else {
            return SettleOutcome::NotPending;
        };
        if pending.token != handle.token {
            return SettleOutcome::Stale {
                current: pending.token,
            };
        }
        let deliveries = pending.delivery_count;
        let id = handle.id;
        match action {
            Settle::Ack => {
                g.ack(id);
                g.counters.acked += 1;
                reclaim(stream, &[id]);
                SettleOutcome::Acked
            }
            Settle::Touch { lease_ms } => {
                let until = g.lease_until(now, *lease_ms);
                g.set_lease(id, until);
                if let Some(p) = g.pel.get_mut(&id) {
                    p.delivery_time = now;
                }
                SettleOutcome::Touched {
                    lease_until_ms: until,
                }
            }
            Settle::Nack { delay_ms, reason } => {
                g.counters.nacked += 1;
                let policy = g.policy.clone().unwrap_or_default();
                let last = policy.deliveries_max > 0 && deliveries >= policy.deliveries_max;
                if last || !exists {
                    let reason = if reason.is_empty() {
                        REASON_NACKED
                    } else {
                        reason
                    };
                    let dead =
                        self.dead_letter(now, key, group, id, deliveries, reason, dead_letter);
                    return dead_outcome(dead_letter, dead);
                }
                let wait = delay_ms.unwrap_or_else(|| backoff_ms(&policy.backoff, deliveries, id));
                let due = now.saturating_add(wait);
                g.ack(id);
                g.add_waiting(id, due, deliveries);
                if !reason.is_empty() {
                    g.reasons.insert(id, reason.clone());
                }
                SettleOutcome::Nacked {
                    redeliver_at_ms: due,
                }
            }
            Settle::Term { reason } => {
                let reason = if reason.is_empty() {
                    REASON_TERMINATED
                } else {
                    reason
                };
                let dead = self.dead_letter(now, key, group, id, deliveries, reason, dead_letter);
                dead_outcome(dead_letter, dead)
            }
        }
    }

    /// Appends entry `id` of `key` to the dead-letter stream with the fields that say where it
    /// came from and why, and removes it from the group: one step of one record, so the entry
    /// is never in both or in neither. `None` when the entry is gone from the stream.
    #[allow(clippy::too_many_arguments)]
    fn dead_letter(
        &mut self,
        now: u64,
        key: &[u8],
        group: &[u8],
        id: StreamId,
        deliveries: u64,
        reason: &[u8],
        dead_letter: &[u8],
    ) -> Option<StreamId> {
        let stream = self.stream_mut(key);
        let data = stream.get(id).cloned();
        let g = group_mut(stream, group);
        g.ack(id);
        let Some(data) = data else {
            reclaim(stream, &[id]);
            return None;
        };
        g.counters.dead_lettered += 1;
        reclaim(stream, &[id]);
        let meta: [Vec<u8>; 6] = [
            key.to_vec(),
            group.to_vec(),
            id.to_string().into_bytes(),
            deliveries.to_string().into_bytes(),
            reason.to_vec(),
            now.to_string().into_bytes(),
        ];
        let mut fields: Vec<Field> = DEAD_LETTER_FIELDS
            .iter()
            .zip(meta)
            .map(|(f, v)| (f.to_vec(), v))
            .collect();
        fields.extend(data.to_fields());
        let data = EntryData::pack(&fields);
        let node = self.config.node;
        let dlq = self.streams.entry(dead_letter.to_vec()).or_default();
        let dead_id = next_id(now, dlq.last_id(), IdSpec::Auto)
            .expect("decide checked the dead-letter stream has ids left");
        if dlq.queue.policy.overflow == Overflow::DropOldest {
            make_room(dlq, data_bytes(&data));
        }
        dlq.append(dead_id, data, node);
        dlq.queue.dead_letter = true;
        dlq.queue.counters.published += 1;
        Some(dead_id)
    }
}

/// What a settle that dead-lettered answers: where the entry went, or, if it had been deleted
/// from the stream meanwhile, that it simply left the group.
fn dead_outcome(dead_letter: &[u8], dead_id: Option<StreamId>) -> SettleOutcome {
    match dead_id {
        Some(id) => SettleOutcome::DeadLettered {
            dead_letter: dead_letter.to_vec(),
            id,
        },
        None => SettleOutcome::Acked,
    }
}

fn group_mut<'s>(stream: &'s mut Stream, group: &[u8]) -> &'s mut Group {
    stream
        .groups
        .get_mut(group)
        .expect("decide checked the group")
}

/// Drops the delays of entries every group's cursor has passed: those entries are pending,
/// waiting or settled in every group, so their publish delay can no longer matter (a group
/// created later, reading from the start, delivers them without it). Keeps the map, and the
/// work scanning it, proportional to the delayed entries still ahead.
fn forget_passed_delays(stream: &mut Stream) {
    let Some(floor) = stream.groups.values().map(|g| g.last_id).min() else {
        return;
    };
    let passed = stream
        .queue
        .delays
        .first_key_value()
        .is_some_and(|(first, _)| *first <= floor);
    if passed {
        stream.queue.delays = match floor.next() {
            Some(start) => stream.queue.delays.split_off(&start),
            None => Default::default(),
        };
    }
}

/// Under `drop-oldest`, removes the oldest entries until one more of `bytes` fits.
pub(crate) fn make_room(stream: &mut Stream, bytes: u64) {
    let p = stream.queue.policy.clone();
    if p.overflow != Overflow::DropOldest {
        return;
    }
    loop {
        let over_entries = p.entries_max > 0 && stream.len() + 1 > p.entries_max;
        let over_bytes = p.bytes_max > 0 && stream.bytes + bytes > p.bytes_max;
        if !(over_entries || over_bytes) {
            return;
        }
        let Some(first) = stream.first() else { return };
        stream.delete(first.id);
        stream.queue.counters.dropped += 1;
    }
}

/// Under work-queue retention, removes each of `ids` that every group has settled: read past
/// it, and neither pending nor waiting.
pub(crate) fn reclaim(stream: &mut Stream, ids: &[StreamId]) {
    if stream.queue.policy.retention != Retention::WorkQueue || stream.groups.is_empty() {
        return;
    }
    for id in ids {
        let settled = stream
            .groups
            .values()
            .all(|g| g.last_id >= *id && !g.pel.contains_key(id) && !g.waiting.contains_key(id));
        if settled {
            stream.delete(*id);
        }
    }
}

/// Appends a published entry to `stream` as every publish does (overflow under drop-oldest
/// resolved from the state, the counter bumped). Paired with `decide_publish`'s checks, and
/// shared by a fan-out send's copies (`send`).
pub(crate) fn publish_into(
    stream: &mut Stream,
    id: StreamId,
    data: &EntryData,
    node: crate::NodeLimits,
    now: u64,
) {
    stream.queue.expire_dedup(now);
    make_room(stream, data_bytes(data));
    stream.append(id, data.clone(), node);
    stream.queue.counters.published += 1;
}
