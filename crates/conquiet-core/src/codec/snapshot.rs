//! Snapshot bodies: the whole engine, nodes and groups included, so a restored engine fills
//! nodes and answers XINFO exactly as the one written. Tabled in docs/snapshot-format.md.
//! Reading checks every count against the limits and every ordering the writer guarantees
//! (keys, names, node ids, pending ids), so a damaged body is an error, not a broken engine.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::sync::Arc;

use super::queue::{
    read_group_policy, read_stream_policy, write_group_policy, write_stream_policy,
};
use super::{CodecError, Dec, Enc, SNAPSHOT_VERSION, SNAPSHOT_VERSION_MIN};
use crate::engine::{Engine, EngineConfig};
use crate::group::{Consumer, Group, Pending, Waiting};
use crate::limits::*;
use crate::queue::{GroupCounters, StreamCounters};
use crate::queue_state::StreamQueue;
use crate::stream::{Node, Slot, Stream};
use crate::{NodeLimits, StreamId};

/// Writes the whole engine. Nodes are shared, not copied, so a caller can clone the engine
/// cheaply and encode the clone off the hot path.
pub fn encode_snapshot<W: Write>(engine: &Engine, out: &mut W) -> io::Result<()> {
    let mut e = Enc(out);
    e.u32(SNAPSHOT_VERSION)?;
    e.u64(engine.config.node.entries_max)?;
    e.u64(engine.config.node.bytes_max)?;
    e.len(engine.streams.len())?;
    for (key, s) in &engine.streams {
        e.bytes(key)?;
        e.u64(s.length)?;
        e.id(s.last_id)?;
        e.id(s.first_id)?;
        e.id(s.max_deleted_id)?;
        e.u64(s.entries_added)?;
        e.u64(s.nodes.len() as u64)?;
        for node in s.nodes.values() {
            write_node(&mut e, node)?;
        }
        e.len(s.groups.len())?;
        for (name, g) in &s.groups {
            write_group(&mut e, name, g)?;
        }
        write_stream_queue(&mut e, &s.queue)?;
    }
    super::lock::write_locks(&mut e, &engine.locks)?;
    super::room::write_rooms(&mut e, &engine.rooms)?;
    super::conversation::write_conversations(&mut e, &engine.conversations)
}

fn write_stream_queue<W: Write>(e: &mut Enc<'_, W>, q: &StreamQueue) -> io::Result<()> {
    write_stream_policy(e, &q.policy)?;
    e.u64(q.delays.len() as u64)?;
    for (id, at) in &q.delays {
        e.id(*id)?;
        e.u64(*at)?;
    }
    e.u64(q.dedup_by_time.len() as u64)?;
    for (time, key) in &q.dedup_by_time {
        e.bytes(key)?;
        e.id(q.dedup[key].0)?;
        e.u64(*time)?;
    }
    let c = q.counters;
    for v in [c.published, c.duplicates, c.dropped] {
        e.u64(v)?;
    }
    e.u8(u8::from(q.dead_letter))
}

fn read_stream_queue<R: Read>(d: &mut Dec<'_, R>, s: &Stream) -> Result<StreamQueue, CodecError> {
    let mut q = StreamQueue {
        policy: read_stream_policy(d)?,
        ..StreamQueue::default()
    };
    let delays = d.u64()?;
    if delays > s.length {
        return Err(CodecError::Malformed("more delays than entries"));
    }
    for _ in 0..delays {
        let id = d.id()?;
        let at = d.u64()?;
        if q.delays
            .last_key_value()
            .is_some_and(|(last, _)| *last >= id)
        {
            return Err(CodecError::Malformed("delay ids out of order"));
        }
        q.delays.insert(id, at);
    }
    let keys = d.u64()?;
    if keys > DEDUP_KEYS_MAX as u64 {
        return Err(CodecError::Limit {
            what: "deduplication keys",
            value: keys,
            limit: DEDUP_KEYS_MAX as u64,
        });
    }
    for _ in 0..keys {
        let key = d.name()?;
        let id = d.id()?;
        let time = d.u64()?;
        if q.dedup.insert(key.clone(), (id, time)).is_some() {
            return Err(CodecError::Malformed("repeated deduplication key"));
        }
        q.dedup_by_time.insert((time, key));
    }
    q.counters = StreamCounters {
        published: d.u64()?,
        duplicates: d.u64()?,
        dropped: d.u64()?,
    };
    q.dead_letter = d.bool()?;
    Ok(q)
}

fn write_node<W: Write>(e: &mut Enc<'_, W>, node: &Node) -> io::Result<()> {
    let (master_fields, body_bytes) = node.size_state();
    e.len(master_fields.len())?;
    master_fields.iter().try_for_each(|f| e.bytes(f))?;
    e.u64(body_bytes)?;
    e.len(node.slots.len())?;
    for slot in &node.slots {
        e.id(slot.id)?;
        match &slot.data {
            None => e.u8(0)?,
            Some(data) => {
                e.u8(1)?;
                e.bytes(data.as_packed())?;
            }
        }
    }
    Ok(())
}

fn write_group<W: Write>(e: &mut Enc<'_, W>, name: &[u8], g: &Group) -> io::Result<()> {
    e.bytes(name)?;
    e.id(g.last_id)?;
    e.opt_u64(g.entries_read)?;
    e.len(g.consumers.len())?;
    for (cname, c) in &g.consumers {
        e.bytes(cname)?;
        e.u64(c.seen_time)?;
        e.opt_u64(c.active_time)?;
    }
    e.u64(g.pel.len() as u64)?;
    for (id, p) in &g.pel {
        e.id(*id)?;
        e.bytes(&p.consumer)?;
        e.u64(p.delivery_time)?;
        e.u64(p.delivery_count)?;
        e.u64(p.token)?;
        e.opt_u64(p.lease_until)?;
    }
    match &g.policy {
        None => e.u8(0)?,
        Some(policy) => {
            e.u8(1)?;
            write_group_policy(e, policy)?;
        }
    }
    e.u64(g.last_token)?;
    e.u64(g.waiting.len() as u64)?;
    for (id, w) in &g.waiting {
        e.id(*id)?;
        e.u64(w.due_ms)?;
        e.u64(w.delivery_count)?;
    }
    e.u64(g.reasons.len() as u64)?;
    for (id, reason) in &g.reasons {
        e.id(*id)?;
        e.bytes(reason)?;
    }
    let c = g.counters;
    for v in [
        c.delivered,
        c.redelivered,
        c.acked,
        c.nacked,
        c.dead_lettered,
    ] {
        e.u64(v)?;
    }
    Ok(())
}

/// Reads an engine written by `encode_snapshot`, checking every count and the PEL invariants.
pub fn decode_snapshot<R: Read>(input: &mut R) -> Result<Engine, CodecError> {
    let mut d = Dec(input);
    let version = d.u32()?;
    if !(SNAPSHOT_VERSION_MIN..=SNAPSHOT_VERSION).contains(&version) {
        return Err(CodecError::SnapshotVersion(version));
    }
    let node = NodeLimits {
        entries_max: d.u64()?,
        bytes_max: d.u64()?,
    };
    let mut engine = Engine::new(EngineConfig { node });
    let n = d.count("stream count", STREAMS_MAX)?;
    for _ in 0..n {
        let key = d.name()?;
        let stream = read_stream(&mut d, version)?;
        if engine
            .streams
            .last_key_value()
            .is_some_and(|(k, _)| *k >= key)
        {
            return Err(CodecError::Malformed("stream keys out of order"));
        }
        engine.streams.insert(key, stream);
    }
    if version >= 3 {
        engine.locks = super::lock::read_locks(&mut d)?;
    }
    if version >= 4 {
        engine.rooms = super::room::read_rooms(&mut d)?;
    }
    if version >= 5 {
        engine.conversations = super::conversation::read_conversations(&mut d)?;
    }
    Ok(engine)
}

fn read_stream<R: Read>(d: &mut Dec<'_, R>, version: u32) -> Result<Stream, CodecError> {
    let mut s = Stream {
        length: d.u64()?,
        last_id: d.id()?,
        first_id: d.id()?,
        max_deleted_id: d.id()?,
        entries_added: d.u64()?,
        ..Stream::default()
    };
    let nodes = d.u64()?;
    let mut live = 0u64;
    // Nodes must follow each other without overlap and stay at or below the last id, or a
    // later append or range would see entries out of order.
    let mut prev_last: Option<StreamId> = None;
    for _ in 0..nodes {
        let node = read_node(d)?;
        live += node.live;
        s.bytes += node
            .slots
            .iter()
            .filter_map(|slot| slot.data.as_ref())
            .map(crate::stream::data_bytes)
            .sum::<u64>();
        let (Some(first), Some(last)) = (node.slots.first(), node.slots.last()) else {
            return Err(CodecError::Malformed("empty node"));
        };
        let (first, last) = (first.id, last.id);
        if prev_last.is_some_and(|prev| prev >= first) || last > s.last_id {
            return Err(CodecError::Malformed("node ids out of order"));
        }
        prev_last = Some(last);
        s.nodes.insert(first, Arc::new(node));
    }
    if live != s.length {
        return Err(CodecError::Malformed("stream length"));
    }
    // Lag arithmetic subtracts the length from entries-added.
    if s.entries_added < s.length {
        return Err(CodecError::Malformed("entries added below the length"));
    }
    let groups = d.count("groups on a stream", GROUPS_PER_STREAM_MAX)?;
    for _ in 0..groups {
        let name = d.name()?;
        let g = read_group(d, version)?;
        if s.groups.last_key_value().is_some_and(|(k, _)| *k >= name) {
            return Err(CodecError::Malformed("group names out of order"));
        }
        s.groups.insert(name, g);
    }
    if version >= 2 {
        s.queue = read_stream_queue(d, &s)?;
    }
    Ok(s)
}

fn read_node<R: Read>(d: &mut Dec<'_, R>) -> Result<Node, CodecError> {
    let fields = d.count("fields in an entry", ENTRY_FIELDS_MAX)?;
    let master_fields = (0..fields)
        .map(|_| d.bytes("field bytes", FIELD_BYTES_MAX))
        .collect::<Result<Vec<_>, _>>()?;
    let body_bytes = d.u64()?;
    // A node stops growing at the byte ceiling plus one entry; a larger size is damage, and
    // would overflow the size arithmetic of later appends.
    if body_bytes > 2 * NODE_BYTES_CEILING {
        return Err(CodecError::Malformed("node size"));
    }
    let n = d.count("entries in a node", u32::MAX as usize)?;
    let mut slots: Vec<Slot> = Vec::new();
    for _ in 0..n {
        let id = d.id()?;
        if slots.last().is_some_and(|prev| prev.id >= id) {
            return Err(CodecError::Malformed("node ids out of order"));
        }
        let data = if d.bool()? { Some(d.entry()?) } else { None };
        slots.push(Slot { id, data });
    }
    Ok(Node::from_parts(slots, master_fields, body_bytes))
}

fn read_group<R: Read>(d: &mut Dec<'_, R>, version: u32) -> Result<Group, CodecError> {
    let mut g = Group::new(d.id()?, d.opt_u64()?);
    let consumers = d.count("consumers in a group", CONSUMERS_PER_GROUP_MAX)?;
    for _ in 0..consumers {
        let name = d.name()?;
        let consumer = Consumer {
            name: name.as_slice().into(),
            seen_time: d.u64()?,
            active_time: d.opt_u64()?,
            pel: BTreeSet::new(),
        };
        if g.consumers
            .last_key_value()
            .is_some_and(|(k, _)| *k >= name)
        {
            return Err(CodecError::Malformed("consumer names out of order"));
        }
        g.consumers.insert(name, consumer);
    }
    let pending = d.u64()?;
    if pending > PENDING_PER_GROUP_MAX as u64 {
        return Err(CodecError::Limit {
            what: "pending entries in a group",
            value: pending,
            limit: PENDING_PER_GROUP_MAX as u64,
        });
    }
    let mut pel: BTreeMap<StreamId, Pending> = BTreeMap::new();
    for _ in 0..pending {
        let id = d.id()?;
        // Strictly increasing ids: a repeated id could sit in two consumers' PELs at once.
        if pel.last_key_value().is_some_and(|(last, _)| *last >= id) {
            return Err(CodecError::Malformed("pending ids out of order"));
        }
        let cname = d.name()?;
        let consumer = g
            .consumers
            .get_mut(&cname)
            .ok_or(CodecError::Malformed("PEL owner"))?;
        consumer.pel.insert(id);
        let mut p = Pending {
            consumer: consumer.name.clone(),
            delivery_time: d.u64()?,
            delivery_count: d.u64()?,
            token: 0,
            lease_until: None,
        };
        if version >= 2 {
            p.token = d.u64()?;
            p.lease_until = d.opt_u64()?;
        }
        if let Some(until) = p.lease_until {
            g.leases.insert((until, id));
        }
        pel.insert(id, p);
    }
    g.pel = pel;
    if version >= 2 {
        read_group_queue(d, &mut g)?;
    }
    Ok(g)
}

fn read_group_queue<R: Read>(d: &mut Dec<'_, R>, g: &mut Group) -> Result<(), CodecError> {
    g.policy = if d.bool()? {
        Some(read_group_policy(d)?)
    } else {
        None
    };
    g.last_token = d.u64()?;
    if g.pel.values().any(|p| p.token > g.last_token) {
        return Err(CodecError::Malformed("token after the last token"));
    }
    let waiting = d.u64()?;
    if waiting > PENDING_PER_GROUP_MAX as u64 {
        return Err(CodecError::Limit {
            what: "waiting entries in a group",
            value: waiting,
            limit: PENDING_PER_GROUP_MAX as u64,
        });
    }
    for _ in 0..waiting {
        let id = d.id()?;
        let w = Waiting {
            due_ms: d.u64()?,
            delivery_count: d.u64()?,
        };
        if g.waiting
            .last_key_value()
            .is_some_and(|(last, _)| *last >= id)
        {
            return Err(CodecError::Malformed("waiting ids out of order"));
        }
        if g.pel.contains_key(&id) {
            return Err(CodecError::Malformed("entry both pending and waiting"));
        }
        g.waiting_due.insert((w.due_ms, id));
        g.waiting.insert(id, w);
    }
    let reasons = d.u64()?;
    if reasons > (g.pel.len() + g.waiting.len()) as u64 {
        return Err(CodecError::Malformed("more reasons than unsettled entries"));
    }
    for _ in 0..reasons {
        let id = d.id()?;
        let reason = d.bytes("reason bytes", REASON_BYTES_MAX)?;
        g.reasons.insert(id, reason);
    }
    g.counters = GroupCounters {
        delivered: d.u64()?,
        redelivered: d.u64()?,
        acked: d.u64()?,
        nacked: d.u64()?,
        dead_lettered: d.u64()?,
    };
    Ok(())
}
