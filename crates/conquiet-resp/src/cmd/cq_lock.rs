//! `CQ.LOCK name owner TTL ms [WAIT ms] [BIND]`
//!
//! Grants the lock `name` to `owner` for TTL ms if it is free (never granted, released, or
//! past its end), with a fencing token larger than any granted before. Held by another owner:
//! answered at once with the holder, or with WAIT the server waits up to `ms` (0: not at all)
//! for a release or the end of the grant. BIND releases the lock when this connection closes
//! (the server fills in its connection; the TTL still ends the grant). Options in any order;
//! the TTL and WAIT limits are the engine's and this crate's (`LOCK_WAIT_MS_MAX`).

use conquiet_core::Command;
use conquiet_core::limits::LOCK_WAIT_MS_MAX;
use conquiet_core::lock::{Acquire, Binding};

use super::cq_args::{Cursor, keyword, shown_value};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.lock",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 3);
    let mut ttl_ms = None;
    let mut wait_ms = 0;
    let mut binding = Binding::None;
    while let Some(arg) = cursor.next() {
        match keyword(arg).as_slice() {
            b"ttl" => ttl_ms = Some(cursor.number("TTL")?),
            b"wait" => wait_ms = cursor.number("WAIT")?,
            b"bind" => binding = Binding::ThisConnection,
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.lock",
                    option: shown_value(arg),
                });
            }
        }
    }
    let ttl_ms = ttl_ms.ok_or(ParseError::Required {
        command: "CQ.LOCK",
        option: "TTL ms",
    })?;
    if wait_ms > LOCK_WAIT_MS_MAX {
        return Err(ParseError::TooLarge {
            option: "WAIT",
            value: wait_ms,
            limit: LOCK_WAIT_MS_MAX,
        });
    }
    Ok(Parsed::Engine {
        command: Command::LockAcquire(Acquire {
            name: args[1].clone(),
            owner: args[2].clone(),
            ttl_ms,
            binding,
        }),
        // WAIT 0 answers at once, unlike BLOCK 0: a lock may be renewed for ever.
        block: (wait_ms > 0).then_some(wait_ms),
    })
}
