//! `KEYS pattern`
//!
//! The engine lists every stream; the server keeps the names `glob_match` accepts.

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "keys",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    Ok(Parsed::Keys {
        pattern: args[1].clone(),
    })
}
