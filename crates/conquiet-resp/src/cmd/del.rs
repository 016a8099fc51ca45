//! `DEL key [key ...]`
//!
//! Deletes whole streams (conquiet holds no other kind of key).

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "del",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::DeleteKeys {
        keys: args[1..].to_vec(),
    })
}
