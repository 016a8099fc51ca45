//! `RENAME key newkey`

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "rename",
    arity: 3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::Rename {
        key: args[1].clone(),
        new_key: args[2].clone(),
    })
}
