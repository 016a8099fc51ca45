//! `CQ.RENEW name owner token TTL ms`
//!
//! Extends the current, live grant to now + TTL: `{renewed: 1, token, until-ms}`. A token or
//! owner that is not the latest grant, or a grant that already ended, is the engine's `STALE`
//! error.

use conquiet_core::Command;

use super::cq_args::{keyword, number, shown_value};
use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.renew",
    arity: 6,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let token = number(&args[3], "token")?;
    if keyword(&args[4]) != b"ttl" {
        return Err(ParseError::UnknownOption {
            command: "cq.renew",
            option: shown_value(&args[4]),
        });
    }
    engine(Command::LockRenew {
        name: args[1].clone(),
        owner: args[2].clone(),
        token,
        ttl_ms: number(&args[5], "TTL")?,
    })
}
