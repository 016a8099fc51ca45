//! Bytes of the work-queue ops (record tags 17 to 23) and of the policies, which snapshots
//! write too. Tabled in docs/record-format.md; paired functions as in the parent module.

use std::io::{self, Read, Write};

use super::{CodecError, Dec, Enc};
use crate::command::Op;
use crate::limits::*;
use crate::queue::{
    Backoff, GroupPolicy, Handle, Overflow, Receive, Retention, Settle, StreamPolicy,
};

pub(super) fn write_queue_op<W: Write>(e: &mut Enc<'_, W>, op: &Op) -> io::Result<()> {
    match op {
        Op::QueueCreate {
            key,
            group,
            stream_policy,
            group_policy,
        } => {
            e.u8(17)?;
            e.bytes(key)?;
            e.bytes(group)?;
            write_stream_policy(e, stream_policy)?;
            write_group_policy(e, group_policy)
        }
        Op::SetPolicies {
            key,
            stream_policy,
            group,
        } => {
            e.u8(18)?;
            e.bytes(key)?;
            write_stream_policy(e, stream_policy)?;
            match group {
                None => e.u8(0),
                Some((name, policy)) => {
                    e.u8(1)?;
                    e.bytes(name)?;
                    write_group_policy(e, policy)
                }
            }
        }
        Op::Publish {
            key,
            id,
            data,
            not_before_ms,
            dedup_key,
        } => {
            e.u8(19)?;
            e.bytes(key)?;
            e.id(*id)?;
            e.bytes(data.as_packed())?;
            e.opt_u64(*not_before_ms)?;
            e.opt_bytes(dedup_key.as_deref())
        }
        Op::Receive {
            receive,
            dead_letter,
        } => {
            e.u8(20)?;
            e.bytes(&receive.key)?;
            e.bytes(&receive.group)?;
            e.bytes(&receive.consumer)?;
            e.u64(receive.count)?;
            e.opt_u64(receive.lease_ms)?;
            e.bytes(dead_letter)
        }
        Op::Settle {
            key,
            group,
            action,
            handles,
            dead_letter,
        } => {
            e.u8(21)?;
            e.bytes(key)?;
            e.bytes(group)?;
            match action {
                Settle::Ack => e.u8(0)?,
                Settle::Nack { delay_ms, reason } => {
                    e.u8(1)?;
                    e.opt_u64(*delay_ms)?;
                    e.bytes(reason)?;
                }
                Settle::Touch { lease_ms } => {
                    e.u8(2)?;
                    e.opt_u64(*lease_ms)?;
                }
                Settle::Term { reason } => {
                    e.u8(3)?;
                    e.bytes(reason)?;
                }
            }
            e.len(handles.len())?;
            for h in handles {
                e.id(h.id)?;
                e.u64(h.token)?;
            }
            e.bytes(dead_letter)
        }
        Op::Duplicate { key, id } => {
            e.u8(23)?;
            e.bytes(key)?;
            e.id(*id)
        }
        Op::Redrive { dead_letter, moves } => {
            e.u8(22)?;
            e.bytes(dead_letter)?;
            e.len(moves.len())?;
            for (id, to) in moves {
                e.id(*id)?;
                e.bytes(to)?;
            }
            Ok(())
        }
        _ => unreachable!("write_op sends only queue ops here: {op:?}"),
    }
}

pub(super) fn read_queue_op<R: Read>(d: &mut Dec<'_, R>, tag: u8) -> Result<Op, CodecError> {
    Ok(match tag {
        17 => Op::QueueCreate {
            key: d.name()?,
            group: d.name()?,
            stream_policy: read_stream_policy(d)?,
            group_policy: read_group_policy(d)?,
        },
        18 => Op::SetPolicies {
            key: d.name()?,
            stream_policy: read_stream_policy(d)?,
            group: if d.bool()? {
                Some((d.name()?, read_group_policy(d)?))
            } else {
                None
            },
        },
        19 => Op::Publish {
            key: d.name()?,
            id: d.id()?,
            data: d.entry()?,
            not_before_ms: d.opt_u64()?,
            dedup_key: d.opt_name()?,
        },
        20 => Op::Receive {
            receive: Receive {
                key: d.name()?,
                group: d.name()?,
                consumer: d.name()?,
                count: d.u64()?,
                lease_ms: d.opt_u64()?,
            },
            dead_letter: d.name()?,
        },
        21 => {
            let key = d.name()?;
            let group = d.name()?;
            let action = match d.u8()? {
                0 => Settle::Ack,
                1 => Settle::Nack {
                    delay_ms: d.opt_u64()?,
                    reason: d.bytes("reason bytes", REASON_BYTES_MAX)?,
                },
                2 => Settle::Touch {
                    lease_ms: d.opt_u64()?,
                },
                3 => Settle::Term {
                    reason: d.bytes("reason bytes", REASON_BYTES_MAX)?,
                },
                _ => return Err(CodecError::Malformed("settle action")),
            };
            let n = d.count("handles in one op", HANDLES_PER_COMMAND_MAX)?;
            let handles = (0..n)
                .map(|_| {
                    Ok(Handle {
                        id: d.id()?,
                        token: d.u64()?,
                    })
                })
                .collect::<Result<_, CodecError>>()?;
            Op::Settle {
                key,
                group,
                action,
                handles,
                dead_letter: d.name()?,
            }
        }
        22 => {
            let dead_letter = d.name()?;
            let n = d.count("redriven entries in one op", READ_COUNT_MAX)?;
            let mut moves = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                moves.push((d.id()?, d.name()?));
            }
            Op::Redrive { dead_letter, moves }
        }
        23 => Op::Duplicate {
            key: d.name()?,
            id: d.id()?,
        },
        tag => return Err(CodecError::OpTag(tag)),
    })
}

pub(super) fn write_stream_policy<W: Write>(
    e: &mut Enc<'_, W>,
    p: &StreamPolicy,
) -> io::Result<()> {
    e.u64(p.entries_max)?;
    e.u64(p.bytes_max)?;
    e.u8(match p.overflow {
        Overflow::Reject => 0,
        Overflow::DropOldest => 1,
    })?;
    e.u64(p.dedup_window_ms)?;
    e.u8(match p.retention {
        Retention::Limits => 0,
        Retention::WorkQueue => 1,
    })
}

pub(super) fn read_stream_policy<R: Read>(d: &mut Dec<'_, R>) -> Result<StreamPolicy, CodecError> {
    Ok(StreamPolicy {
        entries_max: d.u64()?,
        bytes_max: d.u64()?,
        overflow: match d.u8()? {
            0 => Overflow::Reject,
            1 => Overflow::DropOldest,
            _ => return Err(CodecError::Malformed("overflow rule")),
        },
        dedup_window_ms: d.u64()?,
        retention: match d.u8()? {
            0 => Retention::Limits,
            1 => Retention::WorkQueue,
            _ => return Err(CodecError::Malformed("retention")),
        },
    })
}

pub(super) fn write_group_policy<W: Write>(e: &mut Enc<'_, W>, p: &GroupPolicy) -> io::Result<()> {
    e.u64(p.lease_ms)?;
    e.u64(p.deliveries_max)?;
    match &p.backoff {
        Backoff::None => e.u8(0)?,
        Backoff::Exponential {
            base_ms,
            factor_milli,
            max_ms,
            jitter_percent,
            seed,
        } => {
            e.u8(1)?;
            for v in [*base_ms, *factor_milli, *max_ms, *jitter_percent, *seed] {
                e.u64(v)?;
            }
        }
        Backoff::List(delays) => {
            e.u8(2)?;
            e.len(delays.len())?;
            delays.iter().try_for_each(|d| e.u64(*d))?;
        }
    }
    e.opt_bytes(p.dead_letter.as_deref())?;
    e.u64(p.pending_max)?;
    e.u64(p.pending_per_consumer_max)
}

pub(super) fn read_group_policy<R: Read>(d: &mut Dec<'_, R>) -> Result<GroupPolicy, CodecError> {
    let lease_ms = d.u64()?;
    let deliveries_max = d.u64()?;
    let backoff = match d.u8()? {
        0 => Backoff::None,
        1 => Backoff::Exponential {
            base_ms: d.u64()?,
            factor_milli: d.u64()?,
            max_ms: d.u64()?,
            jitter_percent: d.u64()?,
            seed: d.u64()?,
        },
        2 => {
            let n = d.count("backoff steps", BACKOFF_STEPS_MAX)?;
            Backoff::List((0..n).map(|_| d.u64()).collect::<Result<_, _>>()?)
        }
        _ => return Err(CodecError::Malformed("backoff")),
    };
    Ok(GroupPolicy {
        lease_ms,
        deliveries_max,
        backoff,
        dead_letter: d.opt_name()?,
        pending_max: d.u64()?,
        pending_per_consumer_max: d.u64()?,
    })
}
