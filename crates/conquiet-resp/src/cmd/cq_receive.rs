//! `CQ.RECEIVE key group consumer [COUNT n] [LEASE ms] [BLOCK ms]`
//!
//! Leases up to COUNT messages (default 1) to `consumer`: due redeliveries first, then new
//! entries. LEASE overrides the group's lease for these deliveries. With BLOCK the server
//! waits up to `ms` (0: until a message arrives) when nothing is due. Options in any order.

use conquiet_core::Command;
use conquiet_core::queue::Receive;

use super::cq_args::{Cursor, keyword, shown_value};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.receive",
    arity: -4,
    parse,
};

/// Messages one receive asks for when COUNT is not given.
const COUNT_DEFAULT: u64 = 1;

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 4);
    let mut count = COUNT_DEFAULT;
    let mut lease_ms = None;
    let mut block = None;
    while let Some(arg) = cursor.next() {
        match keyword(arg).as_slice() {
            b"count" => count = cursor.number("COUNT")?,
            b"lease" => lease_ms = Some(cursor.number("LEASE")?),
            b"block" => block = Some(cursor.number("BLOCK")?),
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.receive",
                    option: shown_value(arg),
                });
            }
        }
    }
    Ok(Parsed::Engine {
        command: Command::Receive(Receive {
            key: args[1].clone(),
            group: args[2].clone(),
            consumer: args[3].clone(),
            count,
            lease_ms,
        }),
        block,
    })
}
