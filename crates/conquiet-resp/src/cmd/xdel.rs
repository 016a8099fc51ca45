//! `XDEL key id [id ...]`
//!
//! Ids are strict. Redis answers 0 for a missing key before it reads the ids; here a bad id is
//! reported even then.

use conquiet_core::Command;

use super::engine;
use crate::args::strict_id;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xdel",
    arity: -3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let ids = args[2..]
        .iter()
        .map(|id| strict_id(id))
        .collect::<Result<_, _>>()?;
    engine(Command::Delete {
        key: args[1].clone(),
        ids,
    })
}
