//! `MULTI`

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "multi",
    arity: 1,
    parse,
};

fn parse(_args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::Multi)
}
