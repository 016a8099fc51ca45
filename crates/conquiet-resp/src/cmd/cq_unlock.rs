//! `CQ.UNLOCK name owner token`
//!
//! Releases the lock if `owner` and `token` are its latest grant: `{released: 1}`, or
//! `{released: 0}` when that grant had already ended. Anything else is the engine's `STALE`
//! error and changes nothing.

use conquiet_core::Command;

use super::cq_args::number;
use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.unlock",
    arity: 4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::LockRelease {
        name: args[1].clone(),
        owner: args[2].clone(),
        token: number(&args[3], "token")?,
    })
}
