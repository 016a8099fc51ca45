//! Bytes for log records and engine snapshots, and back. Integers are little-endian; byte
//! strings are a u32 length then the bytes. Every length read back is checked against the
//! engine's limits before anything is allocated, so a damaged file yields an error, never a
//! huge allocation or a panic. The formats are tabled in docs/record-format.md.
//!
//! Paired functions: `encode_record` / `decode_record`, `encode_snapshot` /
//! `decode_snapshot`. A change to one side changes the format version.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::sync::Arc;

use crate::command::{AutoClaim, Claim, GroupReadFrom, Op, Record};
use crate::engine::{Engine, EngineConfig};
use crate::entry::EntryData;
use crate::group::{Consumer, Group, Pending};
use crate::limits::*;
use crate::stream::{Node, Slot, Stream, Trim, TrimTo};
use crate::{NodeLimits, StreamId};

/// Version byte that starts every record.
pub const RECORD_VERSION: u8 = 1;
/// Version written at the start of a snapshot body.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Why bytes could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("unknown record version {0}, this build reads version {RECORD_VERSION}")]
    RecordVersion(u8),
    #[error("unknown snapshot version {0}, this build reads version {SNAPSHOT_VERSION}")]
    SnapshotVersion(u32),
    #[error("unknown op tag {0}")]
    OpTag(u8),
    #[error("{what} is {value}, limit is {limit}")]
    Limit {
        what: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("{0} trailing bytes after the record")]
    Trailing(usize),
    #[error("truncated or unreadable input: {0}")]
    Io(#[from] io::Error),
}

struct Enc<'a, W: Write>(&'a mut W);

impl<W: Write> Enc<'_, W> {
    fn u8(&mut self, v: u8) -> io::Result<()> {
        self.0.write_all(&[v])
    }
    fn u32(&mut self, v: u32) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    fn u64(&mut self, v: u64) -> io::Result<()> {
        self.0.write_all(&v.to_le_bytes())
    }
    fn len(&mut self, n: usize) -> io::Result<()> {
        self.u32(u32::try_from(n).map_err(|_| io::Error::other("length exceeds u32"))?)
    }
    fn bytes(&mut self, b: &[u8]) -> io::Result<()> {
        self.len(b.len())?;
        self.0.write_all(b)
    }
    fn id(&mut self, id: StreamId) -> io::Result<()> {
        self.u64(id.ms)?;
        self.u64(id.seq)
    }
    fn opt_u64(&mut self, v: Option<u64>) -> io::Result<()> {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1)?;
                self.u64(v)
            }
        }
    }
    fn opt_id(&mut self, v: Option<StreamId>) -> io::Result<()> {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1)?;
                self.id(v)
            }
        }
    }
    fn ids(&mut self, ids: &[StreamId]) -> io::Result<()> {
        self.len(ids.len())?;
        ids.iter().try_for_each(|id| self.id(*id))
    }
    fn trim(&mut self, t: &Trim) -> io::Result<()> {
        match t.to {
            TrimTo::MaxLen(n) => {
                self.u8(0)?;
                self.u64(n)?;
            }
            TrimTo::MinId(id) => {
                self.u8(1)?;
                self.id(id)?;
            }
        }
        self.u8(u8::from(t.approx))?;
        self.u64(t.limit)
    }
}

struct Dec<'a, R: Read>(&'a mut R);

impl<R: Read> Dec<'_, R> {
    fn u8(&mut self) -> Result<u8, CodecError> {
        let mut b = [0u8; 1];
        self.0.read_exact(&mut b)?;
        Ok(b[0])
    }
    fn u32(&mut self) -> Result<u32, CodecError> {
        let mut b = [0u8; 4];
        self.0.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, CodecError> {
        let mut b = [0u8; 8];
        self.0.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn bool(&mut self) -> Result<bool, CodecError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::Malformed("flag")),
        }
    }
    /// A count, checked against `limit` before the caller allocates for it.
    fn count(&mut self, what: &'static str, limit: usize) -> Result<usize, CodecError> {
        let n = self.u32()? as usize;
        if n > limit {
            return Err(CodecError::Limit {
                what,
                value: n as u64,
                limit: limit as u64,
            });
        }
        Ok(n)
    }
    fn bytes(&mut self, what: &'static str, limit: usize) -> Result<Vec<u8>, CodecError> {
        let n = self.count(what, limit)?;
        let mut v = vec![0u8; n];
        self.0.read_exact(&mut v)?;
        Ok(v)
    }
    fn name(&mut self) -> Result<Vec<u8>, CodecError> {
        self.bytes("name length", NAME_BYTES_MAX)
    }
    fn id(&mut self) -> Result<StreamId, CodecError> {
        Ok(StreamId {
            ms: self.u64()?,
            seq: self.u64()?,
        })
    }
    fn opt_u64(&mut self) -> Result<Option<u64>, CodecError> {
        Ok(if self.bool()? {
            Some(self.u64()?)
        } else {
            None
        })
    }
    fn opt_id(&mut self) -> Result<Option<StreamId>, CodecError> {
        Ok(if self.bool()? { Some(self.id()?) } else { None })
    }
    fn ids(&mut self) -> Result<Vec<StreamId>, CodecError> {
        let n = self.count("ids in one op", IDS_PER_COMMAND_MAX)?;
        (0..n).map(|_| self.id()).collect()
    }
    fn entry(&mut self) -> Result<EntryData, CodecError> {
        let packed = self.bytes("entry bytes", ENTRY_BYTES_MAX + 8 * ENTRY_FIELDS_MAX + 4)?;
        EntryData::from_packed(&packed).ok_or(CodecError::Malformed("entry"))
    }
    fn trim(&mut self) -> Result<Trim, CodecError> {
        let to = match self.u8()? {
            0 => TrimTo::MaxLen(self.u64()?),
            1 => TrimTo::MinId(self.id()?),
            _ => return Err(CodecError::Malformed("trim strategy")),
        };
        Ok(Trim {
            to,
            approx: self.bool()?,
            limit: self.u64()?,
        })
    }
}

/// Most ops in one record (a transaction's worth).
pub const RECORD_OPS_MAX: usize = 100_000;

pub fn encode_record(record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_record(&mut out, record).expect("writing to a Vec cannot fail");
    out
}

fn write_record(out: &mut Vec<u8>, record: &Record) -> io::Result<()> {
    let mut e = Enc(out);
    e.u8(RECORD_VERSION)?;
    e.u64(record.time_ms)?;
    e.len(record.ops.len())?;
    for op in &record.ops {
        write_op(&mut e, op)?;
    }
    Ok(())
}

fn write_op<W: Write>(e: &mut Enc<'_, W>, op: &Op) -> io::Result<()> {
    match op {
        Op::Add {
            key,
            id,
            data,
            trim,
        } => {
            e.u8(1)?;
            e.bytes(key)?;
            e.id(*id)?;
            e.bytes(data.as_packed())?;
            match trim {
                None => e.u8(0),
                Some(t) => {
                    e.u8(1)?;
                    e.trim(t)
                }
            }
        }
        Op::Delete { key, ids } => {
            e.u8(2)?;
            e.bytes(key)?;
            e.ids(ids)
        }
        Op::Trim { key, trim } => {
            e.u8(3)?;
            e.bytes(key)?;
            e.trim(trim)
        }
        Op::SetId {
            key,
            last_id,
            entries_added,
            max_deleted_id,
        } => {
            e.u8(4)?;
            e.bytes(key)?;
            e.id(*last_id)?;
            e.u64(*entries_added)?;
            e.id(*max_deleted_id)
        }
        Op::GroupCreate {
            key,
            group,
            last_id,
            entries_read,
        } => {
            e.u8(5)?;
            e.bytes(key)?;
            e.bytes(group)?;
            e.id(*last_id)?;
            e.opt_u64(*entries_read)
        }
        Op::GroupSetId {
            key,
            group,
            last_id,
            entries_read,
        } => {
            e.u8(6)?;
            e.bytes(key)?;
            e.bytes(group)?;
            e.id(*last_id)?;
            e.opt_u64(*entries_read)
        }
        Op::GroupDestroy { key, group } => {
            e.u8(7)?;
            e.bytes(key)?;
            e.bytes(group)
        }
        Op::ConsumerCreate {
            key,
            group,
            consumer,
        } => {
            e.u8(8)?;
            e.bytes(key)?;
            e.bytes(group)?;
            e.bytes(consumer)
        }
        Op::ConsumerDelete {
            key,
            group,
            consumer,
        } => {
            e.u8(9)?;
            e.bytes(key)?;
            e.bytes(group)?;
            e.bytes(consumer)
        }
        Op::ReadGroup {
            group,
            consumer,
            streams,
            count,
            no_ack,
        } => {
            e.u8(10)?;
            e.bytes(group)?;
            e.bytes(consumer)?;
            e.len(streams.len())?;
            for (key, from) in streams {
                e.bytes(key)?;
                match from {
                    GroupReadFrom::New => e.u8(0)?,
                    GroupReadFrom::PendingAfter(id) => {
                        e.u8(1)?;
                        e.id(*id)?;
                    }
                }
            }
            e.opt_u64(*count)?;
            e.u8(u8::from(*no_ack))
        }
        Op::Ack { key, group, ids } => {
            e.u8(11)?;
            e.bytes(key)?;
            e.bytes(group)?;
            e.ids(ids)
        }
        Op::Claim(c) => {
            e.u8(12)?;
            e.bytes(&c.key)?;
            e.bytes(&c.group)?;
            e.bytes(&c.consumer)?;
            e.u64(c.idle_min_ms)?;
            e.ids(&c.ids)?;
            e.opt_u64(c.idle_ms)?;
            e.opt_u64(c.time_ms)?;
            e.opt_u64(c.retry_count)?;
            e.u8(u8::from(c.force))?;
            e.u8(u8::from(c.just_id))?;
            e.opt_id(c.last_id)
        }
        Op::AutoClaim(c) => {
            e.u8(13)?;
            e.bytes(&c.key)?;
            e.bytes(&c.group)?;
            e.bytes(&c.consumer)?;
            e.u64(c.idle_min_ms)?;
            e.id(c.start)?;
            e.u64(c.count)?;
            e.u8(u8::from(c.just_id))
        }
        Op::DeleteKeys { keys } => {
            e.u8(14)?;
            e.len(keys.len())?;
            keys.iter().try_for_each(|k| e.bytes(k))
        }
    }
}

pub fn decode_record(mut bytes: &[u8]) -> Result<Record, CodecError> {
    let mut d = Dec(&mut bytes);
    let version = d.u8()?;
    if version != RECORD_VERSION {
        return Err(CodecError::RecordVersion(version));
    }
    let time_ms = d.u64()?;
    let n = d.count("ops in one record", RECORD_OPS_MAX)?;
    let mut ops = Vec::with_capacity(n);
    for _ in 0..n {
        ops.push(read_op(&mut d)?);
    }
    if !bytes.is_empty() {
        return Err(CodecError::Trailing(bytes.len()));
    }
    Ok(Record { time_ms, ops })
}

fn read_op<R: Read>(d: &mut Dec<'_, R>) -> Result<Op, CodecError> {
    Ok(match d.u8()? {
        1 => {
            let key = d.name()?;
            let id = d.id()?;
            let data = d.entry()?;
            let trim = if d.bool()? { Some(d.trim()?) } else { None };
            Op::Add {
                key,
                id,
                data,
                trim,
            }
        }
        2 => Op::Delete {
            key: d.name()?,
            ids: d.ids()?,
        },
        3 => Op::Trim {
            key: d.name()?,
            trim: d.trim()?,
        },
        4 => Op::SetId {
            key: d.name()?,
            last_id: d.id()?,
            entries_added: d.u64()?,
            max_deleted_id: d.id()?,
        },
        5 => Op::GroupCreate {
            key: d.name()?,
            group: d.name()?,
            last_id: d.id()?,
            entries_read: d.opt_u64()?,
        },
        6 => Op::GroupSetId {
            key: d.name()?,
            group: d.name()?,
            last_id: d.id()?,
            entries_read: d.opt_u64()?,
        },
        7 => Op::GroupDestroy {
            key: d.name()?,
            group: d.name()?,
        },
        8 => Op::ConsumerCreate {
            key: d.name()?,
            group: d.name()?,
            consumer: d.name()?,
        },
        9 => Op::ConsumerDelete {
            key: d.name()?,
            group: d.name()?,
            consumer: d.name()?,
        },
        10 => {
            let group = d.name()?;
            let consumer = d.name()?;
            let n = d.count("streams in one read", READ_STREAMS_MAX)?;
            let mut streams = Vec::with_capacity(n);
            for _ in 0..n {
                let key = d.name()?;
                let from = match d.u8()? {
                    0 => GroupReadFrom::New,
                    1 => GroupReadFrom::PendingAfter(d.id()?),
                    _ => return Err(CodecError::Malformed("group read start")),
                };
                streams.push((key, from));
            }
            Op::ReadGroup {
                group,
                consumer,
                streams,
                count: d.opt_u64()?,
                no_ack: d.bool()?,
            }
        }
        11 => Op::Ack {
            key: d.name()?,
            group: d.name()?,
            ids: d.ids()?,
        },
        12 => Op::Claim(Claim {
            key: d.name()?,
            group: d.name()?,
            consumer: d.name()?,
            idle_min_ms: d.u64()?,
            ids: d.ids()?,
            idle_ms: d.opt_u64()?,
            time_ms: d.opt_u64()?,
            retry_count: d.opt_u64()?,
            force: d.bool()?,
            just_id: d.bool()?,
            last_id: d.opt_id()?,
        }),
        13 => Op::AutoClaim(AutoClaim {
            key: d.name()?,
            group: d.name()?,
            consumer: d.name()?,
            idle_min_ms: d.u64()?,
            start: d.id()?,
            count: d.u64()?,
            just_id: d.bool()?,
        }),
        14 => {
            let n = d.count("keys in one op", IDS_PER_COMMAND_MAX)?;
            Op::DeleteKeys {
                keys: (0..n).map(|_| d.name()).collect::<Result<_, _>>()?,
            }
        }
        tag => return Err(CodecError::OpTag(tag)),
    })
}

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
    }
    Ok(())
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
    }
    Ok(())
}

/// Reads an engine written by `encode_snapshot`, checking every count and the PEL invariants.
pub fn decode_snapshot<R: Read>(input: &mut R) -> Result<Engine, CodecError> {
    let mut d = Dec(input);
    let version = d.u32()?;
    if version != SNAPSHOT_VERSION {
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
        let stream = read_stream(&mut d)?;
        engine.streams.insert(key, stream);
    }
    Ok(engine)
}

fn read_stream<R: Read>(d: &mut Dec<'_, R>) -> Result<Stream, CodecError> {
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
    for _ in 0..nodes {
        let node = read_node(d)?;
        live += node.live;
        let first = node
            .slots
            .first()
            .ok_or(CodecError::Malformed("empty node"))?
            .id;
        s.nodes.insert(first, Arc::new(node));
    }
    if live != s.length {
        return Err(CodecError::Malformed("stream length"));
    }
    let groups = d.count("groups on a stream", GROUPS_PER_STREAM_MAX)?;
    for _ in 0..groups {
        let name = d.name()?;
        let g = read_group(d)?;
        s.groups.insert(name, g);
    }
    Ok(s)
}

fn read_node<R: Read>(d: &mut Dec<'_, R>) -> Result<Node, CodecError> {
    let fields = d.count("fields in an entry", ENTRY_FIELDS_MAX)?;
    let master_fields = (0..fields)
        .map(|_| d.bytes("field bytes", FIELD_BYTES_MAX))
        .collect::<Result<Vec<_>, _>>()?;
    let body_bytes = d.u64()?;
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

fn read_group<R: Read>(d: &mut Dec<'_, R>) -> Result<Group, CodecError> {
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
    let mut pel = BTreeMap::new();
    for _ in 0..pending {
        let id = d.id()?;
        let cname = d.name()?;
        let consumer = g
            .consumers
            .get_mut(&cname)
            .ok_or(CodecError::Malformed("PEL owner"))?;
        consumer.pel.insert(id);
        let p = Pending {
            consumer: consumer.name.clone(),
            delivery_time: d.u64()?,
            delivery_count: d.u64()?,
        };
        pel.insert(id, p);
    }
    g.pel = pel;
    Ok(g)
}
