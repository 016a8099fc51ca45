//! The values the client sends and gets back: entry ids, messages to publish, deliveries,
//! handles and their settle outcomes, queue figures, dead letters and job status.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use conquiet_resp::Frame;

use crate::decode::{Record, array, pairs, string, unexpected};
use crate::error::{Error, Result};

/// An entry id, `<ms>-<seq>`, as the server assigns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    /// Milliseconds part (the server's clock at the publish).
    pub ms: u64,
    /// Sequence within the millisecond.
    pub seq: u64,
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for EntryId {
    type Err = Error;

    /// ```
    /// use conquiet_client::EntryId;
    /// let id: EntryId = "1700000000000-3".parse().unwrap();
    /// assert_eq!((id.ms, id.seq), (1700000000000, 3));
    /// ```
    fn from_str(s: &str) -> Result<EntryId> {
        let bad = || Error::Invalid(format!("'{s}' is not an entry id (ms-seq)"));
        let (ms, seq) = s.split_once('-').ok_or_else(bad)?;
        Ok(EntryId {
            ms: ms.parse().map_err(|_| bad())?,
            seq: seq.parse().map_err(|_| bad())?,
        })
    }
}

pub(crate) fn entry_id(frame: Frame) -> Result<EntryId> {
    string(frame)?
        .parse()
        .map_err(|_| Error::Protocol("bad entry id in a reply".into()))
}

/// A message to publish: field/value pairs, an optional idempotency key and delay.
///
/// ```
/// use std::time::Duration;
/// use conquiet_client::Message;
/// let m = Message::new()
///     .field("task", "resize")
///     .field("size", "512")
///     .key("resize-42")
///     .delay(Duration::from_secs(5));
/// assert_eq!(m.fields().len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Message {
    fields: Vec<(Vec<u8>, Vec<u8>)>,
    key: Option<Vec<u8>>,
    when: Option<When>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    Delay(Duration),
    At(u64),
}

/// The field a [`Message::bytes`] payload goes in.
pub const DATA_FIELD: &str = "data";

impl Message {
    /// A message with no fields yet.
    pub fn new() -> Message {
        Message::default()
    }

    /// A message of one opaque payload, in the field [`DATA_FIELD`].
    pub fn bytes(payload: impl Into<Vec<u8>>) -> Message {
        Message::new().field(DATA_FIELD, payload)
    }

    /// Adds a field.
    pub fn field(mut self, name: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Message {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// An idempotency key: a repeat within the queue's dedup window adds nothing and answers
    /// the first publish's id.
    pub fn key(mut self, key: impl Into<Vec<u8>>) -> Message {
        self.key = Some(key.into());
        self
    }

    /// Held back for `delay` after the publish.
    pub fn delay(mut self, delay: Duration) -> Message {
        self.when = Some(When::Delay(delay));
        self
    }

    /// Held back until a Unix time in milliseconds.
    pub fn at_unix_ms(mut self, at: u64) -> Message {
        self.when = Some(When::At(at));
        self
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.fields
    }

    pub(crate) fn to_args(&self, queue: &str) -> Vec<Vec<u8>> {
        let mut args = vec![b"CQ.PUBLISH".to_vec(), queue.as_bytes().to_vec()];
        if let Some(key) = &self.key {
            args.push(b"KEY".to_vec());
            args.push(key.clone());
        }
        match self.when {
            Some(When::Delay(d)) => {
                args.push(b"DELAY".to_vec());
                args.push(millis(d).to_string().into_bytes());
            }
            Some(When::At(at)) => {
                args.push(b"AT".to_vec());
                args.push(at.to_string().into_bytes());
            }
            None => {}
        }
        for (f, v) in &self.fields {
            args.push(f.clone());
            args.push(v.clone());
        }
        args
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What a publish answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Published {
    /// The entry's id (the first publish's id for a duplicate).
    pub id: EntryId,
    /// The idempotency key was seen within the dedup window: nothing was added.
    pub duplicate: bool,
}

impl Published {
    pub(crate) fn from_frame(frame: Frame) -> Result<Published> {
        let mut items = array(frame)?.into_iter();
        match (items.next(), items.next()) {
            (Some(id), Some(dup)) => Ok(Published {
                id: entry_id(id)?,
                duplicate: crate::decode::u64_of(dup)? != 0,
            }),
            _ => Err(Error::Protocol(
                "publish reply is not [id, duplicate]".into(),
            )),
        }
    }
}

/// A delivery's handle: the entry and the fencing token of this delivery. Settling with a
/// handle whose token is no longer current answers [`SettleOutcome::Stale`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    /// The entry.
    pub id: EntryId,
    /// The fencing token of the delivery this handle settles.
    pub token: u64,
}

/// One delivery of an entry to a consumer.
///
/// A delivery from [`Client::receive`](crate::Client::receive) is plain data: if it is never
/// settled, the server redelivers it when its lease ends. The [`Worker`](crate::Worker)
/// settles every delivery it takes, on every path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The queue it came from.
    pub queue: Arc<str>,
    /// The group that delivered it.
    pub group: Arc<str>,
    /// The entry's id.
    pub id: EntryId,
    /// The entry's fields, in order.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
    /// The fencing token: grows with every delivery of the group. Pass it to downstream
    /// writes so a resource can refuse a holder whose lease has passed to someone else.
    pub token: u64,
    /// How many times the entry was delivered, this one included: above 1 it may have been
    /// handled before.
    pub deliveries: u64,
    /// When the lease ends (Unix ms); `None` when the group has no lease.
    pub lease_until_ms: Option<u64>,
}

impl Delivery {
    /// The handle to settle this delivery with.
    pub fn handle(&self) -> Handle {
        Handle {
            id: self.id,
            token: self.token,
        }
    }

    /// The first field named `name`.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(f, _)| f == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }

    /// The payload of a [`Message::bytes`] message.
    pub fn data(&self) -> Option<&[u8]> {
        self.field(DATA_FIELD)
    }

    pub(crate) fn from_frame(queue: &Arc<str>, group: &Arc<str>, frame: Frame) -> Result<Delivery> {
        let mut r = Record::from_frame(frame)?;
        Ok(Delivery {
            queue: queue.clone(),
            group: group.clone(),
            id: entry_id(r.take("id")?)?,
            fields: pairs(r.take("fields")?)?,
            token: r.u64("token")?,
            deliveries: r.u64("deliveries")?,
            lease_until_ms: r.opt_u64("lease-until-ms")?,
        })
    }
}

/// What one handle's settle did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettleOutcome {
    /// Done: the entry left the group's pending list.
    Acked,
    /// Given back; redeliverable from this time (Unix ms).
    Nacked {
        /// Unix ms.
        redeliver_at_ms: u64,
    },
    /// The lease restarted; it now ends at this time.
    Touched {
        /// Unix ms; `None` when the delivery has no lease.
        lease_until_ms: Option<u64>,
    },
    /// Moved to a dead-letter stream (after max deliveries, or by term).
    DeadLettered {
        /// The dead-letter stream.
        dead_letter: String,
        /// The dead letter's id in it.
        id: EntryId,
    },
    /// A newer delivery holds the entry; nothing changed. The caller's work may be done
    /// twice and must be fenced by the token.
    Stale {
        /// The token of the delivery that holds the entry now.
        current_token: u64,
    },
    /// The entry is not pending in the group (already settled, or removed).
    NotPending,
}

impl SettleOutcome {
    /// Whether the settle did what was asked (not stale, not unknown).
    pub fn is_applied(&self) -> bool {
        !matches!(
            self,
            SettleOutcome::Stale { .. } | SettleOutcome::NotPending
        )
    }

    pub(crate) fn from_frame(frame: Frame) -> Result<SettleOutcome> {
        let mut r = Record::from_frame(frame)?;
        let outcome = r.string("outcome")?;
        Ok(match outcome.as_str() {
            "acked" => SettleOutcome::Acked,
            "nacked" => SettleOutcome::Nacked {
                redeliver_at_ms: r.u64("redeliver-at-ms")?,
            },
            "touched" => SettleOutcome::Touched {
                lease_until_ms: r.opt_u64("lease-until-ms")?,
            },
            "dead-lettered" => SettleOutcome::DeadLettered {
                dead_letter: r.string("dead-letter")?,
                id: entry_id(r.take("id")?)?,
            },
            "stale" => SettleOutcome::Stale {
                current_token: r.u64("current-token")?,
            },
            "not-pending" => SettleOutcome::NotPending,
            other => return Err(Error::Protocol(format!("unknown settle outcome '{other}'"))),
        })
    }
}

/// One handle's result in a batch settle: its own outcome, or the error of the command
/// that carried it. One handle's failure never stops the others.
pub type Settled = Result<SettleOutcome>;

/// How long a nacked delivery waits, and why it was given back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NackOptions {
    /// Wait before redelivery; `None`: the group's backoff for the delivery count decides.
    pub delay: Option<Duration>,
    /// Kept as the dead letter's `cq-reason` if this nack dead-letters the entry.
    pub reason: Option<String>,
}

/// What a receive asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiveOptions {
    /// Most deliveries to take (1..=10 000). Default 1.
    pub count: u32,
    /// How long to wait when nothing is due; `None` answers at once. Default `None`.
    pub wait: Option<Duration>,
    /// A lease for these deliveries instead of the group's.
    pub lease: Option<Duration>,
}

impl Default for ReceiveOptions {
    fn default() -> ReceiveOptions {
        ReceiveOptions {
            count: 1,
            wait: None,
            lease: None,
        }
    }
}

/// A backoff policy for nacks without their own delay.
#[derive(Clone, Debug, PartialEq)]
pub enum Backoff {
    /// Redeliverable at once.
    None,
    /// `base * factor^(deliveries-1)`, at most `max`, minus up to `jitter_percent`.
    Exponential {
        /// The first nack's wait.
        base: Duration,
        /// Growth per delivery, at least 1, at most 3 decimal places.
        factor: f64,
        /// The longest wait.
        max: Duration,
        /// Up to this share of the wait is taken off, deterministically per entry.
        jitter_percent: u32,
    },
    /// The n-th delivery's nack waits the n-th delay; the last one repeats.
    List(Vec<Duration>),
}

/// What a stream does at its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Refuse the publish (`Error::Full`).
    Reject,
    /// Drop the oldest entries.
    DropOldest,
}

/// Policy options for [`Client::create_queue`](crate::Client::create_queue) and
/// [`Client::configure`](crate::Client::configure); `None` keeps the server's default (on
/// create) or the current value (on configure). The server's defaults: lease 30 s, 10
/// deliveries, exponential backoff 1 s x2 up to 60 s with 20 % jitter, dead letters to
/// `<queue>:dlq`, no stream limits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueOptions {
    /// The group these options are for; `None`: `default`.
    pub group: Option<String>,
    /// Most entries in the stream (0: none).
    pub max_entries: Option<u64>,
    /// Most field and value bytes in the stream (0: none).
    pub max_bytes: Option<u64>,
    /// What a publish over a limit does.
    pub overflow: Option<Overflow>,
    /// How long an idempotency key is remembered.
    pub dedup_window: Option<Duration>,
    /// Delete an entry once every group settled it.
    pub work_queue_retention: Option<bool>,
    /// How long a delivery is held before it may be redelivered.
    pub lease: Option<Duration>,
    /// After this many deliveries the next failure dead-letters (0: no limit).
    pub max_deliveries: Option<u32>,
    /// The wait after a nack without its own delay.
    pub backoff: Option<Backoff>,
    /// The dead-letter stream; `Some("")` goes back to `<queue>:dlq`.
    pub dead_letter: Option<String>,
    /// Most deliveries the group holds at once (0: none).
    pub max_pending: Option<u64>,
    /// Most deliveries one consumer holds at once (0: none).
    pub max_pending_per_consumer: Option<u64>,
}

impl QueueOptions {
    pub(crate) fn to_args(&self, command: &str, queue: &str) -> Vec<Vec<u8>> {
        let mut args: Vec<Vec<u8>> = vec![command.into(), queue.into()];
        let mut opt = |name: &str, value: String| {
            args.push(name.into());
            args.push(value.into_bytes());
        };
        if let Some(g) = &self.group {
            opt("GROUP", g.clone());
        }
        let numbers = [
            ("MAXLEN", self.max_entries),
            ("MAXBYTES", self.max_bytes),
            ("DEDUP-WINDOW", self.dedup_window.map(millis)),
            ("LEASE", self.lease.map(millis)),
            ("MAX-DELIVERIES", self.max_deliveries.map(u64::from)),
            ("MAX-PENDING", self.max_pending),
            ("MAX-PENDING-PER-CONSUMER", self.max_pending_per_consumer),
        ];
        for (name, value) in numbers {
            if let Some(v) = value {
                opt(name, v.to_string());
            }
        }
        if let Some(o) = self.overflow {
            let word = match o {
                Overflow::Reject => "reject",
                Overflow::DropOldest => "drop-oldest",
            };
            opt("OVERFLOW", word.into());
        }
        if let Some(w) = self.work_queue_retention {
            opt("RETENTION", if w { "workqueue" } else { "limits" }.into());
        }
        if let Some(d) = &self.dead_letter {
            opt(
                "DLQ",
                if d.is_empty() {
                    "DEFAULT".into()
                } else {
                    d.clone()
                },
            );
        }
        if let Some(b) = &self.backoff {
            args.push(b"BACKOFF".to_vec());
            match b {
                Backoff::None => args.push(b"NONE".to_vec()),
                Backoff::Exponential {
                    base,
                    factor,
                    max,
                    jitter_percent,
                } => {
                    args.push(b"EXP".to_vec());
                    args.push(millis(*base).to_string().into_bytes());
                    args.push(format!("{factor:.3}").into_bytes());
                    args.push(millis(*max).to_string().into_bytes());
                    args.push(jitter_percent.to_string().into_bytes());
                }
                Backoff::List(delays) => {
                    args.push(b"LIST".to_vec());
                    args.push(delays.len().to_string().into_bytes());
                    args.extend(delays.iter().map(|d| millis(*d).to_string().into_bytes()));
                }
            }
        }
        args
    }

    pub(crate) fn is_empty(&self) -> bool {
        let QueueOptions { group, .. } = self;
        *self
            == QueueOptions {
                group: group.clone(),
                ..QueueOptions::default()
            }
    }
}

/// A queue's figures (`CQ.INFO`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueInfo {
    /// The queue (stream) name.
    pub name: String,
    /// Entries in the stream (delayed ones included).
    pub length: u64,
    /// Field and value bytes of those entries.
    pub bytes: u64,
    /// The oldest entry's id; `None` when empty.
    pub first_id: Option<EntryId>,
    /// The newest id ever assigned.
    pub last_id: EntryId,
    /// Entries published with a delay that is not over yet.
    pub delayed: u64,
    /// Whether dead letters were ever written to this stream.
    pub is_dead_letter: bool,
    /// Publishes that added an entry.
    pub published: u64,
    /// Keyed publishes answered as duplicates.
    pub duplicates: u64,
    /// Entries dropped by `drop-oldest`.
    pub dropped: u64,
    /// The consumer groups.
    pub groups: Vec<GroupInfo>,
}

/// One consumer group's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupInfo {
    /// The group name.
    pub name: String,
    /// Consumers the group knows.
    pub consumers: u64,
    /// Deliveries in flight.
    pub pending: u64,
    /// Nacked entries waiting for their redelivery time.
    pub waiting: u64,
    /// In-flight deliveries whose lease ended.
    pub expired: u64,
    /// Entries never delivered to the group, when known.
    pub lag: Option<u64>,
    /// When the oldest unsettled entry was published (Unix ms), when there is one.
    pub oldest_unsettled_ms: Option<u64>,
    /// The fencing token of the group's latest delivery.
    pub last_token: u64,
    /// Deliveries made (redeliveries included).
    pub delivered: u64,
    /// Deliveries that were redeliveries.
    pub redelivered: u64,
    /// Acks applied.
    pub acked: u64,
    /// Nacks applied.
    pub nacked: u64,
    /// Entries the group sent to its dead-letter stream.
    pub dead_lettered: u64,
}

impl QueueInfo {
    pub(crate) fn from_frame(frame: Frame) -> Result<QueueInfo> {
        let mut r = Record::from_frame(frame)?;
        let first_id = match r.take("first-id")? {
            Frame::Null | Frame::NullArray => None,
            f => Some(entry_id(f)?),
        };
        Ok(QueueInfo {
            name: r.string("name")?,
            length: r.u64("length")?,
            bytes: r.u64("bytes")?,
            first_id,
            last_id: entry_id(r.take("last-id")?)?,
            delayed: r.u64("delayed")?,
            is_dead_letter: r.u64("dead-letter")? != 0,
            published: r.u64("published")?,
            duplicates: r.u64("duplicates")?,
            dropped: r.u64("dropped")?,
            groups: array(r.take("groups")?)?
                .into_iter()
                .map(GroupInfo::from_frame)
                .collect::<Result<_>>()?,
        })
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&GroupInfo> {
        self.groups.iter().find(|g| g.name == name)
    }
}

impl GroupInfo {
    fn from_frame(frame: Frame) -> Result<GroupInfo> {
        let mut r = Record::from_frame(frame)?;
        Ok(GroupInfo {
            name: r.string("name")?,
            consumers: r.u64("consumers")?,
            pending: r.u64("pending")?,
            waiting: r.u64("waiting")?,
            expired: r.u64("expired")?,
            lag: r.opt_u64("lag")?,
            oldest_unsettled_ms: r.opt_u64("oldest-unsettled-ms")?,
            last_token: r.u64("last-token")?,
            delivered: r.u64("delivered")?,
            redelivered: r.u64("redelivered")?,
            acked: r.u64("acked")?,
            nacked: r.u64("nacked")?,
            dead_lettered: r.u64("dead-lettered")?,
        })
    }
}

/// One dead letter: where it came from, why it died, and its original fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// Its id in the dead-letter stream.
    pub id: EntryId,
    /// The stream it came from (`cq-source`).
    pub source: String,
    /// The group that gave up on it (`cq-group`).
    pub group: String,
    /// Its id in the source stream (`cq-id`).
    pub source_id: Option<EntryId>,
    /// Its delivery count when it died (`cq-deliveries`).
    pub deliveries: u64,
    /// Why it died (`cq-reason`).
    pub reason: String,
    /// When it died, Unix ms (`cq-dead-at-ms`).
    pub dead_at_ms: u64,
    /// The original fields, without the `cq-` ones.
    pub fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl DeadLetter {
    /// Reads one `[id, [field, value, ...]]` entry of a dead-letter stream.
    pub(crate) fn from_entry(frame: Frame) -> Result<DeadLetter> {
        let mut items = array(frame)?.into_iter();
        let (Some(id), Some(fields)) = (items.next(), items.next()) else {
            return Err(Error::Protocol("an entry is not [id, fields]".into()));
        };
        let mut letter = DeadLetter {
            id: entry_id(id)?,
            source: String::new(),
            group: String::new(),
            source_id: None,
            deliveries: 0,
            reason: String::new(),
            dead_at_ms: 0,
            fields: Vec::new(),
        };
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let number = |v: &[u8]| {
            text(v)
                .parse::<u64>()
                .map_err(|_| Error::Protocol("a dead letter's cq- number is not a number".into()))
        };
        for (f, v) in pairs(fields)? {
            match f.as_slice() {
                b"cq-source" => letter.source = text(&v),
                b"cq-group" => letter.group = text(&v),
                b"cq-id" => letter.source_id = Some(entry_id(Frame::Bulk(v))?),
                b"cq-deliveries" => letter.deliveries = number(&v)?,
                b"cq-reason" => letter.reason = text(&v),
                b"cq-dead-at-ms" => letter.dead_at_ms = number(&v)?,
                _ => letter.fields.push((f, v)),
            }
        }
        Ok(letter)
    }
}

/// Which dead letters a redrive moves, and where to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedriveOptions {
    /// Publish to this stream instead of each letter's source.
    pub to: Option<String>,
    /// First id (inclusive; XRANGE's forms: `-`, an id, `(id`). Default: the start.
    pub start: Option<String>,
    /// Last id (inclusive; `+`, an id, `(id`). Default: the end.
    pub end: Option<String>,
    /// Most letters to move; `None`: up to the server's limit.
    pub count: Option<u64>,
}

/// Where one entry is, for one group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobState {
    /// In the stream, due, not yet delivered to the group.
    Waiting,
    /// Not due yet: published with a delay, or nacked and waiting for its redelivery time.
    Delayed,
    /// Delivered and not settled.
    InFlight,
    /// Settled by the group, still retained in the stream.
    Acked,
    /// Moved to a dead-letter stream.
    DeadLettered,
    /// No trace: never published, or acked and since removed.
    Unknown,
}

/// The answer of [`Client::status`](crate::Client::status).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobStatus {
    /// The entry asked about.
    pub id: EntryId,
    /// The group the state is for.
    pub group: String,
    /// Where the entry is.
    pub state: JobState,
    /// Deliveries so far; `None` when never delivered.
    pub deliveries: Option<u64>,
    /// Delayed: when it becomes due; in flight: when the lease ends (Unix ms).
    pub until_ms: Option<u64>,
    /// In flight: the consumer holding it.
    pub consumer: Option<String>,
    /// In flight: the current fencing token.
    pub token: Option<u64>,
    /// Dead-lettered: the stream, and its id there.
    pub dead_letter: Option<String>,
    /// Dead-lettered: its id in the dead-letter stream.
    pub dead_letter_id: Option<EntryId>,
    /// Dead-lettered: why.
    pub reason: Option<String>,
    /// The fields, while the entry is in the source stream.
    pub fields: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl JobStatus {
    pub(crate) fn from_frame(frame: Frame) -> Result<JobStatus> {
        let mut r = Record::from_frame(frame)?;
        let state = match r.string("state")?.as_str() {
            "waiting" => JobState::Waiting,
            "delayed" => JobState::Delayed,
            "in-flight" => JobState::InFlight,
            "acked" => JobState::Acked,
            "dead-lettered" => JobState::DeadLettered,
            "unknown" => JobState::Unknown,
            other => return Err(Error::Protocol(format!("unknown job state '{other}'"))),
        };
        let fields = match r.take("fields")? {
            Frame::Null | Frame::NullArray => None,
            f => Some(pairs(f)?),
        };
        Ok(JobStatus {
            id: entry_id(r.take("id")?)?,
            group: r.string("group")?,
            state,
            deliveries: r.opt_u64("deliveries")?,
            until_ms: r.opt_u64("until-ms")?,
            consumer: r.opt_string("consumer")?,
            token: r.opt_u64("token")?,
            dead_letter: r.opt_string("dead-letter")?,
            dead_letter_id: match r.take("dead-letter-id")? {
                Frame::Null | Frame::NullArray => None,
                f => Some(entry_id(f)?),
            },
            reason: r.opt_string("reason")?,
            fields,
        })
    }
}

pub(crate) fn integer(frame: Frame) -> Result<u64> {
    crate::decode::u64_of(frame)
}

pub(crate) fn ok(frame: Frame) -> Result<()> {
    match frame {
        Frame::Simple(ref s) if s == b"OK" => Ok(()),
        other => Err(unexpected("OK", &other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_the_documented_arguments() {
        let options = QueueOptions {
            lease: Some(Duration::from_secs(60)),
            max_deliveries: Some(5),
            backoff: Some(Backoff::Exponential {
                base: Duration::from_millis(500),
                factor: 1.5,
                max: Duration::from_secs(30),
                jitter_percent: 10,
            }),
            ..QueueOptions::default()
        };
        let args: Vec<String> = options
            .to_args("CQ.CREATE", "jobs")
            .into_iter()
            .map(|a| String::from_utf8(a).expect("utf8"))
            .collect();
        assert_eq!(
            args.join(" "),
            "CQ.CREATE jobs LEASE 60000 MAX-DELIVERIES 5 BACKOFF EXP 500 1.500 30000 10"
        );
    }

    #[test]
    fn a_publish_puts_options_before_fields() {
        let m = Message::bytes("x").key("k").delay(Duration::from_millis(5));
        let got = m.to_args("q");
        let want: Vec<Vec<u8>> = ["CQ.PUBLISH", "q", "KEY", "k", "DELAY", "5", "data", "x"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn dead_letter_fields_are_split_from_the_original_ones() {
        let entry = Frame::Array(vec![
            Frame::bulk("9-0"),
            Frame::Array(
                [
                    "cq-source",
                    "q",
                    "cq-group",
                    "g",
                    "cq-id",
                    "1-2",
                    "cq-reason",
                    "boom",
                    "task",
                    "t",
                ]
                .iter()
                .map(|s| Frame::bulk(*s))
                .collect(),
            ),
        ]);
        let letter = DeadLetter::from_entry(entry).expect("letter");
        assert_eq!(letter.source, "q");
        assert_eq!(letter.source_id, Some(EntryId { ms: 1, seq: 2 }));
        assert_eq!(letter.reason, "boom");
        assert_eq!(letter.fields, vec![(b"task".to_vec(), b"t".to_vec())]);
    }
}
