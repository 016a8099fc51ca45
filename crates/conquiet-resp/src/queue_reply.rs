//! Frames of the work-queue replies (`CQ.*` commands). Records are maps (flat arrays in RESP2,
//! as XINFO's are) with kebab-case field names, so clients can read them without positions.
//!
//! | reply                  | frame                                                          |
//! |------------------------|----------------------------------------------------------------|
//! | CQ.PUBLISH             | `[id, duplicate (0 or 1)]`                                     |
//! | CQ.RECEIVE             | array of `{id, fields: [f, v, ...], token, deliveries, lease-until-ms}` |
//! | CQ.ACK & co.           | array, one `{outcome, ...}` per handle, in the order given     |
//! | CQ.INFO                | one queue map (`policy`, counters, `groups`)                   |
//! | CQ.QUEUES, CQ.DLQ LIST | array of queue maps                                            |
//! | CQ.STATUS              | one map, every key always present (see `status_frame`)         |
//!
//! CQ.CREATE and CQ.SET answer OK, CQ.DLQ REDRIVE and PURGE an integer: `reply_frame` shapes
//! those as it does for every command.

use conquiet_core::queue::{
    Backoff, EntryState, EntryStatus, GroupPolicy, GroupQueueInfo, Message, Overflow, QueueInfo,
    Retention, SettleOutcome, StreamPolicy,
};
use conquiet_core::{Command, EntryData, Reply, StreamId};

use crate::frame::Frame;

/// The frame of a queue reply to `command`; `None` for replies that are not queue replies.
pub(crate) fn queue_frame(command: &Command, reply: &Reply) -> Option<Frame> {
    Some(match reply {
        // The engine answers CQ.INFO with a list of one, the shape CQ.QUEUES shares; clients
        // asking about one queue get its map. Paired with `Command::QueueInfo`'s contract.
        Reply::Queues(queues) if matches!(command, Command::QueueInfo { .. }) => {
            debug_assert!(
                queues.len() <= 1,
                "CQ.INFO answered {} queues",
                queues.len()
            );
            queues.first().map_or(Frame::Null, queue_info_frame)
        }
        Reply::Published { id, duplicate } => {
            Frame::Array(vec![id_frame(*id), Frame::Integer(i64::from(*duplicate))])
        }
        Reply::Messages(messages) => Frame::Array(messages.iter().map(message_frame).collect()),
        Reply::Settled(outcomes) => Frame::Array(outcomes.iter().map(outcome_frame).collect()),
        Reply::Queues(queues) => Frame::Array(queues.iter().map(queue_info_frame).collect()),
        Reply::Status(status) => status_frame(status),
        _ => return None,
    })
}

fn id_frame(id: StreamId) -> Frame {
    Frame::bulk(id.to_string())
}

fn int(n: u64) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn opt_int(n: Option<u64>) -> Frame {
    n.map_or(Frame::Null, int)
}

fn field(name: &str, value: Frame) -> (Frame, Frame) {
    (Frame::bulk(name), value)
}

fn fields_frame(data: &EntryData) -> Frame {
    let fields = data
        .pairs()
        .flat_map(|(f, v)| [Frame::bulk(f), Frame::bulk(v)])
        .collect();
    Frame::Array(fields)
}

fn message_frame(m: &Message) -> Frame {
    Frame::Map(vec![
        field("id", id_frame(m.id)),
        field("fields", fields_frame(&m.data)),
        field("token", int(m.token)),
        field("deliveries", int(m.deliveries)),
        field("lease-until-ms", opt_int(m.lease_until_ms)),
    ])
}

fn outcome_frame(outcome: &SettleOutcome) -> Frame {
    let name = |s: &str| field("outcome", Frame::bulk(s));
    Frame::Map(match outcome {
        SettleOutcome::Acked => vec![name("acked")],
        SettleOutcome::Nacked { redeliver_at_ms } => {
            vec![
                name("nacked"),
                field("redeliver-at-ms", int(*redeliver_at_ms)),
            ]
        }
        SettleOutcome::Touched { lease_until_ms } => {
            vec![
                name("touched"),
                field("lease-until-ms", opt_int(*lease_until_ms)),
            ]
        }
        SettleOutcome::DeadLettered { dead_letter, id } => vec![
            name("dead-lettered"),
            field("dead-letter", Frame::bulk(dead_letter.clone())),
            field("id", id_frame(*id)),
        ],
        SettleOutcome::Stale { current } => {
            vec![name("stale"), field("current-token", int(*current))]
        }
        SettleOutcome::NotPending => vec![name("not-pending")],
    })
}

fn stream_policy_frame(p: &StreamPolicy) -> Frame {
    Frame::Map(vec![
        field("max-entries", int(p.entries_max)),
        field("max-bytes", int(p.bytes_max)),
        field(
            "overflow",
            Frame::bulk(match p.overflow {
                Overflow::Reject => "reject",
                Overflow::DropOldest => "drop-oldest",
            }),
        ),
        field("dedup-window-ms", int(p.dedup_window_ms)),
        field(
            "retention",
            Frame::bulk(match p.retention {
                Retention::Limits => "limits",
                Retention::WorkQueue => "workqueue",
            }),
        ),
    ])
}

fn backoff_frame(b: &Backoff) -> Frame {
    match b {
        Backoff::None => Frame::bulk("none"),
        Backoff::Exponential {
            base_ms,
            factor_milli,
            max_ms,
            jitter_percent,
            seed,
        } => Frame::Map(vec![
            field("kind", Frame::bulk("exponential")),
            field("base-ms", int(*base_ms)),
            field("factor-milli", int(*factor_milli)),
            field("max-ms", int(*max_ms)),
            field("jitter-percent", int(*jitter_percent)),
            field("seed", int(*seed)),
        ]),
        Backoff::List(delays) => Frame::Map(vec![
            field("kind", Frame::bulk("list")),
            field(
                "delays-ms",
                Frame::Array(delays.iter().map(|d| int(*d)).collect()),
            ),
        ]),
    }
}

fn group_policy_frame(p: &GroupPolicy) -> Frame {
    Frame::Map(vec![
        field("lease-ms", int(p.lease_ms)),
        field("max-deliveries", int(p.deliveries_max)),
        field("backoff", backoff_frame(&p.backoff)),
        field(
            "dead-letter",
            p.dead_letter.clone().map_or(Frame::Null, Frame::bulk),
        ),
        field("max-pending", int(p.pending_max)),
        field("max-pending-per-consumer", int(p.pending_per_consumer_max)),
    ])
}

fn group_frame(g: &GroupQueueInfo) -> Frame {
    let c = &g.counters;
    Frame::Map(vec![
        field("name", Frame::bulk(g.name.clone())),
        field(
            "policy",
            g.policy.as_ref().map_or(Frame::Null, group_policy_frame),
        ),
        field("consumers", int(g.consumers)),
        field("pending", int(g.pending)),
        field("waiting", int(g.waiting)),
        field("expired", int(g.expired)),
        field("lag", opt_int(g.lag)),
        field("oldest-unsettled-ms", opt_int(g.oldest_unsettled_ms)),
        field("last-token", int(g.last_token)),
        field("delivered", int(c.delivered)),
        field("redelivered", int(c.redelivered)),
        field("acked", int(c.acked)),
        field("nacked", int(c.nacked)),
        field("dead-lettered", int(c.dead_lettered)),
    ])
}

fn queue_info_frame(q: &QueueInfo) -> Frame {
    Frame::Map(vec![
        field("name", Frame::bulk(q.key.clone())),
        field("length", int(q.length)),
        field("bytes", int(q.bytes)),
        field("first-id", q.first_id.map_or(Frame::Null, id_frame)),
        field("last-id", id_frame(q.last_id)),
        field("policy", stream_policy_frame(&q.policy)),
        field("delayed", int(q.delayed)),
        field("dead-letter", Frame::Integer(i64::from(q.dead_letter))),
        field("published", int(q.counters.published)),
        field("duplicates", int(q.counters.duplicates)),
        field("dropped", int(q.counters.dropped)),
        field(
            "groups",
            Frame::Array(q.groups.iter().map(group_frame).collect()),
        ),
    ])
}

fn state_name(state: EntryState) -> &'static str {
    match state {
        EntryState::Waiting => "waiting",
        EntryState::Delayed => "delayed",
        EntryState::InFlight => "in-flight",
        EntryState::Acked => "acked",
        EntryState::DeadLettered => "dead-lettered",
        EntryState::Unknown => "unknown",
    }
}

/// CQ.STATUS: the same eleven keys in the same order whatever the state, nil where a value
/// does not apply, so clients can read it by position as well as by name.
fn status_frame(s: &EntryStatus) -> Frame {
    let bulk = |b: &Option<Vec<u8>>| b.clone().map_or(Frame::Null, Frame::bulk);
    let (dead_letter, dead_letter_id) = match &s.dead_letter {
        Some((stream, id)) => (Frame::bulk(stream.clone()), id_frame(*id)),
        None => (Frame::Null, Frame::Null),
    };
    Frame::Map(vec![
        field("id", id_frame(s.id)),
        field("group", Frame::bulk(s.group.clone())),
        field("state", Frame::bulk(state_name(s.state))),
        field("deliveries", opt_int(s.deliveries)),
        field("until-ms", opt_int(s.until_ms)),
        field("consumer", bulk(&s.consumer)),
        field("token", opt_int(s.token)),
        field("dead-letter", dead_letter),
        field("dead-letter-id", dead_letter_id),
        field("reason", bulk(&s.reason)),
        field("fields", s.data.as_ref().map_or(Frame::Null, fields_frame)),
    ])
}
