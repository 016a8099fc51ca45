//! Read-only group and stream views: XPENDING, XINFO, and the lag arithmetic Redis 7.0 uses
//! (`entries_read`, tombstones, and the estimate from the first entry ever added).

use crate::StreamId;
use crate::command::{Command, PendingRange};
use crate::engine::{Engine, read_count, saturate};
use crate::error::{CommandError, show};
use crate::group::Group;
use crate::limits::READ_COUNT_MAX;
use crate::reply::*;
use crate::stream::Stream;

impl Engine {
    pub(crate) fn decide_info(&self, now: u64, command: &Command) -> Result<Reply, CommandError> {
        match command {
            Command::Pending { key, group, range } => {
                let (_, g) = self.group_for_claim(key, group)?;
                Ok(match range {
                    None => Reply::PendingSummary(pending_summary(g)),
                    Some(range) => Reply::PendingRange(pending_range(g, range, now)),
                })
            }
            Command::InfoStream { key, full } => {
                let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
                Ok(match full {
                    None => Reply::StreamInfo(Box::new(stream_info(stream))),
                    Some(count) => Reply::StreamInfoFull(Box::new(stream_full(stream, *count))),
                })
            }
            Command::InfoGroups { key } => {
                let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
                Ok(Reply::Groups(
                    stream
                        .groups
                        .iter()
                        .map(|(name, g)| group_info(stream, name, g))
                        .collect(),
                ))
            }
            Command::InfoConsumers { key, group } => {
                let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
                let g = stream
                    .groups
                    .get(group)
                    .ok_or_else(|| CommandError::NoConsumerGroup {
                        key: show(key),
                        group: show(group),
                    })?;
                let consumers = g
                    .consumers
                    .iter()
                    .map(|(name, c)| ConsumerInfo {
                        name: name.clone(),
                        pending: c.pel.len() as u64,
                        idle_ms: now.saturating_sub(c.seen_time),
                        inactive_ms: c.active_time.map(|t| now.saturating_sub(t)),
                    })
                    .collect();
                Ok(Reply::Consumers(consumers))
            }
            other => unreachable!("decide dispatches every command kind: {other:?}"),
        }
    }
}

fn pending_summary(g: &Group) -> PendingSummary {
    let bounds = match (g.pel.first_key_value(), g.pel.last_key_value()) {
        (Some((first, _)), Some((last, _))) => Some((*first, *last)),
        _ => None,
    };
    let consumers = g
        .consumers
        .iter()
        .filter(|(_, c)| !c.pel.is_empty())
        .map(|(name, c)| (name.clone(), c.pel.len() as u64))
        .collect();
    PendingSummary {
        count: g.pel.len() as u64,
        bounds,
        consumers,
    }
}

fn pending_range(g: &Group, range: &PendingRange, now: u64) -> Vec<PendingItem> {
    let mut out = Vec::new();
    if range.start > range.end {
        return out;
    }
    let count = saturate(range.count).min(READ_COUNT_MAX);
    let ids: Box<dyn Iterator<Item = &StreamId>> = match &range.consumer {
        Some(name) => match g.consumers.get(name) {
            Some(c) => Box::new(c.pel.range(range.start..=range.end)),
            None => return out,
        },
        None => Box::new(g.pel.range(range.start..=range.end).map(|(id, _)| id)),
    };
    for id in ids {
        if out.len() >= count {
            break;
        }
        let pending = &g.pel[id];
        let idle_ms = now.saturating_sub(pending.delivery_time);
        if range.idle_min_ms.is_some_and(|min| idle_ms < min) {
            continue;
        }
        out.push(PendingItem {
            id: *id,
            consumer: pending.consumer.to_vec(),
            idle_ms,
            delivery_count: pending.delivery_count,
        });
    }
    out
}

fn stream_info(stream: &Stream) -> StreamInfo {
    StreamInfo {
        length: stream.length,
        nodes: stream.nodes.len() as u64,
        last_generated_id: stream.last_id,
        max_deleted_id: stream.max_deleted_id,
        entries_added: stream.entries_added,
        first_id: stream.first_id,
        groups: stream.groups.len() as u64,
        first_entry: stream.first(),
        last_entry: stream.last(),
    }
}

fn stream_full(stream: &Stream, count: u64) -> StreamInfoFull {
    let count = read_count(Some(count));
    let groups = stream
        .groups
        .iter()
        .map(|(name, g)| {
            let pending = g
                .pel
                .iter()
                .take(count)
                .map(|(id, p)| FullPending {
                    id: *id,
                    consumer: p.consumer.to_vec(),
                    delivery_time: p.delivery_time,
                    delivery_count: p.delivery_count,
                })
                .collect();
            let consumers = g
                .consumers
                .iter()
                .map(|(cname, c)| FullConsumer {
                    name: cname.clone(),
                    seen_time: c.seen_time,
                    active_time: c.active_time,
                    pel_count: c.pel.len() as u64,
                    pending: c
                        .pel
                        .iter()
                        .take(count)
                        .map(|id| FullPending {
                            id: *id,
                            consumer: cname.clone(),
                            delivery_time: g.pel[id].delivery_time,
                            delivery_count: g.pel[id].delivery_count,
                        })
                        .collect(),
                })
                .collect();
            FullGroup {
                info: group_info(stream, name, g),
                pending,
                consumers,
            }
        })
        .collect();
    StreamInfoFull {
        length: stream.length,
        nodes: stream.nodes.len() as u64,
        last_generated_id: stream.last_id,
        max_deleted_id: stream.max_deleted_id,
        entries_added: stream.entries_added,
        first_id: stream.first_id,
        entries: stream.range(StreamId::ZERO, StreamId::MAX, count, false),
        groups,
    }
}

fn group_info(stream: &Stream, name: &[u8], g: &Group) -> GroupInfo {
    GroupInfo {
        name: name.to_vec(),
        consumers: g.consumers.len() as u64,
        pending: g.pel.len() as u64,
        last_delivered_id: g.last_id,
        entries_read: g.entries_read,
        lag: stream.lag(g),
    }
}

impl Stream {
    /// Whether a deleted entry may lie in `start..=end` (Redis's `streamRangeHasTombstones`):
    /// only the largest deleted id is known, so this can say yes for a range without one.
    pub(crate) fn range_has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// How many entries were added up to and including `id`, when that can be known without
    /// counting (Redis's `streamEstimateDistanceFromFirstEverEntry`).
    pub(crate) fn estimate_entries_read(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return Some(self.entries_added - self.length);
            }
            if id == self.first_id {
                return Some(self.entries_added - self.length + 1);
            }
        }
        None
    }

    /// Entries not yet delivered to `g`, when known (Redis's `streamReplyWithCGLag`).
    pub(crate) fn lag(&self, g: &Group) -> Option<i64> {
        // Redis subtracts signed 64-bit counters; wrapping keeps its answer for any input.
        let lag = |read: u64| (self.entries_added as i64).wrapping_sub(read as i64);
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = g.entries_read
            && !self.range_has_tombstones(g.last_id, StreamId::MAX)
        {
            return Some(lag(read));
        }
        self.estimate_entries_read(g.last_id).map(lag)
    }
}
