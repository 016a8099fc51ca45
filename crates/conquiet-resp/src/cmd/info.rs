//! `INFO [section [section ...]]`
//!
//! Unknown sections are not an error: Redis answers an empty text.

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "info",
    arity: -1,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::Info {
        sections: args[1..].to_vec(),
    })
}
