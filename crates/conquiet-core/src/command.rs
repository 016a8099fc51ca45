//! What callers ask of the engine (`Command`), and the resolved changes the log records (`Op`).
//! A `Command` may hold choices left to the engine (`*` ids, `$`); an `Op` holds none, so
//! applying it again during recovery gives the same state.

use crate::StreamId;
use crate::entry::{EntryData, Field};
use crate::queue::{
    GroupPolicy, GroupPolicyPatch, Handle, Publish, Receive, Redrive, Settle, StreamPolicy,
    StreamPolicyPatch,
};
use crate::stream::Trim;

/// The id a new entry asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdSpec {
    /// `*`: from the clock.
    Auto,
    /// `<ms>-*`: the given ms, next sequence.
    AutoSeq(u64),
    /// `<ms>-<seq>` (or `<ms>`, seq 0).
    Explicit(StreamId),
}

/// Where a plain read starts: after an id, or after the last entry at the time of the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    After(StreamId),
    Last,
}

/// Where a group read starts: new entries (`>`), or the consumer's own pending entries after an
/// id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupReadFrom {
    New,
    PendingAfter(StreamId),
}

/// Where a group starts: at an id, or at the stream's last id (`$`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupStart {
    Id(StreamId),
    Last,
}

/// XCLAIM's arguments, already parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub key: Vec<u8>,
    pub group: Vec<u8>,
    pub consumer: Vec<u8>,
    pub idle_min_ms: u64,
    pub ids: Vec<StreamId>,
    /// IDLE: the new delivery time is `now - idle` (`now` if that is before 0, as in Redis).
    pub idle_ms: Option<u64>,
    /// TIME: the new delivery time, absolute (`now` if later than `now`). Redis obeys whichever
    /// of IDLE and TIME comes last, so adapters pass only that one; given both, TIME wins.
    pub time_ms: Option<u64>,
    pub retry_count: Option<u64>,
    pub force: bool,
    pub just_id: bool,
    pub last_id: Option<StreamId>,
}

/// XAUTOCLAIM's arguments, already parsed. `count` is checked against `AUTOCLAIM_COUNT_MAX`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutoClaim {
    pub key: Vec<u8>,
    pub group: Vec<u8>,
    pub consumer: Vec<u8>,
    pub idle_min_ms: u64,
    pub start: StreamId,
    pub count: u64,
    pub just_id: bool,
}

/// The extended form of XPENDING.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRange {
    pub idle_min_ms: Option<u64>,
    pub start: StreamId,
    pub end: StreamId,
    pub count: u64,
    pub consumer: Option<Vec<u8>>,
}

/// A request to the engine. Range bounds are inclusive; adapters turn `(`, `-` and `+` into
/// plain ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Add {
        key: Vec<u8>,
        id: IdSpec,
        fields: Vec<Field>,
        no_create: bool,
        trim: Option<Trim>,
    },
    Len {
        key: Vec<u8>,
    },
    /// XRANGE, or XREVRANGE when `rev`: then `start` is the high bound, in the command's
    /// order. COUNT 0 answers nothing, as in Redis; any count is capped at `READ_COUNT_MAX`.
    Range {
        key: Vec<u8>,
        start: StreamId,
        end: StreamId,
        count: Option<u64>,
        rev: bool,
    },
    /// XREAD. COUNT 0 or none means no limit, as in Redis, capped at `READ_COUNT_MAX`.
    Read {
        streams: Vec<(Vec<u8>, ReadFrom)>,
        count: Option<u64>,
    },
    Delete {
        key: Vec<u8>,
        ids: Vec<StreamId>,
    },
    Trim {
        key: Vec<u8>,
        trim: Trim,
    },
    SetId {
        key: Vec<u8>,
        last_id: StreamId,
        entries_added: Option<u64>,
        max_deleted_id: Option<StreamId>,
    },
    GroupCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        start: GroupStart,
        make_stream: bool,
        entries_read: Option<u64>,
    },
    GroupSetId {
        key: Vec<u8>,
        group: Vec<u8>,
        start: GroupStart,
        entries_read: Option<u64>,
    },
    GroupDestroy {
        key: Vec<u8>,
        group: Vec<u8>,
    },
    ConsumerCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        consumer: Vec<u8>,
    },
    ConsumerDelete {
        key: Vec<u8>,
        group: Vec<u8>,
        consumer: Vec<u8>,
    },
    /// XREADGROUP; COUNT as in `Read`. Decided as a read (no record) when only `>` reads
    /// with nothing new are asked, since Redis then changes nothing, not even the consumer.
    ReadGroup {
        group: Vec<u8>,
        consumer: Vec<u8>,
        streams: Vec<(Vec<u8>, GroupReadFrom)>,
        count: Option<u64>,
        no_ack: bool,
    },
    Ack {
        key: Vec<u8>,
        group: Vec<u8>,
        ids: Vec<StreamId>,
    },
    Pending {
        key: Vec<u8>,
        group: Vec<u8>,
        range: Option<PendingRange>,
    },
    Claim(Claim),
    AutoClaim(AutoClaim),
    /// XINFO STREAM; `full` is FULL's COUNT (0 for everything, capped at `READ_COUNT_MAX`).
    InfoStream {
        key: Vec<u8>,
        full: Option<u64>,
    },
    InfoGroups {
        key: Vec<u8>,
    },
    InfoConsumers {
        key: Vec<u8>,
        group: Vec<u8>,
    },
    /// DEL / UNLINK of whole streams.
    DeleteKeys {
        keys: Vec<Vec<u8>>,
    },
    Exists {
        keys: Vec<Vec<u8>>,
    },
    /// Names of all streams, in byte order.
    Keys,
    /// RENAME: the stream `from` becomes `to`, replacing any stream named `to`.
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    /// CONFIG SET of the node limits; entries added later use them.
    SetConfig {
        node: crate::NodeLimits,
    },
    /// CQ.CREATE: the stream (empty if new) and the group (reading from the start) with the
    /// patches applied over the defaults; an existing group is `BUSYGROUP`.
    QueueCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        stream_policy: StreamPolicyPatch,
        group_policy: GroupPolicyPatch,
    },
    /// CQ.SET: changes the policy of an existing stream and, when `group` is given, of that
    /// group (a group without a policy starts from the empty policy, not the defaults).
    QueueConfigure {
        key: Vec<u8>,
        group: Option<Vec<u8>>,
        stream_policy: StreamPolicyPatch,
        group_policy: GroupPolicyPatch,
    },
    /// CQ.INFO of one stream: `Reply::Queues` with one item.
    QueueInfo {
        key: Vec<u8>,
    },
    /// CQ.STATUS: where entry `id` is for `group` (`Reply::Status`). A read: no record.
    QueueStatus {
        key: Vec<u8>,
        group: Vec<u8>,
        id: StreamId,
    },
    /// CQ.QUEUES / CQ.DLQ LIST: every stream, or only those holding dead letters.
    QueueList {
        dead_letters_only: bool,
    },
    Publish(Publish),
    Receive(Receive),
    /// Ack, nack, touch or term of each handle; each has its own outcome.
    Settle {
        key: Vec<u8>,
        group: Vec<u8>,
        action: Settle,
        handles: Vec<Handle>,
    },
    Redrive(Redrive),
    /// Removes every entry of a (dead-letter) stream, keeping the stream and its groups.
    Purge {
        key: Vec<u8>,
    },
    /// CQ.LOCK: `Reply::Lock`, granted or refused (held by another owner).
    LockAcquire(crate::lock::Acquire),
    /// CQ.UNLOCK: `Reply::Int` (1 released, 0 the grant had already ended), or `LockStale`.
    LockRelease {
        name: Vec<u8>,
        owner: Vec<u8>,
        token: u64,
    },
    /// CQ.RENEW: `Reply::LockRenewed`, or `LockStale`.
    LockRenew {
        name: Vec<u8>,
        owner: Vec<u8>,
        token: u64,
        ttl_ms: u64,
    },
    /// CQ.LOCKINFO: `Reply::LockInfo`. A read.
    LockInfo {
        name: Vec<u8>,
    },
    /// Releases the locks bound to a connection that closed (`Reply::Int`: how many), or with
    /// `None` those bound to any connection (at server start, none of them survived), at most
    /// `LOCK_RELEASES_PER_OP_MAX` at a time: repeat until it answers 0.
    LockReleaseBound {
        connection: Option<u64>,
    },
    /// CQ.ROOM.*: `Reply::Room` (the room after the command); the writer's timer sends
    /// `RoomCommand::Expire` (`Reply::Room`, or `Nil` when no turn ended).
    Room(crate::room::RoomCommand),
    /// CQ.REQUEST: decided as the publish of the request entry (`Reply::Published`, its id
    /// the correlation id); the writer then holds the caller until the reply or the timeout.
    Request(crate::request::Request),
    /// CQ.REPLY: `Reply::Delivered` (1 when a caller waited and got it, 0 when it was
    /// dropped); routed by the writer, nothing logged.
    Reply(crate::request::ReplyTo),
    /// CQ.SEND: one copy of the message to each recipient queue, all or none
    /// (`Reply::Sent`: each recipient with its entry id).
    Send(crate::send::Send),
    /// CQ.CONV.*: `Reply::Conv` (the conversation after the command).
    Conv(crate::conversation::ConvCommand),
}

impl Command {
    /// Whether the command can change state (and so needs a log record when it does).
    /// Every stream the command may change or read (for undo copies, WATCH, and waking
    /// blocked readers).
    pub fn keys(&self) -> Vec<&[u8]> {
        match self {
            Command::Add { key, .. }
            | Command::Len { key }
            | Command::Range { key, .. }
            | Command::Delete { key, .. }
            | Command::Trim { key, .. }
            | Command::SetId { key, .. }
            | Command::GroupCreate { key, .. }
            | Command::GroupSetId { key, .. }
            | Command::GroupDestroy { key, .. }
            | Command::ConsumerCreate { key, .. }
            | Command::ConsumerDelete { key, .. }
            | Command::Ack { key, .. }
            | Command::Pending { key, .. }
            | Command::InfoStream { key, .. }
            | Command::InfoGroups { key }
            | Command::InfoConsumers { key, .. }
            | Command::QueueCreate { key, .. }
            | Command::QueueConfigure { key, .. }
            | Command::QueueInfo { key }
            | Command::QueueStatus { key, .. }
            | Command::Settle { key, .. }
            | Command::Purge { key } => vec![key],
            Command::Publish(p) => vec![&p.key],
            Command::Receive(r) => vec![&r.key],
            Command::Request(r) => vec![&r.service],
            // Every recipient: a send in MULTI is undone from their copies like a publish.
            Command::Send(s) => s.recipients.iter().map(Vec::as_slice).collect(),
            Command::Redrive(r) => vec![&r.dead_letter],
            Command::Read { streams, .. } => streams.iter().map(|(k, _)| k.as_slice()).collect(),
            Command::ReadGroup { streams, .. } => {
                streams.iter().map(|(k, _)| k.as_slice()).collect()
            }
            Command::Claim(c) => vec![&c.key],
            Command::AutoClaim(c) => vec![&c.key],
            Command::DeleteKeys { keys } | Command::Exists { keys } => {
                keys.iter().map(Vec::as_slice).collect()
            }
            // Lock names are not streams: nothing to copy, watch or wake by stream.
            Command::Keys
            | Command::SetConfig { .. }
            | Command::QueueList { .. }
            | Command::LockAcquire(_)
            | Command::LockRelease { .. }
            | Command::LockRenew { .. }
            | Command::LockInfo { .. }
            | Command::LockReleaseBound { .. }
            // A reply goes to a waiting caller, not to a stream.
            | Command::Reply(_)
            // A room's stream is the engine's to append to, named by its ops.
            | Command::Room(_)
            // So is a conversation's.
            | Command::Conv(_) => Vec::new(),
            Command::Rename { from, to } => vec![from, to],
        }
    }

    /// Whether this is a lock command (`lock` decides it).
    pub fn is_lock(&self) -> bool {
        matches!(
            self,
            Command::LockAcquire(_)
                | Command::LockRelease { .. }
                | Command::LockRenew { .. }
                | Command::LockInfo { .. }
                | Command::LockReleaseBound { .. }
        )
    }

    /// The lock a blocked acquire waits for.
    pub fn lock_name(&self) -> Option<&[u8]> {
        match self {
            Command::LockAcquire(a) => Some(&a.name),
            _ => None,
        }
    }

    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Command::Len { .. }
                | Command::Range { .. }
                | Command::Read { .. }
                | Command::Pending { .. }
                | Command::InfoStream { .. }
                | Command::InfoGroups { .. }
                | Command::InfoConsumers { .. }
                | Command::Exists { .. }
                | Command::Keys
                | Command::QueueInfo { .. }
                | Command::QueueStatus { .. }
                | Command::QueueList { .. }
                | Command::LockInfo { .. }
                | Command::Room(crate::room::RoomCommand::Info { .. })
                | Command::Conv(crate::conversation::ConvCommand::Info { .. })
                | Command::Reply(_)
        )
    }

    /// What a blocking read answers when its wait ends with nothing.
    pub fn empty_reply(&self) -> crate::Reply {
        match self {
            Command::Receive(_) => crate::Reply::Messages(Vec::new()),
            // A policy group's XREADGROUP answers messages, shaped as a read by the adapter.
            _ => crate::Reply::Read(None),
        }
    }
}

/// A resolved change: what the log stores and `Engine::apply` performs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Add {
        key: Vec<u8>,
        id: StreamId,
        data: EntryData,
        trim: Option<Trim>,
    },
    Delete {
        key: Vec<u8>,
        ids: Vec<StreamId>,
    },
    Trim {
        key: Vec<u8>,
        trim: Trim,
    },
    SetId {
        key: Vec<u8>,
        last_id: StreamId,
        entries_added: u64,
        max_deleted_id: StreamId,
    },
    GroupCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        last_id: StreamId,
        entries_read: Option<u64>,
    },
    GroupSetId {
        key: Vec<u8>,
        group: Vec<u8>,
        last_id: StreamId,
        entries_read: Option<u64>,
    },
    GroupDestroy {
        key: Vec<u8>,
        group: Vec<u8>,
    },
    ConsumerCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        consumer: Vec<u8>,
    },
    ConsumerDelete {
        key: Vec<u8>,
        group: Vec<u8>,
        consumer: Vec<u8>,
    },
    ReadGroup {
        group: Vec<u8>,
        consumer: Vec<u8>,
        streams: Vec<(Vec<u8>, GroupReadFrom)>,
        count: Option<u64>,
        no_ack: bool,
    },
    Ack {
        key: Vec<u8>,
        group: Vec<u8>,
        ids: Vec<StreamId>,
    },
    Claim(Claim),
    AutoClaim(AutoClaim),
    DeleteKeys {
        keys: Vec<Vec<u8>>,
    },
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    SetConfig {
        node: crate::NodeLimits,
    },
    QueueCreate {
        key: Vec<u8>,
        group: Vec<u8>,
        stream_policy: StreamPolicy,
        group_policy: GroupPolicy,
    },
    SetPolicies {
        key: Vec<u8>,
        stream_policy: StreamPolicy,
        group: Option<(Vec<u8>, GroupPolicy)>,
    },
    /// A publish; an overflow under `drop-oldest` is resolved by `apply` from the state.
    Publish {
        key: Vec<u8>,
        id: StreamId,
        data: EntryData,
        not_before_ms: Option<u64>,
        dedup_key: Option<Vec<u8>>,
    },
    /// A leased read; `apply` works out the same deliveries `decide` saw. `dead_letter` is the
    /// group's dead-letter stream, named here so the op lists every stream it may change.
    Receive {
        receive: Receive,
        dead_letter: Vec<u8>,
    },
    Settle {
        key: Vec<u8>,
        group: Vec<u8>,
        action: Settle,
        handles: Vec<Handle>,
        dead_letter: Vec<u8>,
    },
    /// A publish whose idempotency key was seen within the window: nothing is added; logged
    /// so the stream's duplicate counter is as durable as the rest.
    Duplicate {
        key: Vec<u8>,
        id: StreamId,
    },
    /// Each dead letter `id` goes to its target stream with a new id at the record's time.
    Redrive {
        dead_letter: Vec<u8>,
        moves: Vec<(StreamId, Vec<u8>)>,
    },
    /// A grant with its token and end time resolved by `decide`.
    LockAcquire {
        name: Vec<u8>,
        owner: Vec<u8>,
        token: u64,
        until_ms: u64,
        connection: Option<u64>,
    },
    LockRenew {
        name: Vec<u8>,
        token: u64,
        until_ms: u64,
    },
    /// Drops each named grant whose token is still the given one (UNLOCK, a connection's
    /// bound locks).
    LockRelease {
        locks: Vec<(Vec<u8>, u64)>,
    },
    /// A room created, or its events (with their entry ids) resolved by `decide`.
    Room(crate::room::RoomOp),
    /// A fan-out send: one entry appended to each recipient with the id `decide` resolved,
    /// as a publish appends it.
    Send {
        data: EntryData,
        sends: Vec<(Vec<u8>, StreamId)>,
    },
    /// A conversation created, or a message posted with its id resolved by `decide`.
    Conv(crate::conversation::ConvOp),
}

impl Op {
    /// Whether this is a work-queue op (`queue_apply` performs it, `codec::queue` encodes it).
    pub fn is_queue(&self) -> bool {
        matches!(
            self,
            Op::QueueCreate { .. }
                | Op::SetPolicies { .. }
                | Op::Publish { .. }
                | Op::Duplicate { .. }
                | Op::Receive { .. }
                | Op::Settle { .. }
                | Op::Redrive { .. }
        )
    }

    /// Whether this is a lock op (`lock` applies it, `codec::lock` encodes it).
    pub fn is_lock(&self) -> bool {
        matches!(
            self,
            Op::LockAcquire { .. } | Op::LockRenew { .. } | Op::LockRelease { .. }
        )
    }

    /// Every stream the op changes.
    pub fn keys(&self) -> Vec<&[u8]> {
        match self {
            Op::Add { key, .. }
            | Op::Delete { key, .. }
            | Op::Trim { key, .. }
            | Op::SetId { key, .. }
            | Op::GroupCreate { key, .. }
            | Op::GroupSetId { key, .. }
            | Op::GroupDestroy { key, .. }
            | Op::ConsumerCreate { key, .. }
            | Op::ConsumerDelete { key, .. }
            | Op::Ack { key, .. }
            | Op::QueueCreate { key, .. }
            | Op::SetPolicies { key, .. }
            | Op::Publish { key, .. }
            | Op::Duplicate { key, .. } => vec![key],
            Op::Receive {
                receive,
                dead_letter,
            } => vec![&receive.key, dead_letter],
            Op::Settle {
                key, dead_letter, ..
            } => vec![key, dead_letter],
            Op::Redrive { dead_letter, moves } => {
                let mut keys: Vec<&[u8]> = vec![dead_letter];
                keys.extend(moves.iter().map(|(_, to)| to.as_slice()));
                keys.sort_unstable();
                keys.dedup();
                keys
            }
            Op::ReadGroup { streams, .. } => streams.iter().map(|(k, _)| k.as_slice()).collect(),
            Op::Claim(c) => vec![&c.key],
            Op::AutoClaim(c) => vec![&c.key],
            Op::DeleteKeys { keys } => keys.iter().map(Vec::as_slice).collect(),
            Op::Rename { from, to } => vec![from, to],
            Op::SetConfig { .. }
            | Op::LockAcquire { .. }
            | Op::LockRenew { .. }
            | Op::LockRelease { .. } => Vec::new(),
            Op::Room(room) => vec![room.stream()],
            Op::Send { sends, .. } => sends.iter().map(|(k, _)| k.as_slice()).collect(),
            Op::Conv(conv) => vec![conv.stream()],
        }
    }
}

/// One log record: the ops of one command (or one transaction), applied together at
/// `time_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub time_ms: u64,
    pub ops: Vec<Op>,
}
