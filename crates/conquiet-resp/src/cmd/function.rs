//! `FUNCTION FLUSH [ASYNC|SYNC]`
//!
//! The only FUNCTION subcommand conquiet knows: test suites call it to reset a server.

use super::conn;
use crate::args::is_word;
use crate::conn::{ConnCommand, FlushMode};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand, subcommand_syntax};

pub(crate) const SPEC: Spec = Spec {
    name: "function",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[Spec {
    name: "function|flush",
    arity: -2,
    parse: flush,
}];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "FUNCTION", SUBCOMMANDS)
}

fn flush(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mode = match args {
        [_, _] => FlushMode::Default,
        [_, _, mode] if is_word(mode, "sync") => FlushMode::Sync,
        [_, _, mode] if is_word(mode, "async") => FlushMode::Async,
        [_, _, _] => return Err(ParseError::FunctionFlushMode),
        _ => return Err(subcommand_syntax(args, "FUNCTION")),
    };
    conn(ConnCommand::FunctionFlush(mode))
}
