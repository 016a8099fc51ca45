//! What the engine answers, typed, so each adapter (RESP2, RESP3, HTTP/JSON) encodes it in one
//! place without re-deriving anything.

use crate::StreamId;
use crate::entry::{Entry, EntryData};

/// An entry in a read reply; `data` is `None` for a pending entry that was deleted since it was
/// delivered (Redis replies with the id and a null).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadItem {
    pub id: StreamId,
    pub data: Option<EntryData>,
}

/// The entries read from one stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRead {
    pub key: Vec<u8>,
    pub items: Vec<ReadItem>,
}

/// XPENDING's summary form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSummary {
    pub count: u64,
    /// Smallest and largest pending ids; `None` when nothing is pending.
    pub bounds: Option<(StreamId, StreamId)>,
    /// Pending count per consumer that has any, by name.
    pub consumers: Vec<(Vec<u8>, u64)>,
}

/// One row of XPENDING's extended form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingItem {
    pub id: StreamId,
    pub consumer: Vec<u8>,
    pub idle_ms: u64,
    pub delivery_count: u64,
}

/// XINFO STREAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInfo {
    pub length: u64,
    pub nodes: u64,
    pub last_generated_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    pub first_id: StreamId,
    pub groups: u64,
    pub first_entry: Option<Entry>,
    pub last_entry: Option<Entry>,
}

/// XINFO GROUPS, one group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: Vec<u8>,
    pub consumers: u64,
    pub pending: u64,
    pub last_delivered_id: StreamId,
    pub entries_read: Option<u64>,
    /// Entries added but not yet read by the group, `None` when unknown. Signed as in Redis
    /// 7.0: ENTRIESREAD past the stream's entries-added gives a negative lag.
    pub lag: Option<i64>,
}

/// XINFO CONSUMERS, one consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub name: Vec<u8>,
    pub pending: u64,
    pub idle_ms: u64,
    /// Time since the consumer last read or claimed something; `None` if it never did.
    pub inactive_ms: Option<u64>,
}

/// A pending entry as XINFO STREAM FULL shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullPending {
    pub id: StreamId,
    pub consumer: Vec<u8>,
    pub delivery_time: u64,
    pub delivery_count: u64,
}

/// A consumer as XINFO STREAM FULL shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullConsumer {
    pub name: Vec<u8>,
    pub seen_time: u64,
    pub active_time: Option<u64>,
    pub pel_count: u64,
    pub pending: Vec<FullPending>,
}

/// A group as XINFO STREAM FULL shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullGroup {
    pub info: GroupInfo,
    pub pending: Vec<FullPending>,
    pub consumers: Vec<FullConsumer>,
}

/// XINFO STREAM FULL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInfoFull {
    pub length: u64,
    pub nodes: u64,
    pub last_generated_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    pub first_id: StreamId,
    pub entries: Vec<Entry>,
    pub groups: Vec<FullGroup>,
}

/// A command's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Ok,
    Int(i64),
    /// Nothing (XADD NOMKSTREAM on a missing stream).
    Nil,
    Id(StreamId),
    Entries(Vec<Entry>),
    Ids(Vec<StreamId>),
    /// XREAD / XREADGROUP; `None` when no stream had anything (Redis's null array), which is
    /// also when a blocking read waits.
    Read(Option<Vec<StreamRead>>),
    AutoClaimed {
        next: StreamId,
        entries: Vec<Entry>,
        ids: Vec<StreamId>,
        deleted: Vec<StreamId>,
    },
    PendingSummary(PendingSummary),
    PendingRange(Vec<PendingItem>),
    StreamInfo(Box<StreamInfo>),
    StreamInfoFull(Box<StreamInfoFull>),
    Groups(Vec<GroupInfo>),
    Consumers(Vec<ConsumerInfo>),
    Keys(Vec<Vec<u8>>),
    /// CQ.PUBLISH: the entry's id; `duplicate` when the idempotency key was seen within the
    /// window and the id is the first publish's.
    Published {
        id: StreamId,
        duplicate: bool,
    },
    /// CQ.RECEIVE; empty when nothing is due, which is also when a blocking receive waits.
    Messages(Vec<crate::queue::Message>),
    /// Ack / nack / touch / term, one outcome per handle in the order given.
    Settled(Vec<crate::queue::SettleOutcome>),
    Queues(Vec<crate::queue::QueueInfo>),
    /// CQ.STATUS: one entry's status in one group.
    Status(Box<crate::queue::EntryStatus>),
    /// CQ.LOCK: granted, or refused with the holder.
    Lock(crate::lock::LockAcquired),
    /// CQ.RENEW: the grant's token and new end.
    LockRenewed {
        token: u64,
        until_ms: u64,
    },
    /// CQ.LOCKINFO.
    LockInfo(Box<crate::lock::LockInfo>),
    /// CQ.ROOM.*: the room after the command.
    Room(Box<crate::room::RoomView>),
    /// CQ.REQUEST: the handler's reply.
    RequestAnswer(Box<crate::request::RequestAnswer>),
    /// CQ.REPLY: 1 when a waiting caller got the reply, 0 when it was dropped.
    Delivered(u64),
    /// CQ.SEND: each recipient with the id of its copy, in the order they were named.
    Sent(Vec<(Vec<u8>, StreamId)>),
    /// CQ.CONV.*: the conversation after the command.
    Conv(Box<crate::conversation::ConvView>),
}

impl Reply {
    /// Whether this is a read that found nothing, so a blocking caller may wait.
    pub fn is_empty_read(&self) -> bool {
        match self {
            Reply::Read(None) => true,
            Reply::Messages(messages) => messages.is_empty(),
            // A refused acquire with WAIT waits for the release or the end of the grant.
            Reply::Lock(crate::lock::LockAcquired::Refused { .. }) => true,
            _ => false,
        }
    }
}
