//! `CQ.NACK key group [DELAY ms] [REASON text] id token [id token ...]`
//!
//! Gives deliveries back: each is redelivered after DELAY, or after the group's backoff when
//! DELAY is not given; past the group's max deliveries it is dead-lettered with REASON (empty
//! when not given). Options come before the handles, in any order.

use conquiet_core::queue::Settle;

use super::cq_args::{Cursor, handles, settle};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.nack",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 3);
    let mut delay_ms = None;
    let mut reason = Vec::new();
    loop {
        match cursor.peek_keyword().as_slice() {
            b"delay" => {
                cursor.skip(1);
                delay_ms = Some(cursor.number("DELAY")?);
            }
            b"reason" => {
                cursor.skip(1);
                reason = cursor.value("REASON")?.to_vec();
            }
            _ => break,
        }
    }
    let handles = handles(cursor.rest(), "cq.nack")?;
    settle(args, Settle::Nack { delay_ms, reason }, handles)
}
