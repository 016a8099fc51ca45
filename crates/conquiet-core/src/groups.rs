//! Consumer-group commands: decide and apply. Redis 7.0's rules, including where it creates
//! consumers, how delivery counts move, and how `entries_read` is kept for lag.

use crate::StreamId;
use crate::command::{Command, GroupReadFrom, GroupStart, Op};
use crate::engine::{Decision, Engine, check_ids, check_name, read_count};
use crate::error::{CommandError, show};
use crate::group::Group;
use crate::group_read::{GroupRead, read_group, serves};
use crate::limits::*;
use crate::reply::Reply;
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
            } => self.decide_read_group(now, group, consumer, streams, *count, *no_ack),
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
                if claim.force && g.pel.len() >= PENDING_PER_GROUP_MAX {
                    let n = g.pel.len();
                    return Err(CommandError::limit(
                        "pending entries in the group",
                        n,
                        PENDING_PER_GROUP_MAX,
                    ));
                }
                Ok(Write(Op::Claim(claim.clone())))
            }
            Command::AutoClaim(claim) => {
                check_name("consumer", &claim.consumer)?;
                if claim.count == 0 {
                    return Err(CommandError::CountNotPositive);
                }
                if claim.count > AUTOCLAIM_COUNT_MAX {
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
                Reply::Int(g.delete_consumer(consumer).unwrap_or(0) as i64)
            }
            Op::ReadGroup {
                group,
                consumer,
                streams,
                count,
                no_ack,
            } => {
                let read = GroupRead {
                    group,
                    consumer,
                    count: read_count(*count),
                    no_ack: *no_ack,
                    now,
                };
                let mut out = Vec::new();
                for (key, from) in streams {
                    let stream = self
                        .streams
                        .get_mut(key)
                        .expect("decide checked the stream");
                    out.extend(read_group(stream, key, &read, *from));
                }
                Reply::Read((!out.is_empty()).then_some(out))
            }
            Op::Ack { key, group, ids } => {
                let g = self.group_mut(key, group);
                let acked = ids.iter().filter(|id| g.ack(**id)).count();
                g.counters.acked += acked as u64;
                let stream = self
                    .streams
                    .get_mut(key)
                    .expect("decide checked the stream");
                crate::queue_apply::reclaim(stream, ids);
                Reply::Int(acked as i64)
            }
            Op::Claim(claim) => self.apply_claim(now, claim),
            Op::AutoClaim(claim) => self.apply_autoclaim(now, claim),
            _ => unreachable!("apply dispatches stream ops before group ops: {op:?}"),
        }
    }

    /// XREADGROUP: every named group must exist; when no stream would answer (only `>` reads
    /// with nothing new) the read changes nothing and needs no log record.
    fn decide_read_group(
        &self,
        now: u64,
        group: &[u8],
        consumer: &[u8],
        streams: &[(Vec<u8>, GroupReadFrom)],
        count: Option<u64>,
        no_ack: bool,
    ) -> Result<Decision, CommandError> {
        check_name("consumer", consumer)?;
        if streams.len() > READ_STREAMS_MAX {
            let n = streams.len();
            return Err(CommandError::limit(
                "streams in one read",
                n,
                READ_STREAMS_MAX,
            ));
        }
        // Every group is looked up before anything else, so NOGROUP wins as in Redis.
        let mut found = Vec::with_capacity(streams.len());
        for (key, from) in streams {
            let stream = self.streams.get(key);
            let g = stream.and_then(|s| Some((s, s.groups.get(group)?)));
            let (stream, g) = g.ok_or_else(|| CommandError::NoGroupRead {
                key: show(key),
                group: show(group),
            })?;
            found.push((stream, g, *from));
        }
        let leased = found.iter().any(|(_, g, _)| g.policy.is_some());
        let new = streams.iter().any(|(_, from)| *from == GroupReadFrom::New);
        if leased && new && !no_ack {
            return self.decide_policy_read(now, group, consumer, streams, count);
        }
        let mut served = false;
        for (stream, g, from) in found {
            let delivers_new = from == GroupReadFrom::New && !no_ack;
            let has_new = stream.last().is_some_and(|e| e.id > g.last_id);
            if delivers_new && g.pel.len() >= PENDING_PER_GROUP_MAX && has_new {
                // A full PEL is a clear error, not a read that silently returns nothing.
                return Err(CommandError::limit(
                    "pending entries in the group",
                    g.pel.len(),
                    PENDING_PER_GROUP_MAX,
                ));
            }
            if !serves(stream, g, from, no_ack) {
                continue;
            }
            served = true;
            if !g.consumers.contains_key(consumer) {
                check_consumer_room(g)?;
            }
        }
        if !served {
            return Ok(Decision::Read(Reply::Read(None)));
        }
        Ok(Decision::Write(Op::ReadGroup {
            group: group.to_vec(),
            consumer: consumer.to_vec(),
            streams: streams.to_vec(),
            count,
            no_ack,
        }))
    }

    /// XREADGROUP `>` of a group with a work-queue policy is a receive: due redeliveries
    /// first, leases, delays and dead letters as for CQ.RECEIVE (the RESP adapter shapes the
    /// messages as XREADGROUP's reply). One stream at a time, since one receive reads one.
    fn decide_policy_read(
        &self,
        now: u64,
        group: &[u8],
        consumer: &[u8],
        streams: &[(Vec<u8>, GroupReadFrom)],
        count: Option<u64>,
    ) -> Result<Decision, CommandError> {
        let [(key, _)] = streams else {
            return Err(CommandError::InvalidArgument(
                "XREADGROUP reads one stream at a time from a group with a work-queue policy"
                    .into(),
            ));
        };
        let receive = crate::queue_exec::read_group_receive(key, group, consumer, count);
        self.decide_receive(now, &receive)
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
