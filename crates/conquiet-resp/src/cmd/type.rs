//! `TYPE key`

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "type",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::Type {
        key: args[1].clone(),
    })
}
