//! XREADGROUP's effect on one stream. A `>` read hands out entries newer than the group's last
//! id, advancing it and the `entries_read` counter and filling the PEL; a history read
//! re-delivers the consumer's own pending entries. As in Redis 7.0, a `>` read that finds
//! nothing leaves the group alone: no consumer is created and no seen-time moves.

use crate::StreamId;
use crate::command::GroupReadFrom;
use crate::group::Group;
use crate::limits::PENDING_PER_GROUP_MAX;
use crate::reply::{ReadItem, StreamRead};
use crate::stream::Stream;

/// What one XREADGROUP asks, shared by every stream it names.
pub(crate) struct GroupRead<'a> {
    pub group: &'a [u8],
    pub consumer: &'a [u8],
    /// Already bounded by `read_count`.
    pub count: usize,
    pub no_ack: bool,
    pub now: u64,
}

/// Whether XREADGROUP answers for `stream` now (Redis "serves it synchronously"): a history
/// read always does; a `>` read when a live entry is newer than the group's last id and the
/// PEL has room.
pub(crate) fn serves(stream: &Stream, g: &Group, from: GroupReadFrom, no_ack: bool) -> bool {
    match from {
        GroupReadFrom::PendingAfter(_) => true,
        GroupReadFrom::New => {
            pel_room(g, no_ack) > 0 && stream.last().is_some_and(|e| e.id > g.last_id)
        }
    }
}

/// How many more entries a read may add to the PEL. NOACK reads add none.
fn pel_room(g: &Group, no_ack: bool) -> usize {
    if no_ack {
        usize::MAX
    } else {
        PENDING_PER_GROUP_MAX.saturating_sub(g.pel.len())
    }
}

/// One stream's part of XREADGROUP; `None` when a `>` read found nothing (the stream is then
/// left out of the reply).
pub(crate) fn read_group(
    stream: &mut Stream,
    key: &[u8],
    read: &GroupRead<'_>,
    from: GroupReadFrom,
) -> Option<StreamRead> {
    let items = match from {
        GroupReadFrom::New => read_new(stream, read)?,
        GroupReadFrom::PendingAfter(after) => read_history(stream, read, after),
    };
    Some(StreamRead {
        key: key.to_vec(),
        items,
    })
}

fn read_new(stream: &mut Stream, read: &GroupRead<'_>) -> Option<Vec<ReadItem>> {
    let g = group_mut(stream, read.group);
    let room = read.count.min(pel_room(g, read.no_ack));
    let start = g.last_id.next()?;
    let entries = stream.range(start, StreamId::MAX, room, false);
    if entries.is_empty() {
        return None;
    }
    let g = group_mut(stream, read.group);
    g.touch_consumer(read.consumer, read.now);
    g.mark_active(read.consumer, read.now);
    for entry in &entries {
        advance_group(stream, read.group, entry.id);
        if !read.no_ack {
            group_mut(stream, read.group).deliver(entry.id, read.consumer, read.now);
        }
    }
    let items = entries
        .into_iter()
        .map(|e| ReadItem {
            id: e.id,
            data: Some(e.data),
        })
        .collect();
    Some(items)
}

/// The consumer's pending entries after `after`. An entry deleted from the stream is answered
/// with its id and no data, and its delivery count stays as it was.
fn read_history(stream: &mut Stream, read: &GroupRead<'_>, after: StreamId) -> Vec<ReadItem> {
    let g = group_mut(stream, read.group);
    g.touch_consumer(read.consumer, read.now);
    let ids: Vec<StreamId> = match after.next() {
        Some(start) => g.consumers[read.consumer]
            .pel
            .range(start..)
            .take(read.count)
            .copied()
            .collect(),
        None => Vec::new(),
    };
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let data = stream.get(id).cloned();
        if data.is_some() {
            let g = group_mut(stream, read.group);
            let pending = g
                .pel
                .get_mut(&id)
                .expect("consumer PEL entry is in group PEL");
            pending.delivery_time = read.now;
            pending.delivery_count = pending.delivery_count.saturating_add(1);
            g.mark_active(read.consumer, read.now);
        }
        items.push(ReadItem { id, data });
    }
    items
}

fn group_mut<'s>(stream: &'s mut Stream, group: &[u8]) -> &'s mut Group {
    stream
        .groups
        .get_mut(group)
        .expect("decide checked the group")
}

/// Moves the group's last id to `id`, keeping `entries_read` as Redis 7.0 does: counted up
/// while no deleted entry may lie ahead, estimated otherwise.
pub(crate) fn advance_group(stream: &mut Stream, group: &[u8], id: StreamId) {
    let tombstones = stream.range_has_tombstones(id, StreamId::MAX);
    let estimate = stream.estimate_entries_read(id);
    let entries_added = stream.entries_added;
    let g = group_mut(stream, group);
    if id <= g.last_id {
        return;
    }
    match g.entries_read {
        Some(read) if !tombstones => g.entries_read = Some(read.saturating_add(1)),
        _ if entries_added > 0 => g.entries_read = estimate,
        _ => {}
    }
    g.last_id = id;
}
