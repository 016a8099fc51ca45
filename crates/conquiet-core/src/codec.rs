//! Bytes for log records and engine snapshots, and back. Integers are little-endian; byte
//! strings are a u32 length then the bytes. Every length read back is checked against the
//! engine's limits before anything is allocated, so a damaged file yields an error, never a
//! huge allocation or a panic. The formats are tabled in docs/record-format.md.
//!
//! Paired functions: `encode_record` / `decode_record`, `encode_snapshot` /
//! `decode_snapshot`. A change to one side changes the format version.

use std::io::{self, Read, Write};

use crate::StreamId;
use crate::command::{AutoClaim, Claim, GroupReadFrom, Op, Record};
use crate::entry::EntryData;
use crate::limits::*;
use crate::stream::{Trim, TrimTo};

mod conversation;
mod lock;
mod queue;
mod room;
mod snapshot;

pub use snapshot::{decode_snapshot, encode_snapshot};

/// Version byte that starts every record.
pub const RECORD_VERSION: u8 = 1;
/// Version written at the start of a snapshot body.
pub const SNAPSHOT_VERSION: u32 = 5;
/// The oldest snapshot version this build still reads (version 1 has no work-queue state,
/// versions 1 and 2 no locks, versions 1 to 3 no rooms, versions 1 to 4 no conversations).
pub const SNAPSHOT_VERSION_MIN: u32 = 1;

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

/// Little-endian writer shared by records and snapshots; paired with `Dec`.
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
    fn opt_bytes(&mut self, v: Option<&[u8]>) -> io::Result<()> {
        match v {
            None => self.u8(0),
            Some(b) => {
                self.u8(1)?;
                self.bytes(b)
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

/// Reader paired with `Enc`: every length is checked before it sizes an allocation.
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
    fn opt_name(&mut self) -> Result<Option<Vec<u8>>, CodecError> {
        if self.bool()? {
            Ok(Some(self.name()?))
        } else {
            Ok(None)
        }
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
        Op::Rename { from, to } => {
            e.u8(15)?;
            e.bytes(from)?;
            e.bytes(to)
        }
        Op::SetConfig { node } => {
            e.u8(16)?;
            e.u64(node.entries_max)?;
            e.u64(node.bytes_max)
        }
        Op::QueueCreate { .. }
        | Op::SetPolicies { .. }
        | Op::Publish { .. }
        | Op::Duplicate { .. }
        | Op::Receive { .. }
        | Op::Settle { .. }
        | Op::Redrive { .. } => queue::write_queue_op(e, op),
        Op::LockAcquire { .. } | Op::LockRenew { .. } | Op::LockRelease { .. } => {
            lock::write_lock_op(e, op)
        }
        Op::Room(room) => room::write_room_op(e, room),
        Op::Send { data, sends } => {
            e.u8(29)?;
            e.bytes(data.as_packed())?;
            e.len(sends.len())?;
            for (key, id) in sends {
                e.bytes(key)?;
                e.id(*id)?;
            }
            Ok(())
        }
        Op::Conv(conv) => conversation::write_conv_op(e, conv),
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
    // The count is only a claim until the ops are read: reserve little up front.
    let mut ops = Vec::with_capacity(n.min(16));
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
        15 => Op::Rename {
            from: d.name()?,
            to: d.name()?,
        },
        16 => Op::SetConfig {
            node: crate::NodeLimits {
                entries_max: d.u64()?,
                bytes_max: d.u64()?,
            },
        },
        29 => {
            let data = d.entry()?;
            let n = d.count("recipients of one send", SEND_RECIPIENTS_MAX)?;
            let mut sends = Vec::with_capacity(n);
            for _ in 0..n {
                sends.push((d.name()?, d.id()?));
            }
            Op::Send { data, sends }
        }
        tag => match lock::read_lock_op(d, tag)? {
            Some(op) => op,
            None => match room::read_room_op(d, tag)? {
                Some(op) => op,
                None => match conversation::read_conv_op(d, tag)? {
                    Some(op) => op,
                    None => return queue::read_queue_op(d, tag),
                },
            },
        },
    })
}
