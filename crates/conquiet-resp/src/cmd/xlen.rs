//! `XLEN key`

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xlen",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::Len {
        key: args[1].clone(),
    })
}
