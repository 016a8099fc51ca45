//! The engine: every stream and group, and the two steps every command goes through.
//! `decide` reads state only and returns either a reply (reads) or the resolved `Op` to log;
//! `apply` is the only mutator, and recovery replays the log through it. Time is a parameter:
//! the same state, op and time always give the same result.

use std::collections::BTreeMap;

use crate::command::{Command, IdSpec, Op, ReadFrom, Record};
use crate::entry::{EntryData, Field};
use crate::error::CommandError;
use crate::limits::*;
use crate::reply::{ReadItem, Reply, StreamRead};
use crate::stream::{Stream, Trim};
use crate::{NodeLimits, StreamId};

/// Settings that change how the engine stores entries (Redis's CONFIG values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    pub node: NodeLimits,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            node: NodeLimits {
                entries_max: NODE_ENTRIES_DEFAULT,
                bytes_max: NODE_BYTES_DEFAULT,
            },
        }
    }
}

/// What `decide` concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changes; this is the answer.
    Read(Reply),
    /// Log this op, then `apply` it for the answer.
    Write(Op),
}

/// All streams, by name.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    pub(crate) streams: BTreeMap<Vec<u8>, Stream>,
    pub(crate) config: EngineConfig,
    pub(crate) locks: crate::lock::Locks,
    pub(crate) rooms: crate::room::Rooms,
    pub(crate) conversations: crate::conversation::Conversations,
}

impl Engine {
    /// Checks that `stream`, the stream a new room or conversation writes to, does not exist
    /// yet and that one more stream fits: `owner` names it in the error ("a room's events
    /// stream"). Paired with the create ops of `room` and `conversation`.
    pub(crate) fn check_new_stream(&self, stream: &[u8], owner: &str) -> Result<(), CommandError> {
        if self.streams.contains_key(stream) {
            return Err(CommandError::InvalidArgument(format!(
                "stream '{}' already exists; {owner} must be new",
                crate::error::show(stream)
            )));
        }
        if self.streams.len() >= STREAMS_MAX {
            return Err(CommandError::limit(
                "stream count",
                self.streams.len(),
                STREAMS_MAX,
            ));
        }
        Ok(())
    }

    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            streams: BTreeMap::new(),
            config,
            locks: crate::lock::Locks::default(),
            rooms: crate::room::Rooms::default(),
            conversations: crate::conversation::Conversations::default(),
        }
    }

    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// Changes take effect for entries added later, as in Redis.
    pub fn set_config(&mut self, config: EngineConfig) {
        self.config = config;
    }

    pub fn stream(&self, key: &[u8]) -> Option<&Stream> {
        self.streams.get(key)
    }

    /// Puts back a copy of a stream taken before ops were applied, or removes it if it did
    /// not exist: the undo for ops whose log record could not be written. The only change
    /// made outside `apply`, and it only returns to a state that `apply` produced.
    pub fn restore_stream(&mut self, key: &[u8], stream: Option<Stream>) {
        match stream {
            Some(stream) => {
                self.streams.insert(key.to_vec(), stream);
            }
            None => {
                self.streams.remove(key);
            }
        }
    }

    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// What `command` would do at time `now`. Reads state only.
    pub fn decide(&self, now: u64, command: &Command) -> Result<Decision, CommandError> {
        use Decision::Read;
        match command {
            Command::Add {
                key,
                id,
                fields,
                no_create,
                trim,
            } => self.decide_add(now, key, *id, fields, *no_create, *trim),
            Command::Len { key } => Ok(Read(Reply::Int(self.len(key) as i64))),
            Command::Range {
                key,
                start,
                end,
                count,
                rev,
            } => {
                // XRANGE COUNT 0 answers nothing in Redis, unlike XREAD's COUNT 0.
                let count = count.map_or(READ_COUNT_MAX, |n| saturate(n).min(READ_COUNT_MAX));
                let entries = match self.streams.get(key) {
                    Some(s) if *rev => s.range(*end, *start, count, true),
                    Some(s) => s.range(*start, *end, count, false),
                    None => Vec::new(),
                };
                Ok(Read(Reply::Entries(entries)))
            }
            Command::Read { streams, count } => self.read(streams, *count).map(Read),
            Command::Delete { key, ids } => {
                check_ids(ids)?;
                let Some(stream) = self.streams.get(key) else {
                    return Ok(Read(Reply::Int(0)));
                };
                if !ids.iter().any(|id| stream.get(*id).is_some()) {
                    return Ok(Read(Reply::Int(0)));
                }
                Ok(Decision::Write(Op::Delete {
                    key: key.clone(),
                    ids: ids.clone(),
                }))
            }
            Command::Trim { key, trim } => match self.streams.get(key) {
                None => Ok(Read(Reply::Int(0))),
                Some(_) => Ok(Decision::Write(Op::Trim {
                    key: key.clone(),
                    trim: self.resolve(*trim),
                })),
            },
            Command::SetId {
                key,
                last_id,
                entries_added,
                max_deleted_id,
            } => self.decide_set_id(key, *last_id, *entries_added, *max_deleted_id),
            Command::DeleteKeys { keys } => {
                if keys.iter().any(|k| self.streams.contains_key(k)) {
                    Ok(Decision::Write(Op::DeleteKeys { keys: keys.clone() }))
                } else {
                    Ok(Read(Reply::Int(0)))
                }
            }
            Command::Exists { keys } => {
                let n = keys
                    .iter()
                    .filter(|k| self.streams.contains_key(*k))
                    .count();
                Ok(Read(Reply::Int(n as i64)))
            }
            Command::Keys => Ok(Read(Reply::Keys(self.streams.keys().cloned().collect()))),
            Command::Rename { from, to } => {
                check_name("key", to)?;
                if !self.streams.contains_key(from) {
                    return Err(CommandError::NoSuchKey);
                }
                if from == to {
                    return Ok(Read(Reply::Ok));
                }
                Ok(Decision::Write(Op::Rename {
                    from: from.clone(),
                    to: to.clone(),
                }))
            }
            Command::SetConfig { node } => Ok(Decision::Write(Op::SetConfig { node: *node })),
            Command::QueueCreate { .. }
            | Command::QueueConfigure { .. }
            | Command::QueueInfo { .. }
            | Command::QueueStatus { .. }
            | Command::QueueList { .. }
            | Command::Publish(_)
            | Command::Receive(_)
            | Command::Settle { .. }
            | Command::Redrive(_)
            | Command::Purge { .. } => self.decide_queue(now, command),
            command if command.is_lock() => self.decide_lock(now, command),
            Command::Room(room) => self.decide_room(now, room),
            Command::Request(request) => self.decide_request(now, request),
            Command::Reply(reply) => self.decide_reply(reply),
            Command::Send(send) => self.decide_send(now, send),
            Command::Conv(conv) => self.decide_conv(now, conv),
            _ => self.decide_group(now, command),
        }
    }

    /// Performs `op` at time `now`. `op` came from `decide` on this same state (live), or from
    /// the log (recovery), so it cannot fail.
    pub fn apply(&mut self, now: u64, op: &Op) -> Reply {
        match op {
            Op::Add {
                key,
                id,
                data,
                trim,
            } => {
                let node = self.config.node;
                let stream = self.streams.entry(key.clone()).or_default();
                crate::queue_apply::make_room(stream, crate::stream::data_bytes(data));
                stream.append(*id, data.clone(), node);
                if let Some(trim) = trim {
                    stream.trim(*trim);
                }
                Reply::Id(*id)
            }
            Op::Delete { key, ids } => {
                let Some(stream) = self.streams.get_mut(key) else {
                    return Reply::Int(0);
                };
                let deleted = ids.iter().filter(|id| stream.delete(**id)).count();
                Reply::Int(deleted as i64)
            }
            Op::Trim { key, trim } => {
                let Some(stream) = self.streams.get_mut(key) else {
                    return Reply::Int(0);
                };
                Reply::Int(stream.trim(*trim) as i64)
            }
            Op::SetId {
                key,
                last_id,
                entries_added,
                max_deleted_id,
            } => {
                let stream = self
                    .streams
                    .get_mut(key)
                    .expect("decide checked the key exists");
                stream.last_id = *last_id;
                stream.entries_added = *entries_added;
                stream.max_deleted_id = *max_deleted_id;
                Reply::Ok
            }
            Op::Rename { from, to } => {
                let stream = self
                    .streams
                    .remove(from)
                    .expect("decide checked the key exists");
                self.streams.insert(to.clone(), stream);
                Reply::Ok
            }
            Op::SetConfig { node } => {
                self.config.node = *node;
                Reply::Ok
            }
            Op::DeleteKeys { keys } => {
                let removed = keys
                    .iter()
                    .filter(|k| self.streams.remove(*k).is_some())
                    .count();
                Reply::Int(removed as i64)
            }
            op if op.is_queue() => self.apply_queue(now, op),
            op if op.is_lock() => self.apply_lock(now, op),
            Op::Room(room) => self.apply_room(room),
            Op::Send { data, sends } => self.apply_send(now, data, sends),
            Op::Conv(conv) => self.apply_conv(conv),
            _ => self.apply_group(now, op),
        }
    }

    /// Applies every op of `record` at its time, in order.
    pub fn apply_record(&mut self, record: &Record) -> Vec<Reply> {
        record
            .ops
            .iter()
            .map(|op| self.apply(record.time_ms, op))
            .collect()
    }

    /// `decide` then `apply`: for callers with no log (tests, models).
    pub fn execute(&mut self, now: u64, command: &Command) -> Result<Reply, CommandError> {
        Ok(match self.decide(now, command)? {
            Decision::Read(reply) => reply,
            Decision::Write(op) => self.apply(now, &op),
        })
    }

    fn len(&self, key: &[u8]) -> u64 {
        self.streams.get(key).map_or(0, Stream::len)
    }

    fn decide_add(
        &self,
        now: u64,
        key: &[u8],
        id: IdSpec,
        fields: &[Field],
        no_create: bool,
        trim: Option<Trim>,
    ) -> Result<Decision, CommandError> {
        if let IdSpec::Explicit(id) = id
            && id.is_zero()
        {
            return Err(CommandError::IdZero);
        }
        check_name("key", key)?;
        check_entry(fields)?;
        let stream = self.streams.get(key);
        if stream.is_none() {
            if no_create {
                return Ok(Decision::Read(Reply::Nil));
            }
            if self.streams.len() >= STREAMS_MAX {
                return Err(CommandError::limit(
                    "stream count",
                    self.streams.len(),
                    STREAMS_MAX,
                ));
            }
        }
        let last = stream.map_or(StreamId::ZERO, Stream::last_id);
        let id = next_id(now, last, id)?;
        let data = EntryData::pack(fields);
        // A stream with a work-queue policy keeps its limits for XADD too.
        if let Some(stream) = stream {
            let bytes = crate::stream::data_bytes(&data);
            crate::queue_exec::check_room(stream, key, 1, bytes)?;
        }
        let trim = trim.map(|t| self.resolve(t));
        Ok(Decision::Write(Op::Add {
            key: key.to_vec(),
            id,
            data,
            trim,
        }))
    }

    /// Fills in Redis's default work limit for approximate trims.
    fn resolve(&self, trim: Trim) -> Trim {
        if !trim.approx || trim.limit != TRIM_LIMIT_DEFAULT {
            return trim;
        }
        let limit = 100u64.saturating_mul(self.config.node.entries_max);
        let limit = if limit == 0 {
            10_000
        } else {
            limit.min(1_000_000)
        };
        Trim { limit, ..trim }
    }

    fn decide_set_id(
        &self,
        key: &[u8],
        last_id: StreamId,
        entries_added: Option<u64>,
        max_deleted_id: Option<StreamId>,
    ) -> Result<Decision, CommandError> {
        if max_deleted_id.is_some_and(|m| last_id < m) {
            return Err(CommandError::SetIdMaxDeleted);
        }
        let stream = self.streams.get(key).ok_or(CommandError::NoSuchKey)?;
        if let Some(last) = stream.last()
            && last_id < last.id
        {
            return Err(CommandError::SetIdTooSmall);
        }
        if entries_added.is_some_and(|added| added < stream.len()) {
            return Err(CommandError::SetIdEntriesAdded);
        }
        Ok(Decision::Write(Op::SetId {
            key: key.to_vec(),
            last_id,
            entries_added: entries_added.unwrap_or(stream.entries_added),
            max_deleted_id: max_deleted_id
                .filter(|m| !m.is_zero())
                .unwrap_or(stream.max_deleted_id),
        }))
    }

    /// XREAD without a group: entries after each given id; streams with nothing are left out.
    fn read(
        &self,
        streams: &[(Vec<u8>, ReadFrom)],
        count: Option<u64>,
    ) -> Result<Reply, CommandError> {
        if streams.len() > READ_STREAMS_MAX {
            return Err(CommandError::limit(
                "streams in one read",
                streams.len(),
                READ_STREAMS_MAX,
            ));
        }
        let count = read_count(count);
        let mut out = Vec::new();
        for (key, from) in streams {
            let Some(stream) = self.streams.get(key) else {
                continue;
            };
            let ReadFrom::After(after) = from else {
                continue;
            };
            let Some(start) = after.next() else { continue };
            let items: Vec<ReadItem> = stream
                .range(start, StreamId::MAX, count, false)
                .into_iter()
                .map(|e| ReadItem {
                    id: e.id,
                    data: Some(e.data),
                })
                .collect();
            if !items.is_empty() {
                out.push(StreamRead {
                    key: key.clone(),
                    items,
                });
            }
        }
        Ok(Reply::Read((!out.is_empty()).then_some(out)))
    }

    /// Replaces `$` with each stream's last id now, so a blocked read waits for entries added
    /// after the call, as Redis does.
    pub fn resolve_last(&self, streams: &mut [(Vec<u8>, ReadFrom)]) {
        for (key, from) in streams.iter_mut() {
            if *from == ReadFrom::Last {
                *from = ReadFrom::After(
                    self.streams
                        .get(key)
                        .map_or(StreamId::ZERO, Stream::last_id),
                );
            }
        }
    }
}

/// `Trim::limit` value meaning "not given": the engine applies Redis's default.
pub const TRIM_LIMIT_DEFAULT: u64 = u64::MAX;

/// The id a new entry gets, following Redis's `streamAppendItem` rules.
pub(crate) fn next_id(now: u64, last: StreamId, spec: IdSpec) -> Result<StreamId, CommandError> {
    // Redis checks this before looking at the requested id, so explicit ids get it too.
    if last == StreamId::MAX {
        return Err(CommandError::IdExhausted);
    }
    let id = match spec {
        IdSpec::Auto => {
            if now > last.ms {
                StreamId::new(now, 0)
            } else {
                last.next().ok_or(CommandError::IdExhausted)?
            }
        }
        IdSpec::AutoSeq(ms) if ms == last.ms => {
            let seq = last.seq.checked_add(1).ok_or(CommandError::SeqExhausted)?;
            StreamId::new(ms, seq)
        }
        IdSpec::AutoSeq(ms) => StreamId::new(ms, 0),
        IdSpec::Explicit(id) => id,
    };
    if id <= last {
        return Err(CommandError::IdTooSmall);
    }
    Ok(id)
}

pub(crate) fn saturate(count: u64) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

/// A read's COUNT as a bound. Absent or 0 means no limit, as in Redis's XREAD, XREADGROUP and
/// XINFO STREAM FULL; either way at most `READ_COUNT_MAX`, so one reply stays bounded.
pub(crate) fn read_count(count: Option<u64>) -> usize {
    match count {
        None | Some(0) => READ_COUNT_MAX,
        Some(n) => saturate(n).min(READ_COUNT_MAX),
    }
}

pub(crate) fn check_name(what: &'static str, name: &[u8]) -> Result<(), CommandError> {
    if name.len() > NAME_BYTES_MAX {
        return Err(CommandError::Limit {
            what: match what {
                "group" => "group name length",
                "consumer" => "consumer name length",
                _ => "key length",
            },
            value: name.len() as u64,
            limit: NAME_BYTES_MAX as u64,
        });
    }
    Ok(())
}

pub(crate) fn check_ids(ids: &[StreamId]) -> Result<(), CommandError> {
    if ids.len() > IDS_PER_COMMAND_MAX {
        return Err(CommandError::limit(
            "ids in one command",
            ids.len(),
            IDS_PER_COMMAND_MAX,
        ));
    }
    Ok(())
}

pub(crate) fn check_entry(fields: &[Field]) -> Result<(), CommandError> {
    if fields.len() > ENTRY_FIELDS_MAX {
        return Err(CommandError::limit(
            "fields in the entry",
            fields.len(),
            ENTRY_FIELDS_MAX,
        ));
    }
    let mut bytes = 0usize;
    for (field, value) in fields {
        let largest = field.len().max(value.len());
        if largest > FIELD_BYTES_MAX {
            return Err(CommandError::limit(
                "field or value size",
                largest,
                FIELD_BYTES_MAX,
            ));
        }
        bytes = bytes
            .saturating_add(field.len())
            .saturating_add(value.len());
    }
    if bytes > ENTRY_BYTES_MAX {
        return Err(CommandError::limit(
            "entry size in bytes",
            bytes,
            ENTRY_BYTES_MAX,
        ));
    }
    Ok(())
}
