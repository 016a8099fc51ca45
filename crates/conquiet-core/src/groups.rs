//! Consumer-group commands: decide and apply. Redis 7.0's rules, including where it creates
//! consumers, how delivery counts move, and how `entries_read` is kept for lag.

use crate::StreamId;
use crate::command::{AutoClaim, Claim, Command, GroupReadFrom, GroupStart, Op};
use crate::engine::{Decision, Engine, check_ids, check_name, saturate};
use crate::error::{CommandError, show};
use crate::group::Group;
use crate::limits::*;
use crate::reply::{ReadItem, Reply, StreamRead};
use crate::stream::Stream;

impl Engine {
    pub(crate) fn decide_group(
        &self,
        now: u64,
        command: &Command,
    ) -> Result<Decision, CommandError> {
        use Decision::{Read, Write};
        match command {
            Command::GroupCreate {
                key,
                group,
                start,
                make_stream,
                entries_read,
            } => {
                check_name("group", group)?;
                let stream = match self.streams.get(key) {
                    Some(stream) => Some(stream),
                    None if *make_stream => {
                        check_name("key", key)?;
                        if self.streams.len() >= STREAMS_MAX {
                            let n = self.streams.len();
                            return Err(CommandError::limit("stream count", n, STREAMS_MAX));
                        }
                        None
                    }
                    None => return Err(CommandError::GroupNeedsKey),
                };
                if let Some(stream) = stream {
                    if stream.groups.contains_key(group) {
                        return Err(CommandError::BusyGroup);
                    }
                    if stream.groups.len() >= GROUPS_PER_STREAM_MAX {
                        let n = stream.groups.len();
                        return Err(CommandError::limit(
                            "groups on the stream",
                            n,
                            GROUPS_PER_STREAM_MAX,
                        ));
                    }
                }
                let last_id = start_id(stream, *start);
                let (key, group, entries_read) = (key.clone(), group.clone(), *entries_read);
                Ok(Write(Op::GroupCreate {
                    key,
                    group,
                    last_id,
                    entries_read,
                }))
            }
            Command::GroupSetId {
                key,
                group,
                start,
                entries_read,
            } => {
                let (stream, _) = self.group_for_xgroup(key, group)?;
                let last_id = start_id(Some(stream), *start);
                let (key, group, entries_read) = (key.clone(), group.clone(), *entries_read);
                Ok(Write(Op::GroupSetId {
                    key,
                    group,
                    last_id,
                    entries_read,
                }))
            }
            Command::GroupDestroy { key, group } => {
                let stream = self.streams.get(key).ok_or(CommandError::GroupNeedsKey)?;
                if !stream.groups.contains_key(group) {
                    return Ok(Read(Reply::Int(0)));
                }
                Ok(Write(Op::GroupDestroy {
                    key: key.clone(),
                    group: group.clone(),
                }))
            }
            Command::ConsumerCreate {
                key,
                group,
                consumer,
            } => {
                check_name("consumer", consumer)?;
                let (_, g) = self.group_for_xgroup(key, group)?;
                if g.consumers.contains_key(consumer) {
                    return Ok(Read(Reply::Int(0)));
                }
                check_consumer_room(g)?;
                let (key, group, consumer) = (key.clone(), group.clone(), consumer.clone());
                Ok(Write(Op::ConsumerCreate {
                    key,
                    group,
                    consumer,
                }))
            }
            Command::ConsumerDelete {
                key,
                group,
                consumer,
            } => {
                let (_, g) = self.group_for_xgroup(key, group)?;
                if !g.consumers.contains_key(consumer) {
                    return Ok(Read(Reply::Int(0)));
                }
                let (key, group, consumer) = (key.clone(), group.clone(), consumer.clone());
                Ok(Write(Op::ConsumerDelete {
                    key,
                    group,
                    consumer,
                }))
            }
            Command::ReadGroup {
                group,
                consumer,
                streams,
                count,
                no_ack,
            } => {
                check_name("consumer", consumer)?;
                if streams.len() > READ_STREAMS_MAX {
                    let n = streams.len();
                    return Err(CommandError::limit(
                        "streams in one read",
                        n,
                        READ_STREAMS_MAX,
                    ));
                }
                for (key, _) in streams {
                    let g = self.streams.get(key).and_then(|s| s.groups.get(group));
                    let g = g.ok_or_else(|| CommandError::NoGroupRead {
                        key: show(key),
                        group: show(group),
                    })?;
                    if !g.consumers.contains_key(consumer) {
                        check_consumer_room(g)?;
                    }
                }
                Ok(Write(Op::ReadGroup {
                    group: group.clone(),
                    consumer: consumer.clone(),
                    streams: streams.clone(),
                    count: *count,
                    no_ack: *no_ack,
                }))
            }
            Command::Ack { key, group, ids } => {
                check_ids(ids)?;
                let g = self.streams.get(key).and_then(|s| s.groups.get(group));
                match g {
                    Some(g) if ids.iter().any(|id| g.pel.contains_key(id)) => {
                        let (key, group, ids) = (key.clone(), group.clone(), ids.clone());
                        Ok(Write(Op::Ack { key, group, ids }))
                    }
                    _ => Ok(Read(Reply::Int(0))),
                }
            }
            Command::Claim(claim) => {
                check_ids(&claim.ids)?;
                check_name("consumer", &claim.consumer)?;
                let (_, g) = self.group_for_claim(&claim.key, &claim.group)?;
                if !g.consumers.contains_key(&claim.consumer) {
                    check_consumer_room(g)?;
                }
                Ok(Write(Op::Claim(claim.clone())))
            }
            Command::AutoClaim(claim) => {
                check_name("consumer", &claim.consumer)?;
                if claim.count == 0 || claim.count > AUTOCLAIM_COUNT_MAX {
                    return Err(CommandError::Limit {
                        what: "XAUTOCLAIM COUNT",
                        value: claim.count,
                        limit: AUTOCLAIM_COUNT_MAX,
                    });
                }
                let (_, g) = self.group_for_claim(&claim.key, &claim.group)?;
                if !g.consumers.contains_key(&claim.consumer) {
                    check_consumer_room(g)?;
                }
                Ok(Write(Op::AutoClaim(claim.clone())))
            }
            _ => self.decide_info(now, command).map(Read),
        }
    }

    pub(crate) fn apply_group(&mut self, now: u64, op: &Op) -> Reply {
        match op {
            Op::GroupCreate {
                key,
                group,
                last_id,
                entries_read,
            } => {
                let stream = self.streams.entry(key.clone()).or_default();
                stream
                    .groups
                    .insert(group.clone(), Group::new(*last_id, *entries_read));
                Reply::Ok
            }
            Op::GroupSetId {
                key,
                group,
                last_id,
                entries_read,
            } => {
                let g = self.group_mut(key, group);
                g.last_id = *last_id;
                g.entries_read = *entries_read;
                Reply::Ok
            }
            Op::GroupDestroy { key, group } => {
                let stream = self
                    .streams
                    .get_mut(key)
                    .expect("decide checked the stream");
                Reply::Int(i64::from(stream.groups.remove(group).is_some()))
            }
            Op::ConsumerCreate {
                key,
                group,
                consumer,
            } => Reply::Int(i64::from(
                self.group_mut(key, group).touch_consumer(consumer, now),
            )),
            Op::ConsumerDelete {
                key,
                group,
                consumer,
            } => {
                let g = self.group_mut(key, group);
                let Some(gone) = g.consumers.remove(consumer) else {
                    return Reply::Int(0);
                };
                for id in &gone.pel {
                    g.pel.remove(id);
                }
                Reply::Int(gone.pel.len() as i64)
            }
            Op::ReadGroup {
                group,
                consumer,
                streams,
                count,
                no_ack,
            } => {
                let count = count.map_or(usize::MAX, saturate);
                let mut out = Vec::new();
                for (key, from) in streams {
                    let stream = self
                        .streams
                        .get_mut(key)
                        .expect("decide checked the stream");
                    if let Some(read) =
                        read_group(stream, key, group, consumer, *from, count, *no_ack, now)
                    {
                        out.push(read);
                    }
                }
                Reply::Read((!out.is_empty()).then_some(out))
            }
            Op::Ack { key, group, ids } => {
                let g = self.group_mut(key, group);
                Reply::Int(ids.iter().filter(|id| g.ack(**id)).count() as i64)
            }
            Op::Claim(claim) => self.apply_claim(now, claim),
            Op::AutoClaim(claim) => self.apply_autoclaim(now, claim),
            _ => unreachable!("apply dispatches stream ops before group ops: {op:?}"),
        }
    }

    fn group_mut(&mut self, key: &[u8], group: &[u8]) -> &mut Group {
        let stream = self
            .streams
            .get_mut(key)
            .expect("decide checked the stream");
        stream
            .groups
            .get_mut(group)
            .expect("decide checked the group")
    }

    /// The XGROUP subcommands' lookups and error texts.
    pub(crate) fn group_for_xgroup(
        &self,
        key: &[u8],
        group: &[u8],
    ) -> Result<(&Stream, &Group), CommandError> {
        let stream = self.streams.get(key).ok_or(CommandError::GroupNeedsKey)?;
        let g = stream
            .groups
            .get(group)
            .ok_or_else(|| CommandError::NoConsumerGroup {
                key: show(key),
                group: show(group),
            })?;
        Ok((stream, g))
    }

    /// XPENDING / XCLAIM / XAUTOCLAIM lookups and error text.
    pub(crate) fn group_for_claim(
        &self,
        key: &[u8],
        group: &[u8],
    ) -> Result<(&Stream, &Group), CommandError> {
        let stream = self.streams.get(key);
        let g = stream.and_then(|s| s.groups.get(group));
        match (stream, g) {
            (Some(stream), Some(g)) => Ok((stream, g)),
            _ => Err(CommandError::NoGroupForKey {
                key: show(key),
                group: show(group),
            }),
        }
    }

    fn apply_claim(&mut self, now: u64, claim: &Claim) -> Reply {
        let stream = self
            .streams
            .get_mut(&claim.key)
            .expect("decide checked the stream");
        let exists: Vec<bool> = claim
            .ids
            .iter()
            .map(|id| stream.get(*id).is_some())
            .collect();
        let g = stream
            .groups
            .get_mut(&claim.group)
            .expect("decide checked the group");
        let delivery_time = match (claim.idle_ms, claim.time_ms) {
            (_, Some(time)) => time.min(now),
            (Some(idle), None) => now.saturating_sub(idle),
            (None, None) => now,
        };
        if let Some(last_id) = claim.last_id {
            if last_id > g.last_id {
                g.last_id = last_id;
            }
        }
        let mut claimed = Vec::new();
        for (id, exists) in claim.ids.iter().zip(exists) {
            let mut forced = false;
            if !g.pel.contains_key(id) {
                if !(claim.force && exists) || g.pel.len() >= PENDING_PER_GROUP_MAX {
                    continue;
                }
                forced = true;
            } else if !exists {
                g.ack(*id);
                continue;
            }
            if !forced && claim.idle_min_ms > 0 {
                let pending = &g.pel[id];
                if now.saturating_sub(pending.delivery_time) < claim.idle_min_ms {
                    continue;
                }
            }
            g.touch_consumer(&claim.consumer, now);
            if forced {
                // A forced entry starts as a first delivery, then counts this claim too.
                g.deliver(*id, &claim.consumer, now);
            } else {
                g.reassign(*id, &claim.consumer);
            }
            let pending = g.pel.get_mut(id).expect("claimed entry is pending");
            pending.delivery_time = delivery_time;
            if let Some(retry) = claim.retry_count {
                pending.delivery_count = retry;
            } else if !claim.just_id {
                pending.delivery_count += 1;
            }
            g.consumers
                .get_mut(&claim.consumer)
                .expect("touched")
                .active_time = Some(now);
            claimed.push(*id);
        }
        if claim.just_id {
            return Reply::Ids(claimed);
        }
        let entries = claimed
            .into_iter()
            .filter_map(|id| {
                stream.get(id).map(|d| crate::Entry {
                    id,
                    data: d.clone(),
                })
            })
            .collect();
        Reply::Entries(entries)
    }

    fn apply_autoclaim(&mut self, now: u64, claim: &AutoClaim) -> Reply {
        let stream = self
            .streams
            .get_mut(&claim.key)
            .expect("decide checked the stream");
        let mut count = claim.count;
        let mut attempts = claim.count.saturating_mul(AUTOCLAIM_SCAN_FACTOR);
        let candidates: Vec<StreamId> = {
            let g = &stream.groups[&claim.group];
            g.pel
                .range(claim.start..)
                .map(|(id, _)| *id)
                .take(saturate(attempts.saturating_add(1)))
                .collect()
        };
        let mut next = StreamId::ZERO;
        let (mut ids, mut entries, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
        let mut visited = 0usize;
        for id in &candidates {
            if attempts == 0 || count == 0 {
                next = *id;
                break;
            }
            attempts -= 1;
            visited += 1;
            let data = stream.get(*id).cloned();
            let g = stream
                .groups
                .get_mut(&claim.group)
                .expect("decide checked the group");
            let Some(data) = data else {
                g.ack(*id);
                deleted.push(*id);
                count -= 1;
                continue;
            };
            if now.saturating_sub(g.pel[id].delivery_time) < claim.idle_min_ms {
                continue;
            }
            g.touch_consumer(&claim.consumer, now);
            g.reassign(*id, &claim.consumer);
            let pending = g.pel.get_mut(id).expect("claimed entry is pending");
            pending.delivery_time = now;
            if !claim.just_id {
                pending.delivery_count += 1;
            }
            g.consumers
                .get_mut(&claim.consumer)
                .expect("touched")
                .active_time = Some(now);
            if claim.just_id {
                ids.push(*id);
            } else {
                entries.push(crate::Entry { id: *id, data });
            }
            count -= 1;
        }
        if next.is_zero() && visited < candidates.len() {
            next = candidates[visited];
        }
        Reply::AutoClaimed {
            next,
            entries,
            ids,
            deleted,
        }
    }
}

fn start_id(stream: Option<&Stream>, start: GroupStart) -> StreamId {
    match start {
        GroupStart::Id(id) => id,
        GroupStart::Last => stream.map_or(StreamId::ZERO, Stream::last_id),
    }
}

fn check_consumer_room(g: &Group) -> Result<(), CommandError> {
    if g.consumers.len() >= CONSUMERS_PER_GROUP_MAX {
        return Err(CommandError::limit(
            "consumers in the group",
            g.consumers.len(),
            CONSUMERS_PER_GROUP_MAX,
        ));
    }
    Ok(())
}

/// One stream's part of XREADGROUP; `None` when a `>` read found nothing (the stream is then
/// left out of the reply).
#[allow(clippy::too_many_arguments)]
fn read_group(
    stream: &mut Stream,
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    from: GroupReadFrom,
    count: usize,
    no_ack: bool,
    now: u64,
) -> Option<StreamRead> {
    let g = stream
        .groups
        .get_mut(group)
        .expect("decide checked the group");
    g.touch_consumer(consumer, now);
    let items = match from {
        GroupReadFrom::New => {
            let room = if no_ack {
                count
            } else {
                count.min(PENDING_PER_GROUP_MAX.saturating_sub(g.pel.len()))
            };
            let start = g.last_id.next()?;
            let entries = stream.range(start, StreamId::MAX, room, false);
            for entry in &entries {
                advance_group(stream, group, entry.id);
                let g = stream
                    .groups
                    .get_mut(group)
                    .expect("decide checked the group");
                if !no_ack {
                    g.deliver(entry.id, consumer, now);
                }
            }
            if entries.is_empty() {
                return None;
            }
            entries
                .into_iter()
                .map(|e| ReadItem {
                    id: e.id,
                    data: Some(e.data),
                })
                .collect()
        }
        GroupReadFrom::PendingAfter(after) => {
            let ids: Vec<StreamId> = match after.next() {
                Some(start) => g.consumers[consumer]
                    .pel
                    .range(start..)
                    .take(count)
                    .copied()
                    .collect(),
                None => Vec::new(),
            };
            let mut items = Vec::with_capacity(ids.len());
            for id in ids {
                let data = stream.get(id).cloned();
                if data.is_some() {
                    let g = stream
                        .groups
                        .get_mut(group)
                        .expect("decide checked the group");
                    let pending = g
                        .pel
                        .get_mut(&id)
                        .expect("consumer PEL entry is in group PEL");
                    pending.delivery_time = now;
                    pending.delivery_count += 1;
                }
                items.push(ReadItem { id, data });
            }
            items
        }
    };
    let g = stream
        .groups
        .get_mut(group)
        .expect("decide checked the group");
    if items.iter().any(|i: &ReadItem| i.data.is_some()) {
        g.consumers.get_mut(consumer).expect("touched").active_time = Some(now);
    }
    Some(StreamRead {
        key: key.to_vec(),
        items,
    })
}

/// Moves the group's last id to `id`, keeping `entries_read` as Redis 7.0 does.
fn advance_group(stream: &mut Stream, group: &[u8], id: StreamId) {
    let tombstones = stream.range_has_tombstones(id, StreamId::MAX);
    let estimate = stream.estimate_entries_read(id);
    let entries_added = stream.entries_added;
    let g = stream
        .groups
        .get_mut(group)
        .expect("decide checked the group");
    if id <= g.last_id {
        return;
    }
    match g.entries_read {
        Some(read) if !tombstones => g.entries_read = Some(read + 1),
        _ if entries_added > 0 => g.entries_read = estimate,
        _ => {}
    }
    g.last_id = id;
}
