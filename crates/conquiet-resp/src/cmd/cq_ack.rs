//! `CQ.ACK key group id token [id token ...]`
//!
//! Settles each delivery for good. A handle is an entry id (strict, as XACK's) and the fencing
//! token the delivery carried; replies one outcome per handle, in order.

use conquiet_core::queue::Settle;

use super::cq_args::{handles, settle};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.ack",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    settle(args, Settle::Ack, handles(&args[3..], "cq.ack")?)
}
