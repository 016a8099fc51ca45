//! Frames of the lock replies (`CQ.LOCK` and its family). Maps (flat arrays in RESP2) with
//! kebab-case keys, always the same keys in the same order for one outcome:
//!
//! | reply                 | frame                                                          |
//! |-----------------------|----------------------------------------------------------------|
//! | CQ.LOCK, granted      | `{granted: 1, token, until-ms}`                                |
//! | CQ.LOCK, refused      | `{granted: 0, holder, token, until-ms}` (the holder's grant)    |
//! | CQ.UNLOCK             | `{released: 1}`, or `{released: 0}` if the grant had ended     |
//! | CQ.RENEW              | `{renewed: 1, token, until-ms}`                                |
//! | CQ.LOCKINFO           | `{name, holder, token, until-ms, bound, last-token}`           |
//!
//! CQ.LOCKINFO's holder, token and until-ms are nil, and bound 0, when the lock is free.

use conquiet_core::lock::{LockAcquired, LockInfo};
use conquiet_core::{Command, Reply};

use crate::frame::Frame;

/// The frame of a lock reply to `command`; `None` for replies that are not lock replies.
pub(crate) fn lock_frame(command: &Command, reply: &Reply) -> Option<Frame> {
    Some(match reply {
        Reply::Lock(LockAcquired::Granted { token, until_ms }) => Frame::Map(vec![
            field("granted", Frame::Integer(1)),
            field("token", int(*token)),
            field("until-ms", int(*until_ms)),
        ]),
        Reply::Lock(LockAcquired::Refused {
            holder,
            token,
            until_ms,
        }) => Frame::Map(vec![
            field("granted", Frame::Integer(0)),
            field("holder", Frame::Bulk(holder.clone())),
            field("token", int(*token)),
            field("until-ms", int(*until_ms)),
        ]),
        // The engine answers a release with how many live grants it ended (0 or 1).
        Reply::Int(n) if matches!(command, Command::LockRelease { .. }) => {
            Frame::Map(vec![field("released", Frame::Integer(*n))])
        }
        Reply::LockRenewed { token, until_ms } => Frame::Map(vec![
            field("renewed", Frame::Integer(1)),
            field("token", int(*token)),
            field("until-ms", int(*until_ms)),
        ]),
        Reply::LockInfo(info) => info_frame(info),
        _ => return None,
    })
}

fn info_frame(i: &LockInfo) -> Frame {
    Frame::Map(vec![
        field("name", Frame::Bulk(i.name.clone())),
        field("holder", i.holder.clone().map_or(Frame::Null, Frame::Bulk)),
        field("token", i.token.map_or(Frame::Null, int)),
        field("until-ms", i.until_ms.map_or(Frame::Null, int)),
        field("bound", Frame::Integer(i64::from(i.bound))),
        field("last-token", int(i.last_token)),
    ])
}

fn int(n: u64) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn field(name: &str, value: Frame) -> (Frame, Frame) {
    (Frame::bulk(name), value)
}
