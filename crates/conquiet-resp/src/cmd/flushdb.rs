//! `FLUSHDB [ASYNC|SYNC]`

use super::conn;
use crate::args::is_word;
use crate::conn::{ConnCommand, FlushMode};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "flushdb",
    arity: -1,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::FlushDb(flush_mode(args)?))
}

/// FLUSHDB's and FLUSHALL's optional mode (Redis's `getFlushCommandFlags`).
pub(super) fn flush_mode(args: &[Vec<u8>]) -> Result<FlushMode, ParseError> {
    match args {
        [_] => Ok(FlushMode::Default),
        [_, mode] if is_word(mode, "sync") => Ok(FlushMode::Sync),
        [_, mode] if is_word(mode, "async") => Ok(FlushMode::Async),
        _ => Err(ParseError::Syntax),
    }
}
