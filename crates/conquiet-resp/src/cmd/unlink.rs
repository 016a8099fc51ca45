//! `UNLINK key [key ...]`
//!
//! DEL under Redis's other name: conquiet frees memory the same way either way.

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "unlink",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::DeleteKeys {
        keys: args[1..].to_vec(),
    })
}
