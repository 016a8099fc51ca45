//! A stream's entries, kept in nodes the way Redis keeps listpacks in a radix tree: nodes fill
//! up at the same entry count and byte size as Redis's, so approximate trimming removes exactly
//! the entries Redis would, and XINFO reports the same number of nodes.
//!
//! Nodes sit behind `Arc` so a snapshot can take a copy of a whole stream in time proportional
//! to its node count; a later change to a shared node copies that node only.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::entry::{Entry, EntryData};
use crate::group::Group;
use crate::listpack::{LISTPACK_EMPTY_BYTES, int_bytes, str_bytes};
use crate::{NodeLimits, StreamId};

/// One entry slot in a node; `data` is `None` once deleted (Redis keeps a flagged tombstone in
/// the listpack until the whole node goes).
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub id: StreamId,
    pub data: Option<EntryData>,
}

/// A run of consecutive entries, the counterpart of one Redis listpack.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub slots: Vec<Slot>,
    pub live: u64,
    /// Field names of the first entry: later entries with the same names are smaller in Redis.
    master_fields: Vec<Vec<u8>>,
    /// Listpack bytes other than the header, end byte, and the live/deleted counters.
    body_bytes: u64,
}

impl Node {
    fn new(id: StreamId, data: &EntryData) -> Node {
        let master_fields: Vec<Vec<u8>> = data.pairs().map(|(f, _)| f.to_vec()).collect();
        let mut body_bytes = int_bytes(master_fields.len() as i64) + int_bytes(0);
        body_bytes += master_fields.iter().map(|f| str_bytes(f)).sum::<u64>();
        let mut node = Node {
            slots: Vec::new(),
            live: 0,
            master_fields,
            body_bytes,
        };
        node.push(id, id, data.clone());
        node
    }

    /// Rebuilds a node read back from a snapshot.
    pub(crate) fn from_parts(
        slots: Vec<Slot>,
        master_fields: Vec<Vec<u8>>,
        body_bytes: u64,
    ) -> Node {
        let live = slots.iter().filter(|s| s.data.is_some()).count() as u64;
        Node {
            slots,
            live,
            master_fields,
            body_bytes,
        }
    }

    /// The state behind `lp_bytes`, for snapshots.
    pub(crate) fn size_state(&self) -> (&[Vec<u8>], u64) {
        (&self.master_fields, self.body_bytes)
    }

    /// What `lpBytes` would say of this node.
    pub fn lp_bytes(&self) -> u64 {
        let deleted = self.slots.len() as u64 - self.live;
        LISTPACK_EMPTY_BYTES
            + int_bytes(self.live as i64)
            + int_bytes(deleted as i64)
            + self.body_bytes
    }

    fn push(&mut self, master: StreamId, id: StreamId, data: EntryData) {
        let same = data.pair_count() == self.master_fields.len()
            && data
                .pairs()
                .zip(&self.master_fields)
                .all(|((f, _), m)| f == m.as_slice());
        let pairs = data.pair_count() as u64;
        // flags, ms-diff, seq-diff, [num-fields, fields], values, lp-count
        let mut bytes = int_bytes(if same { 2 } else { 0 });
        bytes += int_bytes(id.ms.wrapping_sub(master.ms) as i64);
        bytes += int_bytes(id.seq.wrapping_sub(master.seq) as i64);
        let mut lp_count = pairs + 3;
        if !same {
            bytes += int_bytes(pairs as i64);
            lp_count += pairs + 1;
        }
        for (field, value) in data.pairs() {
            if !same {
                bytes += str_bytes(field);
            }
            bytes += str_bytes(value);
        }
        bytes += int_bytes(lp_count as i64);
        self.body_bytes += bytes;
        self.slots.push(Slot {
            id,
            data: Some(data),
        });
        self.live += 1;
    }

    /// Index of the live entry `id`, if present.
    fn find(&self, id: StreamId) -> Option<usize> {
        let at = self.slots.binary_search_by(|s| s.id.cmp(&id)).ok()?;
        self.slots[at].data.is_some().then_some(at)
    }

    fn last_id(&self) -> StreamId {
        self.slots.last().map(|s| s.id).unwrap_or_default()
    }
}

/// How to trim: keep at most `MaxLen` entries, or drop entries below `MinId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimTo {
    MaxLen(u64),
    MinId(StreamId),
}

/// Field and value bytes of an entry, as the byte limit counts them.
pub(crate) fn data_bytes(data: &EntryData) -> u64 {
    data.pairs().map(|(f, v)| (f.len() + v.len()) as u64).sum()
}

/// A trim request with Redis's options. `limit` 0 means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trim {
    pub to: TrimTo,
    pub approx: bool,
    pub limit: u64,
}

/// A stream: entries plus the counters Redis 7 keeps, and its consumer groups.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    pub(crate) nodes: BTreeMap<StreamId, Arc<Node>>,
    pub(crate) length: u64,
    pub(crate) last_id: StreamId,
    pub(crate) first_id: StreamId,
    pub(crate) max_deleted_id: StreamId,
    pub(crate) entries_added: u64,
    pub(crate) groups: BTreeMap<Vec<u8>, Group>,
    /// Field and value bytes of the live entries (for the byte limit; not persisted, counted
    /// again when a snapshot is read).
    pub(crate) bytes: u64,
    /// Work-queue state: policy, delays, deduplication keys, counters.
    pub(crate) queue: crate::queue_state::StreamQueue,
}

impl Stream {
    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    pub fn last_id(&self) -> StreamId {
        self.last_id
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The consumer groups, by name, for checks and tools; commands go through the engine.
    pub fn groups(&self) -> impl Iterator<Item = (&[u8], &Group)> + '_ {
        self.groups.iter().map(|(name, g)| (name.as_slice(), g))
    }

    /// Appends `id`, which the caller checked is greater than `last_id`.
    pub(crate) fn append(&mut self, id: StreamId, data: EntryData, limits: NodeLimits) {
        assert!(
            id > self.last_id,
            "ids increase: {id} after {}",
            self.last_id
        );
        let entry_bytes = data_bytes(&data);
        self.bytes += entry_bytes;
        let tail = self
            .nodes
            .last_key_value()
            .map(|(k, n)| (*k, n.lp_bytes(), n.slots.len()));
        let fits = tail.is_some_and(|(_, lp_bytes, count)| {
            lp_bytes + entry_bytes < limits.bytes_max()
                && (limits.entries_max == 0 || (count as u64) < limits.entries_max)
        });
        match tail {
            Some((master, _, _)) if fits => {
                let node = self.nodes.get_mut(&master).expect("tail node exists");
                Arc::make_mut(node).push(master, id, data);
            }
            _ => {
                self.nodes.insert(id, Arc::new(Node::new(id, &data)));
            }
        }
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    pub fn get(&self, id: StreamId) -> Option<&EntryData> {
        let (_, node) = self.nodes.range(..=id).next_back()?;
        let at = node.find(id)?;
        node.slots[at].data.as_ref()
    }

    /// Deletes one entry; returns whether it existed. Keeps Redis's counters.
    pub(crate) fn delete(&mut self, id: StreamId) -> bool {
        let Some((&master, node)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let Some(at) = node.find(id) else {
            return false;
        };
        let node = Arc::make_mut(node);
        let data = node.slots[at].data.take();
        self.bytes -= data.as_ref().map_or(0, data_bytes);
        self.queue.forget(id);
        node.live -= 1;
        if node.live == 0 {
            self.nodes.remove(&master);
        }
        self.length -= 1;
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        if id == self.first_id {
            self.refresh_first_id();
        }
        true
    }

    fn refresh_first_id(&mut self) {
        self.first_id = self.first().map(|e| e.id).unwrap_or_default();
    }

    pub fn first(&self) -> Option<Entry> {
        self.range(StreamId::ZERO, StreamId::MAX, 1, false)
            .into_iter()
            .next()
    }

    pub fn last(&self) -> Option<Entry> {
        self.range(StreamId::ZERO, StreamId::MAX, 1, true)
            .into_iter()
            .next()
    }

    /// Live entries with `start <= id <= end`, at most `count`, oldest first unless `rev`.
    pub fn range(&self, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Entry> {
        let mut out = Vec::new();
        if start > end || count == 0 {
            return out;
        }
        let from = self
            .nodes
            .range(..=start)
            .next_back()
            .map(|(k, _)| *k)
            .unwrap_or(start);
        let nodes = self.nodes.range(from..=end);
        let visit = |node: &Arc<Node>, out: &mut Vec<Entry>| {
            let slots = node.slots.iter().filter(|s| s.id >= start && s.id <= end);
            let mut push = |slot: &Slot| {
                if let Some(data) = &slot.data {
                    out.push(Entry {
                        id: slot.id,
                        data: data.clone(),
                    });
                }
                out.len() < count
            };
            if rev {
                slots.rev().all(&mut push)
            } else {
                slots.into_iter().all(&mut push)
            }
        };
        if rev {
            for (_, node) in nodes.rev() {
                if !visit(node, &mut out) {
                    break;
                }
            }
        } else {
            for (_, node) in nodes {
                if !visit(node, &mut out) {
                    break;
                }
            }
        }
        out
    }

    /// Trims as Redis's `streamTrim` does; returns how many entries went.
    pub(crate) fn trim(&mut self, trim: Trim) -> u64 {
        let mut deleted = 0u64;
        while let Some((&master, node)) = self.nodes.first_key_value() {
            if let TrimTo::MaxLen(max) = trim.to
                && self.length <= max
            {
                break;
            }
            let entries = node.live;
            if trim.limit != 0 && deleted + entries > trim.limit {
                break;
            }
            let remove_node = match trim.to {
                TrimTo::MaxLen(max) => self.length - entries >= max,
                TrimTo::MinId(min) => node.last_id() < min,
            };
            if remove_node {
                if let Some(node) = self.nodes.remove(&master) {
                    for slot in node.slots.iter().filter(|s| s.data.is_some()) {
                        self.bytes -= slot.data.as_ref().map_or(0, data_bytes);
                        self.queue.forget(slot.id);
                    }
                }
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if trim.approx {
                break;
            }
            deleted += self.trim_inside(master, trim.to);
            break;
        }
        self.refresh_first_id();
        deleted
    }

    /// Marks entries of the head node deleted one by one until the trim target holds.
    fn trim_inside(&mut self, master: StreamId, to: TrimTo) -> u64 {
        let mut length = self.length;
        let node = Arc::make_mut(self.nodes.get_mut(&master).expect("head node exists"));
        let mut deleted = 0;
        for slot in node.slots.iter_mut().filter(|s| s.data.is_some()) {
            let stop = match to {
                TrimTo::MaxLen(max) => length <= max,
                TrimTo::MinId(min) => slot.id >= min,
            };
            if stop {
                break;
            }
            let data = slot.data.take();
            self.bytes -= data.as_ref().map_or(0, data_bytes);
            self.queue.forget(slot.id);
            length -= 1;
            deleted += 1;
        }
        node.live -= deleted;
        self.length = length;
        deleted
    }
}
