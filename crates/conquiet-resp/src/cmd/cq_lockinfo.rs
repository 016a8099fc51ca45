//! `CQ.LOCKINFO name`
//!
//! Who holds the lock: one map, every key always present (`lock_reply`). A read.

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.lockinfo",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::LockInfo {
        name: args[1].clone(),
    })
}
