//! Work-queue policies and the commands and replies that use them. A stream may carry a
//! [`StreamPolicy`] (limits with an overflow rule, a deduplication window, work-queue retention);
//! a consumer group may carry a [`GroupPolicy`] (lease, redelivery with backoff, max deliveries
//! then a dead-letter stream, pending limits). Groups without a policy keep Redis's semantics.
//!
//! This module holds the types only; `queue_exec` decides and applies the commands, and
//! `queue_state` keeps the per-entry state (delays, waiting redeliveries, dedup keys).

use crate::StreamId;
use crate::entry::{EntryData, Field};

/// What a publish does when a stream's entry or byte limit is reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// The producer gets a "full" error and nothing is added.
    #[default]
    Reject,
    /// The oldest entries are removed until the new one fits (even if still pending).
    DropOldest,
}

/// When entries leave a stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Retention {
    /// Only by limits, trims and deletes (Redis streams).
    #[default]
    Limits,
    /// Also once every group has acked it (or dead-lettered it).
    WorkQueue,
}

/// Limits and rules of one stream. 0 means "no limit" for the limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamPolicy {
    pub entries_max: u64,
    /// Sum of field and value bytes of the live entries.
    pub bytes_max: u64,
    pub overflow: Overflow,
    /// A publish with an idempotency key seen within this window adds nothing; 0 means the
    /// default, `DEDUP_WINDOW_DEFAULT_MS` (two minutes).
    pub dedup_window_ms: u64,
    pub retention: Retention,
}

/// How long a nacked entry waits before its next delivery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Backoff {
    /// Redeliverable at once.
    #[default]
    None,
    /// `base_ms * factor^(deliveries-1)`, at most `max_ms`, minus up to `jitter_percent` of it,
    /// drawn from a hash of `seed`, the entry id and the delivery count (deterministic, so
    /// replaying the log gives the same times).
    Exponential {
        base_ms: u64,
        /// The factor in thousandths: 2000 doubles.
        factor_milli: u64,
        max_ms: u64,
        jitter_percent: u64,
        seed: u64,
    },
    /// The n-th delivery's nack waits `delays[n-1]`; the last one repeats.
    List(Vec<u64>),
}

/// Delivery rules of one consumer group. 0 means "none" / "no limit" for the numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupPolicy {
    /// A delivery not acked within this is redelivered by the next `>` read.
    pub lease_ms: u64,
    /// Once an entry has been delivered this many times, its next failure (nack, expired lease)
    /// dead-letters it instead of redelivering it.
    pub deliveries_max: u64,
    pub backoff: Backoff,
    /// The dead-letter stream; `None` means `<stream>:dlq` ([`dead_letter_name`]).
    pub dead_letter: Option<Vec<u8>>,
    pub pending_max: u64,
    pub pending_per_consumer_max: u64,
}

/// The policy a queue created by `CQ.CREATE` or `POST /queues` gets unless told otherwise.
pub fn group_policy_default() -> GroupPolicy {
    GroupPolicy {
        lease_ms: 30_000,
        deliveries_max: 10,
        backoff: Backoff::Exponential {
            base_ms: 1_000,
            factor_milli: 2_000,
            max_ms: 60_000,
            jitter_percent: 20,
            seed: 0,
        },
        dead_letter: None,
        pending_max: 0,
        pending_per_consumer_max: 0,
    }
}

/// The dead-letter stream of `stream` when the policy names none.
pub fn dead_letter_name(stream: &[u8]) -> Vec<u8> {
    let mut name = stream.to_vec();
    name.extend_from_slice(b":dlq");
    name
}

/// Field names a dead-letter entry starts with, in this order, before the original fields.
/// Redrive strips exactly these from the front.
pub const DEAD_LETTER_FIELDS: [&[u8]; 6] = [
    b"cq-source",
    b"cq-group",
    b"cq-id",
    b"cq-deliveries",
    b"cq-reason",
    b"cq-dead-at-ms",
];

/// Changes to a stream policy: `Some` fields are set, the rest kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamPolicyPatch {
    pub entries_max: Option<u64>,
    pub bytes_max: Option<u64>,
    pub overflow: Option<Overflow>,
    pub dedup_window_ms: Option<u64>,
    pub retention: Option<Retention>,
}

/// Changes to a group policy: `Some` fields are set, the rest kept. `dead_letter: Some(None)`
/// goes back to the default name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupPolicyPatch {
    pub lease_ms: Option<u64>,
    pub deliveries_max: Option<u64>,
    pub backoff: Option<Backoff>,
    pub dead_letter: Option<Option<Vec<u8>>>,
    pub pending_max: Option<u64>,
    pub pending_per_consumer_max: Option<u64>,
}

impl StreamPolicyPatch {
    pub fn is_empty(&self) -> bool {
        *self == StreamPolicyPatch::default()
    }

    pub fn apply_to(&self, policy: &StreamPolicy) -> StreamPolicy {
        StreamPolicy {
            entries_max: self.entries_max.unwrap_or(policy.entries_max),
            bytes_max: self.bytes_max.unwrap_or(policy.bytes_max),
            overflow: self.overflow.unwrap_or(policy.overflow),
            dedup_window_ms: self.dedup_window_ms.unwrap_or(policy.dedup_window_ms),
            retention: self.retention.unwrap_or(policy.retention),
        }
    }
}

impl GroupPolicyPatch {
    pub fn is_empty(&self) -> bool {
        *self == GroupPolicyPatch::default()
    }

    pub fn apply_to(&self, policy: &GroupPolicy) -> GroupPolicy {
        GroupPolicy {
            lease_ms: self.lease_ms.unwrap_or(policy.lease_ms),
            deliveries_max: self.deliveries_max.unwrap_or(policy.deliveries_max),
            backoff: self
                .backoff
                .clone()
                .unwrap_or_else(|| policy.backoff.clone()),
            dead_letter: self
                .dead_letter
                .clone()
                .unwrap_or_else(|| policy.dead_letter.clone()),
            pending_max: self.pending_max.unwrap_or(policy.pending_max),
            pending_per_consumer_max: self
                .pending_per_consumer_max
                .unwrap_or(policy.pending_per_consumer_max),
        }
    }
}

/// When a published entry may first be delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delay {
    #[default]
    None,
    /// This many ms after the publish.
    AfterMs(u64),
    /// Not before this time (ms since the Unix epoch).
    AtMs(u64),
}

/// A publish: an entry with an auto id, an optional delay and idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publish {
    pub key: Vec<u8>,
    pub fields: Vec<Field>,
    pub delay: Delay,
    pub dedup_key: Option<Vec<u8>>,
}

/// A leased read of a group: due redeliveries first, then new entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receive {
    pub key: Vec<u8>,
    pub group: Vec<u8>,
    pub consumer: Vec<u8>,
    /// At least 1, at most `RECEIVE_COUNT_MAX`.
    pub count: u64,
    /// Overrides the group's lease for these deliveries; 0 means none.
    pub lease_ms: Option<u64>,
}

/// What a consumer says about deliveries it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    Ack,
    /// Give it back: redelivered after `delay_ms`, or after the group's backoff when `None`.
    Nack {
        delay_ms: Option<u64>,
        reason: Vec<u8>,
    },
    /// Still working: the lease restarts (for `lease_ms`, or the lease it was given).
    Touch {
        lease_ms: Option<u64>,
    },
    /// Give up now: dead-lettered at once with `reason`.
    Term {
        reason: Vec<u8>,
    },
}

/// Names one delivery: the entry and the fencing token it was handed out with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle {
    pub id: StreamId,
    pub token: u64,
}

/// Moves dead letters back to work: each entry in `start..=end` (at most `count`, 0 for the
/// limit) is published again, to `to` or to the stream it came from, and removed from the
/// dead-letter stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redrive {
    pub dead_letter: Vec<u8>,
    pub to: Option<Vec<u8>>,
    pub start: StreamId,
    pub end: StreamId,
    pub count: u64,
}

/// One delivery handed to a consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: StreamId,
    pub data: EntryData,
    /// The fencing token: ack, nack, touch and term must present it.
    pub token: u64,
    /// How many times this entry has been delivered in this group, this one included.
    pub deliveries: u64,
    /// When the lease ends (ms since the epoch); `None` when the delivery has no lease.
    pub lease_until_ms: Option<u64>,
}

/// The result of settling one handle. Items are independent: one failure does not stop the
/// rest of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettleOutcome {
    Acked,
    Nacked {
        redeliver_at_ms: u64,
    },
    Touched {
        lease_until_ms: Option<u64>,
    },
    DeadLettered {
        dead_letter: Vec<u8>,
        id: StreamId,
    },
    /// The token is not the entry's current one: a newer delivery holds it. Nothing changed.
    Stale {
        current: u64,
    },
    /// The entry is not pending in the group (acked, dead-lettered, or never delivered).
    NotPending,
}

impl SettleOutcome {
    pub fn is_done(&self) -> bool {
        !matches!(
            self,
            SettleOutcome::Stale { .. } | SettleOutcome::NotPending
        )
    }
}

/// Counters kept per stream, durable like the rest of the state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamCounters {
    pub published: u64,
    pub duplicates: u64,
    pub dropped: u64,
}

/// Counters kept per group, durable like the rest of the state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupCounters {
    pub delivered: u64,
    pub redelivered: u64,
    pub acked: u64,
    pub nacked: u64,
    pub dead_lettered: u64,
}

/// A group as `CQ.INFO`, the HTTP API and the metrics show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupQueueInfo {
    pub name: Vec<u8>,
    pub policy: Option<GroupPolicy>,
    pub consumers: u64,
    /// Delivered and not yet settled.
    pub pending: u64,
    /// Waiting for a redelivery time (nacked with a delay or backoff) or a publish delay.
    pub waiting: u64,
    /// Pending entries whose lease has ended, waiting for the next read to redeliver them.
    pub expired: u64,
    /// Entries not yet read by the group, when known.
    pub lag: Option<u64>,
    /// Time of the oldest entry the group has not settled (pending, waiting or unread), from
    /// its id.
    pub oldest_unsettled_ms: Option<u64>,
    pub last_token: u64,
    pub counters: GroupCounters,
}

/// A stream as `CQ.INFO`, the HTTP API and the metrics show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueInfo {
    pub key: Vec<u8>,
    pub length: u64,
    pub bytes: u64,
    pub first_id: Option<StreamId>,
    pub last_id: StreamId,
    pub policy: StreamPolicy,
    /// Entries published with a delay that is still running.
    pub delayed: u64,
    /// Whether dead letters have been written to this stream.
    pub dead_letter: bool,
    pub counters: StreamCounters,
    pub groups: Vec<GroupQueueInfo>,
}

/// Where one entry is for one group, as `CQ.STATUS` and `GET /v1/queues/{name}/messages/{id}`
/// show it. Worked out by `queue_status` from the state alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryState {
    /// In the stream and due now: not yet delivered to the group, or nacked and its
    /// redelivery time has come.
    Waiting,
    /// Not yet due: published with a delay, or nacked and waiting for its redelivery time.
    Delayed,
    /// In the group's pending list.
    InFlight,
    /// Settled by the group (at or below its last delivered id, neither pending nor waiting)
    /// and still in the stream.
    Acked,
    /// Found in the group's dead-letter stream.
    DeadLettered,
    /// No trace: never existed, or settled and since removed from the stream.
    Unknown,
}

/// One entry's status in one group. Fields that do not apply to the state are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryStatus {
    pub id: StreamId,
    pub group: Vec<u8>,
    pub state: EntryState,
    /// Deliveries so far; `None` when never delivered or no longer known (acked).
    pub deliveries: Option<u64>,
    /// Delayed: when it becomes due; in flight: when the lease ends (`None` without a lease).
    pub until_ms: Option<u64>,
    /// In flight: the consumer holding it.
    pub consumer: Option<Vec<u8>>,
    /// In flight: the current fencing token.
    pub token: Option<u64>,
    /// Dead-lettered: the dead-letter stream and the dead letter's id in it.
    pub dead_letter: Option<(Vec<u8>, StreamId)>,
    /// The dead letter's `cq-reason`, or the last nack reason the group keeps.
    pub reason: Option<Vec<u8>>,
    /// The entry's fields while it is still in the stream.
    pub data: Option<EntryData>,
}
