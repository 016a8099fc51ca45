//! Bytes of the lock ops (record tags 24 to 26) and of the lock table in snapshots (body
//! version 3). Tabled in docs/record-format.md and docs/snapshot-format.md; paired functions
//! as in the parent module.

use std::io::{self, Read, Write};

use super::{CodecError, Dec, Enc};
use crate::command::Op;
use crate::limits::*;
use crate::lock::{Grant, Locks};

pub(super) fn write_lock_op<W: Write>(e: &mut Enc<'_, W>, op: &Op) -> io::Result<()> {
    match op {
        Op::LockAcquire {
            name,
            owner,
            token,
            until_ms,
            connection,
        } => {
            e.u8(24)?;
            e.bytes(name)?;
            e.bytes(owner)?;
            e.u64(*token)?;
            e.u64(*until_ms)?;
            e.opt_u64(*connection)
        }
        Op::LockRenew {
            name,
            token,
            until_ms,
        } => {
            e.u8(25)?;
            e.bytes(name)?;
            e.u64(*token)?;
            e.u64(*until_ms)
        }
        Op::LockRelease { locks } => {
            e.u8(26)?;
            e.len(locks.len())?;
            for (name, token) in locks {
                e.bytes(name)?;
                e.u64(*token)?;
            }
            Ok(())
        }
        other => unreachable!("not a lock op: {other:?}"),
    }
}

/// `None` when `tag` is not a lock op's.
pub(super) fn read_lock_op<R: Read>(d: &mut Dec<'_, R>, tag: u8) -> Result<Option<Op>, CodecError> {
    Ok(Some(match tag {
        24 => Op::LockAcquire {
            name: d.name()?,
            owner: d.name()?,
            token: d.u64()?,
            until_ms: d.u64()?,
            connection: d.opt_u64()?,
        },
        25 => Op::LockRenew {
            name: d.name()?,
            token: d.u64()?,
            until_ms: d.u64()?,
        },
        26 => {
            let n = d.count("locks in one release", LOCK_RELEASES_PER_OP_MAX)?;
            let mut locks = Vec::with_capacity(n);
            for _ in 0..n {
                locks.push((d.name()?, d.u64()?));
            }
            Op::LockRelease { locks }
        }
        _ => return Ok(None),
    }))
}

pub(super) fn write_locks<W: Write>(e: &mut Enc<'_, W>, locks: &Locks) -> io::Result<()> {
    e.u64(locks.last_token())?;
    e.len(locks.len())?;
    for (name, g) in locks.iter() {
        e.bytes(name)?;
        e.bytes(&g.owner)?;
        e.u64(g.token)?;
        e.u64(g.until_ms)?;
        e.opt_u64(g.connection)?;
    }
    Ok(())
}

/// Reads the lock table, checking its count, the order of names, and that no token is above
/// the last token (the next grant must exceed every remembered one).
pub(super) fn read_locks<R: Read>(d: &mut Dec<'_, R>) -> Result<Locks, CodecError> {
    let last_token = d.u64()?;
    let n = d.count("lock count", LOCKS_MAX)?;
    let mut locks = Locks::default();
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..n {
        let name = d.name()?;
        if previous.as_ref().is_some_and(|p| *p >= name) {
            return Err(CodecError::Malformed("lock names out of order"));
        }
        let grant = Grant {
            owner: d.name()?,
            token: d.u64()?,
            until_ms: d.u64()?,
            connection: d.opt_u64()?,
        };
        if grant.token > last_token {
            return Err(CodecError::Malformed("lock token after the last token"));
        }
        previous = Some(name.clone());
        locks.insert(name, grant);
    }
    locks.last_token = last_token;
    Ok(locks)
}
