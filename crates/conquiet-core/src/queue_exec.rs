//! Work-queue commands, the decide half: every check and every error happens here, reading
//! state only; `queue_apply` then performs the resolved op. Reads (info, lists, receives and
//! settles that would change nothing) answer without a log record.

use crate::StreamId;
use crate::command::{Command, GroupReadFrom, IdSpec, Op};
use crate::engine::{Decision, Engine, check_entry, check_name, next_id};
use crate::entry::EntryData;
use crate::error::{CommandError, show};
use crate::group::Group;
use crate::limits::*;
use crate::queue::{
    DEAD_LETTER_FIELDS, Delay, GroupPolicy, GroupPolicyPatch, Overflow, Publish, Receive, Redrive,
    Settle, SettleOutcome, StreamPolicy, StreamPolicyPatch, dead_letter_name, group_policy_default,
};
use crate::queue_plan::{plan, wake_time};
use crate::queue_policy::{check_group_policy, check_stream_policy};
use crate::reply::Reply;
use crate::stream::{Stream, Trim, TrimTo, data_bytes};

/// Most dead letters one redrive moves: one record stays bounded.
pub const REDRIVE_COUNT_MAX: u64 = 100_000;

impl Engine {
    pub(crate) fn decide_queue(
        &self,
        now: u64,
        command: &Command,
    ) -> Result<Decision, CommandError> {
        use Decision::{Read, Write};
        match command {
            Command::QueueCreate {
                key,
                group,
                stream_policy,
                group_policy,
            } => self.decide_queue_create(key, group, stream_policy, group_policy),
            Command::QueueConfigure {
                key,
                group,
                stream_policy,
                group_policy,
            } => self.decide_configure(key, group.as_deref(), stream_policy, group_policy),
            Command::QueueInfo { key } => {
                let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
                Ok(Read(Reply::Queues(vec![stream.queue_info(key, now)])))
            }
            Command::QueueStatus { key, group, id } => Ok(Read(Reply::Status(Box::new(
                self.entry_status(now, key, group, *id)?,
            )))),
            Command::QueueList { dead_letters_only } => Ok(Read(Reply::Queues(
                self.streams
                    .iter()
                    .filter(|(_, s)| !dead_letters_only || s.queue.dead_letter)
                    .map(|(k, s)| s.queue_info(k, now))
                    .collect(),
            ))),
            Command::Publish(publish) => self.decide_publish(now, publish),
            Command::Receive(receive) => self.decide_receive(now, receive),
            Command::Settle {
                key,
                group,
                action,
                handles,
            } => {
                check_settle(action, handles.len())?;
                let (_, g) = self.group_for_claim(key, group)?;
                let dead_letter = dead_letter_of(key, g);
                check_dead_letter_name(key, &dead_letter)?;
                if matches!(action, Settle::Nack { .. } | Settle::Term { .. }) {
                    self.check_dead_letter_room(now, &dead_letter, handles.len())?;
                }
                let outcomes: Vec<SettleOutcome> = handles
                    .iter()
                    .map(|h| match g.pel.get(&h.id) {
                        None => SettleOutcome::NotPending,
                        Some(p) if p.token != h.token => SettleOutcome::Stale { current: p.token },
                        Some(_) => SettleOutcome::Acked,
                    })
                    .collect();
                if !outcomes.iter().any(SettleOutcome::is_done) {
                    return Ok(Read(Reply::Settled(outcomes)));
                }
                Ok(Write(Op::Settle {
                    key: key.clone(),
                    group: group.clone(),
                    action: action.clone(),
                    handles: handles.clone(),
                    dead_letter,
                }))
            }
            Command::Redrive(redrive) => self.decide_redrive(now, redrive),
            Command::Purge { key } => {
                let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
                if stream.is_empty() {
                    return Ok(Read(Reply::Int(0)));
                }
                let trim = Trim {
                    to: TrimTo::MaxLen(0),
                    approx: false,
                    limit: 0,
                };
                Ok(Write(Op::Trim {
                    key: key.clone(),
                    trim,
                }))
            }
            _ => unreachable!("decide sends only queue commands here: {command:?}"),
        }
    }

    /// When a blocked `command` that found nothing should be tried again although nothing
    /// was appended: the earliest lease end, waiting time or publish delay after `now`; for a
    /// blocked CQ.LOCK, the end of the grant it waits behind.
    pub fn wake_time(&self, now: u64, command: &Command) -> Option<u64> {
        let receive = match command {
            Command::Receive(receive) => receive.clone(),
            Command::ReadGroup {
                group,
                consumer,
                streams,
                count,
                no_ack,
            } => {
                let [(key, GroupReadFrom::New)] = &streams[..] else {
                    return None;
                };
                let g = self.streams.get(key)?.groups.get(group)?;
                // Only a policy group's `>` read is a receive; others follow Redis.
                if *no_ack || g.policy.is_none() {
                    return None;
                }
                read_group_receive(key, group, consumer, *count)
            }
            Command::LockAcquire(acquire) => return self.lock_wake_time(now, &acquire.name),
            _ => return None,
        };
        let stream = self.streams.get(&receive.key)?;
        let g = stream.groups.get(&receive.group)?;
        wake_time(stream, g, &receive, now)
    }

    fn decide_queue_create(
        &self,
        key: &[u8],
        group: &[u8],
        stream_patch: &StreamPolicyPatch,
        group_patch: &GroupPolicyPatch,
    ) -> Result<Decision, CommandError> {
        check_name("key", key)?;
        check_name("group", group)?;
        let stream = self.streams.get(key);
        match stream {
            Some(s) if s.groups.contains_key(group) => return Err(CommandError::BusyGroup),
            Some(s) if s.groups.len() >= GROUPS_PER_STREAM_MAX => {
                let n = s.groups.len();
                return Err(CommandError::limit(
                    "groups on the stream",
                    n,
                    GROUPS_PER_STREAM_MAX,
                ));
            }
            Some(_) => {}
            None => self.check_stream_room()?,
        }
        let current = stream.map(|s| s.queue.policy.clone()).unwrap_or_default();
        let stream_policy = stream_patch.apply_to(&current);
        let group_policy = group_patch.apply_to(&group_policy_default());
        check_stream_policy(&stream_policy)?;
        check_group_policy(key, &group_policy)?;
        let dead_letter = group_policy
            .dead_letter
            .clone()
            .unwrap_or_else(|| dead_letter_name(key));
        check_dead_letter_name(key, &dead_letter)?;
        Ok(Decision::Write(Op::QueueCreate {
            key: key.to_vec(),
            group: group.to_vec(),
            stream_policy,
            group_policy,
        }))
    }

    fn decide_configure(
        &self,
        key: &[u8],
        group: Option<&[u8]>,
        stream_patch: &StreamPolicyPatch,
        group_patch: &GroupPolicyPatch,
    ) -> Result<Decision, CommandError> {
        if stream_patch.is_empty() && group_patch.is_empty() {
            return Err(CommandError::InvalidArgument(
                "no policy option given, nothing to change".into(),
            ));
        }
        let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
        let stream_policy = stream_patch.apply_to(&stream.queue.policy);
        check_stream_policy(&stream_policy)?;
        let group = match group {
            None if !group_patch.is_empty() => {
                return Err(CommandError::InvalidArgument(
                    "group policy options need GROUP <name>".into(),
                ));
            }
            None => None,
            Some(name) => {
                let (_, g) = self.group_for_claim(key, name)?;
                let current = g.policy.clone().unwrap_or_default();
                let policy = group_patch.apply_to(&current);
                check_group_policy(key, &policy)?;
                let dead_letter = policy.dead_letter.clone();
                check_dead_letter_name(key, &dead_letter.unwrap_or_else(|| dead_letter_name(key)))?;
                Some((name.to_vec(), policy))
            }
        };
        Ok(Decision::Write(Op::SetPolicies {
            key: key.to_vec(),
            stream_policy,
            group,
        }))
    }

    fn check_stream_room(&self) -> Result<(), CommandError> {
        if self.streams.len() >= STREAMS_MAX {
            let n = self.streams.len();
            return Err(CommandError::limit("stream count", n, STREAMS_MAX));
        }
        Ok(())
    }

    pub(crate) fn decide_publish(
        &self,
        now: u64,
        publish: &Publish,
    ) -> Result<Decision, CommandError> {
        check_name("key", &publish.key)?;
        check_entry(&publish.fields)?;
        if publish.fields.is_empty() {
            return Err(CommandError::InvalidArgument(
                "a message needs at least one field".into(),
            ));
        }
        let not_before_ms = match publish.delay {
            Delay::None => None,
            Delay::AfterMs(ms) => {
                check_delay(ms)?;
                (ms > 0).then(|| now.saturating_add(ms))
            }
            Delay::AtMs(at) => {
                check_delay(at.saturating_sub(now))?;
                (at > now).then_some(at)
            }
        };
        let stream = self.streams.get(&publish.key);
        if let Some(key) = &publish.dedup_key {
            check_name("key", key)?;
            if let Some(id) = stream.and_then(|s| s.queue.duplicate_of(key, now)) {
                return Ok(Decision::Write(Op::Duplicate {
                    key: publish.key.clone(),
                    id,
                }));
            }
            if stream.is_some_and(|s| s.queue.live_dedup_keys(now) >= DEDUP_KEYS_MAX) {
                return Err(CommandError::limit(
                    "deduplication keys on the stream",
                    DEDUP_KEYS_MAX,
                    DEDUP_KEYS_MAX,
                ));
            }
        }
        let data = EntryData::pack(&publish.fields);
        match stream {
            None => self.check_stream_room()?,
            Some(s) => check_room(s, &publish.key, 1, data_bytes(&data))?,
        }
        let last = stream.map_or(StreamId::ZERO, Stream::last_id);
        let id = next_id(now, last, IdSpec::Auto)?;
        Ok(Decision::Write(Op::Publish {
            key: publish.key.clone(),
            id,
            data,
            not_before_ms,
            dedup_key: publish.dedup_key.clone(),
        }))
    }

    pub(crate) fn decide_receive(
        &self,
        now: u64,
        receive: &Receive,
    ) -> Result<Decision, CommandError> {
        check_name("consumer", &receive.consumer)?;
        if receive.count == 0 || receive.count > RECEIVE_COUNT_MAX {
            return Err(CommandError::InvalidArgument(format!(
                "receive count is {}, it must be 1 to {RECEIVE_COUNT_MAX}",
                receive.count
            )));
        }
        if let Some(ms) = receive.lease_ms
            && ms > LEASE_MS_MAX
        {
            return Err(CommandError::limit(
                "lease ms",
                ms as usize,
                LEASE_MS_MAX as usize,
            ));
        }
        let (stream, g) = self.group_for_claim(&receive.key, &receive.group)?;
        if !g.consumers.contains_key(&receive.consumer)
            && g.consumers.len() >= CONSUMERS_PER_GROUP_MAX
        {
            let n = g.consumers.len();
            return Err(CommandError::limit(
                "consumers in the group",
                n,
                CONSUMERS_PER_GROUP_MAX,
            ));
        }
        let plan = plan(stream, g, receive, now);
        if plan.is_empty() {
            return Ok(Decision::Read(Reply::Messages(Vec::new())));
        }
        // Expired leases are redelivered from the PEL: only waiting and new entries add to it.
        let added = plan.deliveries() - plan.expired();
        if g.pel.len() + added > PENDING_PER_GROUP_MAX {
            return Err(CommandError::limit(
                "pending entries in the group",
                g.pel.len() + added,
                PENDING_PER_GROUP_MAX,
            ));
        }
        let dead_letter = dead_letter_of(&receive.key, g);
        check_dead_letter_name(&receive.key, &dead_letter)?;
        if !plan.dead.is_empty() {
            self.check_dead_letter_room(now, &dead_letter, plan.dead.len())?;
        }
        Ok(Decision::Write(Op::Receive {
            receive: receive.clone(),
            dead_letter,
        }))
    }

    /// `count` dead letters must be appendable: the stream may be created and has ids left
    /// for all of them (`apply` cannot fail halfway).
    fn check_dead_letter_room(
        &self,
        now: u64,
        dead_letter: &[u8],
        count: usize,
    ) -> Result<(), CommandError> {
        match self.streams.get(dead_letter) {
            None => self.check_stream_room(),
            Some(s) => check_ids_left(now, s.last_id(), count),
        }
    }

    fn decide_redrive(&self, now: u64, redrive: &Redrive) -> Result<Decision, CommandError> {
        if let Some(to) = &redrive.to {
            check_name("key", to)?;
        }
        if redrive.count > REDRIVE_COUNT_MAX {
            return Err(CommandError::Limit {
                what: "redrive count",
                value: redrive.count,
                limit: REDRIVE_COUNT_MAX,
            });
        }
        let dlq = self
            .streams
            .get(&redrive.dead_letter)
            .ok_or(CommandError::NoSuchKey)?;
        let count = match redrive.count {
            0 => REDRIVE_COUNT_MAX,
            n => n,
        };
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let mut moves = Vec::new();
        let mut per_target: std::collections::BTreeMap<Vec<u8>, (u64, u64)> = Default::default();
        for entry in dlq.range(redrive.start, redrive.end, count, false) {
            let target = match &redrive.to {
                Some(to) => to.clone(),
                None => match dead_letter_source(&entry.data) {
                    Some(source) => source,
                    None => continue,
                },
            };
            // cq-source is entry data: any client could have written it.
            check_name("key", &target).map_err(|_| {
                CommandError::InvalidArgument(format!(
                    "dead letter {} names a source stream longer than {NAME_BYTES_MAX} bytes",
                    entry.id
                ))
            })?;
            if target == redrive.dead_letter {
                return Err(CommandError::InvalidArgument(format!(
                    "redrive of {} would go back to the dead-letter stream '{}'",
                    entry.id,
                    show(&target)
                )));
            }
            let bytes = data_bytes(&strip_dead_letter_fields(&entry.data));
            let added = per_target.entry(target.clone()).or_default();
            added.0 += 1;
            added.1 += bytes;
            moves.push((entry.id, target));
        }
        if moves.is_empty() {
            return Ok(Decision::Read(Reply::Int(0)));
        }
        let new_streams = per_target
            .keys()
            .filter(|t| !self.streams.contains_key(*t))
            .count();
        if self.streams.len() + new_streams > STREAMS_MAX {
            return Err(CommandError::limit(
                "stream count",
                self.streams.len() + new_streams,
                STREAMS_MAX,
            ));
        }
        for (target, (entries, bytes)) in &per_target {
            if let Some(s) = self.streams.get(target) {
                check_room(s, target, *entries, *bytes)?;
                let n = usize::try_from(*entries).unwrap_or(usize::MAX);
                check_ids_left(now, s.last_id(), n)?;
            }
        }
        Ok(Decision::Write(Op::Redrive {
            dead_letter: redrive.dead_letter.clone(),
            moves,
        }))
    }
}

/// Whether `count` entries can still get auto ids after `last` at `now`.
fn check_ids_left(now: u64, mut last: StreamId, count: usize) -> Result<(), CommandError> {
    for _ in 0..count {
        last = next_id(now, last, IdSpec::Auto)?;
    }
    Ok(())
}

/// The dead-letter stream must be a valid name and not the stream itself (a RENAME can make a
/// policy's dead-letter stream the stream it belongs to).
fn check_dead_letter_name(key: &[u8], dead_letter: &[u8]) -> Result<(), CommandError> {
    check_name("key", dead_letter)?;
    if dead_letter == key {
        return Err(CommandError::InvalidPolicy(format!(
            "the dead-letter stream of '{}' is the stream itself",
            show(key)
        )));
    }
    Ok(())
}

/// XREADGROUP `>` of one stream from a group with a policy, as the receive it is: COUNT 0 or
/// none means as many as a receive may hand out. Paired with `decide_policy_read`.
pub(crate) fn read_group_receive(
    key: &[u8],
    group: &[u8],
    consumer: &[u8],
    count: Option<u64>,
) -> Receive {
    let count = match count {
        None | Some(0) => RECEIVE_COUNT_MAX,
        Some(n) => n.min(RECEIVE_COUNT_MAX),
    };
    Receive {
        key: key.to_vec(),
        group: group.to_vec(),
        consumer: consumer.to_vec(),
        count,
        lease_ms: None,
    }
}

fn check_delay(ms: u64) -> Result<(), CommandError> {
    if ms > DELAY_MS_MAX {
        return Err(CommandError::Limit {
            what: "delay ms",
            value: ms,
            limit: DELAY_MS_MAX,
        });
    }
    Ok(())
}

fn check_settle(action: &Settle, handles: usize) -> Result<(), CommandError> {
    if handles == 0 {
        return Err(CommandError::InvalidArgument("no handle given".into()));
    }
    if handles > HANDLES_PER_COMMAND_MAX {
        return Err(CommandError::limit(
            "handles in one command",
            handles,
            HANDLES_PER_COMMAND_MAX,
        ));
    }
    match action {
        Settle::Ack => Ok(()),
        Settle::Nack { delay_ms, reason } => {
            check_delay(delay_ms.unwrap_or(0))?;
            check_reason(reason)
        }
        Settle::Touch { lease_ms } => match lease_ms {
            Some(ms) if *ms > LEASE_MS_MAX => Err(CommandError::Limit {
                what: "lease ms",
                value: *ms,
                limit: LEASE_MS_MAX,
            }),
            _ => Ok(()),
        },
        Settle::Term { reason } => check_reason(reason),
    }
}

fn check_reason(reason: &[u8]) -> Result<(), CommandError> {
    if reason.len() > REASON_BYTES_MAX {
        return Err(CommandError::limit(
            "reason length",
            reason.len(),
            REASON_BYTES_MAX,
        ));
    }
    Ok(())
}

/// Whether `entries` more entries of `bytes` fit the stream's limits; under `drop-oldest` they
/// always do (older entries make room), unless one alone is larger than the byte limit.
pub(crate) fn check_room(
    s: &Stream,
    key: &[u8],
    entries: u64,
    bytes: u64,
) -> Result<(), CommandError> {
    let p: &StreamPolicy = &s.queue.policy;
    let full = |what: &'static str, value: u64, limit: u64| CommandError::QueueFull {
        key: show(key),
        what,
        value,
        limit,
    };
    if p.bytes_max > 0 && bytes > p.bytes_max {
        return Err(full("bytes", bytes, p.bytes_max));
    }
    if p.overflow == Overflow::DropOldest {
        return Ok(());
    }
    if p.entries_max > 0 && s.len() + entries > p.entries_max {
        return Err(full("entries", s.len() + entries, p.entries_max));
    }
    if p.bytes_max > 0 && s.bytes + bytes > p.bytes_max {
        return Err(full("bytes", s.bytes + bytes, p.bytes_max));
    }
    Ok(())
}

/// The dead-letter stream of `g` on stream `key`.
pub(crate) fn dead_letter_of(key: &[u8], g: &Group) -> Vec<u8> {
    g.policy
        .as_ref()
        .and_then(|p: &GroupPolicy| p.dead_letter.clone())
        .unwrap_or_else(|| dead_letter_name(key))
}

/// The stream a dead letter came from, if it carries the dead-letter fields.
fn dead_letter_source(data: &EntryData) -> Option<Vec<u8>> {
    let mut pairs = data.pairs();
    let (field, value) = pairs.next()?;
    (field == DEAD_LETTER_FIELDS[0]).then(|| value.to_vec())
}

/// The original fields of a dead letter (all fields if it does not carry the dead-letter ones).
pub(crate) fn strip_dead_letter_fields(data: &EntryData) -> EntryData {
    let fields = data.to_fields();
    let tagged = fields.len() > DEAD_LETTER_FIELDS.len()
        && fields
            .iter()
            .zip(DEAD_LETTER_FIELDS)
            .all(|((f, _), name)| f.as_slice() == name);
    if tagged {
        EntryData::pack(&fields[DEAD_LETTER_FIELDS.len()..])
    } else {
        data.clone()
    }
}
