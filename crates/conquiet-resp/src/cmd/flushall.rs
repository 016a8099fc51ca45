//! `FLUSHALL [ASYNC|SYNC]`

use super::conn;
use super::flushdb::flush_mode;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "flushall",
    arity: -1,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::FlushAll(flush_mode(args)?))
}
