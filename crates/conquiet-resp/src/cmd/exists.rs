//! `EXISTS key [key ...]`
//!
//! A key named twice counts twice, as in Redis.

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "exists",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::Exists {
        keys: args[1..].to_vec(),
    })
}
