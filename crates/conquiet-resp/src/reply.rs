//! Engine answers to frames, in Redis 7.0's shapes. The encoder then writes them for the
//! connection's protocol; only XREAD / XREADGROUP differ in shape between the two (an array of
//! `[key, entries]` pairs in RESP2, a map in RESP3).
//!
//! | reply                  | frame                                                         |
//! |------------------------|---------------------------------------------------------------|
//! | entry                  | `[id, [field, value, ...]]`; a deleted pending entry `[id, nil*]` |
//! | XREAD, nothing read    | null array (`*-1` / `_`)                                      |
//! | XAUTOCLAIM             | `[next, entries or ids, deleted ids]`                         |
//! | XPENDING summary       | `[count, min or nil, max or nil, [[consumer, "count"]] or nil*]` |
//! | XPENDING extended      | `[[id, consumer, idle, deliveries], ...]`                     |
//! | XINFO                  | maps (flat arrays in RESP2) with Redis 7.0's field names      |
//!
//! (`nil*` is the null array.) XINFO CONSUMERS has 7.0's three fields only (no `inactive`),
//! and FULL's consumers have no `active-time`: those arrived in Redis 7.2.

use conquiet_core::{
    Command, ConsumerInfo, Entry, FullConsumer, FullGroup, FullPending, GroupInfo, PendingItem,
    PendingSummary, ReadItem, Reply, StreamId, StreamInfo, StreamInfoFull, StreamRead,
};

use crate::frame::{Frame, Proto, blank_line_breaks};

/// The frame Redis 7.0 would send for `reply` to `command`.
///
/// One gap: XRANGE / XREVRANGE with COUNT 0 (or negative) answer a null array in Redis when
/// the stream exists and an empty array when it does not; the engine answers both with no
/// entries, so this always sends the null array.
pub fn reply_frame(command: &Command, reply: &Reply, proto: Proto) -> Frame {
    if command.is_lock()
        && let Some(frame) = crate::lock_reply::lock_frame(command, reply)
    {
        return frame;
    }
    match reply {
        Reply::Ok => Frame::simple("OK"),
        Reply::Int(n) => Frame::Integer(*n),
        Reply::Nil => Frame::Null,
        Reply::Id(id) => id_frame(*id),
        Reply::Entries(entries) => match command {
            Command::Range { count: Some(0), .. } if entries.is_empty() => Frame::NullArray,
            _ => entries_frame(entries),
        },
        Reply::Ids(ids) => ids_frame(ids),
        Reply::Read(None) => Frame::NullArray,
        Reply::Read(Some(reads)) => read_frame(reads, proto),
        Reply::AutoClaimed {
            next,
            entries,
            ids,
            deleted,
        } => {
            let just_id = matches!(command, Command::AutoClaim(claim) if claim.just_id);
            let claimed = if just_id {
                ids_frame(ids)
            } else {
                entries_frame(entries)
            };
            Frame::Array(vec![id_frame(*next), claimed, ids_frame(deleted)])
        }
        Reply::PendingSummary(summary) => pending_summary_frame(summary),
        Reply::PendingRange(items) => Frame::Array(items.iter().map(pending_item_frame).collect()),
        Reply::StreamInfo(info) => stream_info_frame(info),
        Reply::StreamInfoFull(full) => stream_full_frame(full),
        Reply::Groups(groups) => Frame::Array(groups.iter().map(group_frame).collect()),
        Reply::Consumers(consumers) => Frame::Array(consumers.iter().map(consumer_frame).collect()),
        Reply::Keys(keys) => Frame::Array(keys.iter().cloned().map(Frame::Bulk).collect()),
        // XREADGROUP `>` of a group with a work-queue policy is a receive in the engine; its
        // client expects XREADGROUP's shape.
        Reply::Messages(messages) if matches!(command, Command::ReadGroup { .. }) => {
            match command.keys().first() {
                Some(key) if !messages.is_empty() => {
                    let items = messages
                        .iter()
                        .map(|m| ReadItem {
                            id: m.id,
                            data: Some(m.data.clone()),
                        })
                        .collect();
                    let read = StreamRead {
                        key: key.to_vec(),
                        items,
                    };
                    read_frame(&[read], proto)
                }
                _ => Frame::NullArray,
            }
        }
        Reply::Published { .. }
        | Reply::Messages(_)
        | Reply::Settled(_)
        | Reply::Queues(_)
        | Reply::Status(_) => {
            crate::queue_reply::queue_frame(command, reply).expect("a queue reply")
        }
        Reply::Lock(_) | Reply::LockRenewed { .. } | Reply::LockInfo(_) => {
            crate::lock_reply::lock_frame(command, reply).expect("a lock reply")
        }
        Reply::Room(view) => crate::room_reply::room_frame(view),
        Reply::RequestAnswer(answer) => crate::request_reply::answer_frame(answer),
        Reply::Delivered(n) => crate::request_reply::delivered_frame(*n),
        Reply::Sent(sends) => crate::send_reply::sent_frame(sends),
        Reply::Conv(view) => crate::send_reply::conv_frame(view),
    }
}

/// An error reply carrying `text` (which starts with its code, `ERR`, `NOGROUP`, ...), for
/// `ParseError`, `ProtocolError` and the engine's `CommandError` alike:
/// `error_frame(&err.to_string())`. Line breaks become spaces, as Redis does.
pub fn error_frame(text: &str) -> Frame {
    Frame::Error(blank_line_breaks(text.as_bytes()))
}

/// XGROUP HELP / XINFO HELP: one simple string per line.
pub fn help_frame(lines: &[&str]) -> Frame {
    Frame::Array(lines.iter().map(|line| Frame::simple(*line)).collect())
}

fn id_frame(id: StreamId) -> Frame {
    Frame::Bulk(id.to_bytes())
}

fn ids_frame(ids: &[StreamId]) -> Frame {
    Frame::Array(ids.iter().map(|id| id_frame(*id)).collect())
}

/// Counters are u64 in the engine and signed 64-bit in Redis; none comes near the top.
fn int(n: u64) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn entry_frame(entry: &Entry) -> Frame {
    let fields = entry
        .data
        .pairs()
        .flat_map(|(field, value)| [Frame::bulk(field), Frame::bulk(value)])
        .collect();
    Frame::Array(vec![id_frame(entry.id), Frame::Array(fields)])
}

fn entries_frame(entries: &[Entry]) -> Frame {
    Frame::Array(entries.iter().map(entry_frame).collect())
}

fn read_item_frame(item: &ReadItem) -> Frame {
    match &item.data {
        Some(data) => entry_frame(&Entry {
            id: item.id,
            data: data.clone(),
        }),
        None => Frame::Array(vec![id_frame(item.id), Frame::NullArray]),
    }
}

fn read_frame(reads: &[StreamRead], proto: Proto) -> Frame {
    let items = |read: &StreamRead| Frame::Array(read.items.iter().map(read_item_frame).collect());
    match proto {
        Proto::Resp2 => Frame::Array(
            reads
                .iter()
                .map(|read| Frame::Array(vec![Frame::bulk(read.key.clone()), items(read)]))
                .collect(),
        ),
        Proto::Resp3 => Frame::Map(
            reads
                .iter()
                .map(|read| (Frame::bulk(read.key.clone()), items(read)))
                .collect(),
        ),
    }
}

fn pending_summary_frame(summary: &PendingSummary) -> Frame {
    let (min, max) = match summary.bounds {
        Some((min, max)) => (id_frame(min), id_frame(max)),
        None => (Frame::Null, Frame::Null),
    };
    // Redis sends each consumer's count as a bulk string here, unlike everywhere else.
    let consumers = if summary.consumers.is_empty() {
        Frame::NullArray
    } else {
        Frame::Array(
            summary
                .consumers
                .iter()
                .map(|(name, count)| {
                    Frame::Array(vec![
                        Frame::bulk(name.clone()),
                        Frame::bulk(count.to_string()),
                    ])
                })
                .collect(),
        )
    };
    Frame::Array(vec![int(summary.count), min, max, consumers])
}

fn pending_item_frame(item: &PendingItem) -> Frame {
    Frame::Array(vec![
        id_frame(item.id),
        Frame::bulk(item.consumer.clone()),
        int(item.idle_ms),
        int(item.delivery_count),
    ])
}

fn field(name: &str, value: Frame) -> (Frame, Frame) {
    (Frame::bulk(name), value)
}

fn entry_or_nil(entry: Option<&Entry>) -> Frame {
    entry.map_or(Frame::Null, entry_frame)
}

/// Redis reports the size of the radix tree holding a stream's nodes; conquiet keeps nodes
/// in a B-tree, so this is an estimate shaped like Redis's figures (1 for an empty tree, about
/// two tree nodes per stream node).
fn radix_tree_nodes(keys: u64) -> u64 {
    match keys {
        0 => 1,
        1 => 2,
        n => n.saturating_mul(2).saturating_add(2),
    }
}

fn stream_info_frame(info: &StreamInfo) -> Frame {
    Frame::Map(vec![
        field("length", int(info.length)),
        field("radix-tree-keys", int(info.nodes)),
        field("radix-tree-nodes", int(radix_tree_nodes(info.nodes))),
        field("last-generated-id", id_frame(info.last_generated_id)),
        field("max-deleted-entry-id", id_frame(info.max_deleted_id)),
        field("entries-added", int(info.entries_added)),
        field("recorded-first-entry-id", id_frame(info.first_id)),
        field("groups", int(info.groups)),
        field("first-entry", entry_or_nil(info.first_entry.as_ref())),
        field("last-entry", entry_or_nil(info.last_entry.as_ref())),
    ])
}

fn stream_full_frame(full: &StreamInfoFull) -> Frame {
    Frame::Map(vec![
        field("length", int(full.length)),
        field("radix-tree-keys", int(full.nodes)),
        field("radix-tree-nodes", int(radix_tree_nodes(full.nodes))),
        field("last-generated-id", id_frame(full.last_generated_id)),
        field("max-deleted-entry-id", id_frame(full.max_deleted_id)),
        field("entries-added", int(full.entries_added)),
        field("recorded-first-entry-id", id_frame(full.first_id)),
        field("entries", entries_frame(&full.entries)),
        field(
            "groups",
            Frame::Array(full.groups.iter().map(full_group_frame).collect()),
        ),
    ])
}

fn entries_read_and_lag(info: &GroupInfo) -> [(Frame, Frame); 2] {
    [
        field("entries-read", info.entries_read.map_or(Frame::Null, int)),
        field("lag", info.lag.map_or(Frame::Null, Frame::Integer)),
    ]
}

fn full_group_frame(group: &FullGroup) -> Frame {
    let info = &group.info;
    let pending = group
        .pending
        .iter()
        .map(|p: &FullPending| {
            Frame::Array(vec![
                id_frame(p.id),
                Frame::bulk(p.consumer.clone()),
                int(p.delivery_time),
                int(p.delivery_count),
            ])
        })
        .collect();
    let mut fields = vec![
        field("name", Frame::bulk(info.name.clone())),
        field("last-delivered-id", id_frame(info.last_delivered_id)),
    ];
    fields.extend(entries_read_and_lag(info));
    fields.extend([
        field("pel-count", int(info.pending)),
        field("pending", Frame::Array(pending)),
        field(
            "consumers",
            Frame::Array(group.consumers.iter().map(full_consumer_frame).collect()),
        ),
    ]);
    Frame::Map(fields)
}

fn full_consumer_frame(consumer: &FullConsumer) -> Frame {
    let pending = consumer
        .pending
        .iter()
        .map(|p| {
            Frame::Array(vec![
                id_frame(p.id),
                int(p.delivery_time),
                int(p.delivery_count),
            ])
        })
        .collect();
    Frame::Map(vec![
        field("name", Frame::bulk(consumer.name.clone())),
        field("seen-time", int(consumer.seen_time)),
        field("pel-count", int(consumer.pel_count)),
        field("pending", Frame::Array(pending)),
    ])
}

fn group_frame(info: &GroupInfo) -> Frame {
    let mut fields = vec![
        field("name", Frame::bulk(info.name.clone())),
        field("consumers", int(info.consumers)),
        field("pending", int(info.pending)),
        field("last-delivered-id", id_frame(info.last_delivered_id)),
    ];
    fields.extend(entries_read_and_lag(info));
    Frame::Map(fields)
}

fn consumer_frame(consumer: &ConsumerInfo) -> Frame {
    Frame::Map(vec![
        field("name", Frame::bulk(consumer.name.clone())),
        field("pending", int(consumer.pending)),
        field("idle", int(consumer.idle_ms)),
    ])
}
