//! `CQ.TOUCH key group [LEASE ms] id token [id token ...]`
//!
//! Still working: each delivery's lease starts again, for LEASE or for the lease it was given.

use conquiet_core::queue::Settle;

use super::cq_args::{Cursor, handles, settle};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.touch",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 3);
    let mut lease_ms = None;
    while cursor.peek_keyword() == b"lease" {
        cursor.skip(1);
        lease_ms = Some(cursor.number("LEASE")?);
    }
    let handles = handles(cursor.rest(), "cq.touch")?;
    settle(args, Settle::Touch { lease_ms }, handles)
}
