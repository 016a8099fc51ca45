//! `CQ.TERM key group [REASON text] id token [id token ...]`
//!
//! Gives up on deliveries: each is dead-lettered at once with REASON (empty when not given).

use conquiet_core::queue::Settle;

use super::cq_args::{Cursor, handles, settle};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.term",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 3);
    let mut reason = Vec::new();
    while cursor.peek_keyword() == b"reason" {
        cursor.skip(1);
        reason = cursor.value("REASON")?.to_vec();
    }
    let handles = handles(cursor.rest(), "cq.term")?;
    settle(args, Settle::Term { reason }, handles)
}
