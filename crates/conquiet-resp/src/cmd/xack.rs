//! `XACK key group id [id ...]`
//!
//! Ids are strict. Redis answers 0 for a missing key or group before it reads the ids; here a
//! bad id is reported even then (see `parse`'s module docs).

use conquiet_core::Command;

use super::engine;
use crate::args::strict_id;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xack",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let ids = args[3..]
        .iter()
        .map(|id| strict_id(id))
        .collect::<Result<_, _>>()?;
    engine(Command::Ack {
        key: args[1].clone(),
        group: args[2].clone(),
        ids,
    })
}
