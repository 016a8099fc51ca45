//! `PING [message]`
//!
//! The command table allows any count; PING itself refuses more than one message.

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "ping",
    arity: -1,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    match args {
        [_] => conn(ConnCommand::Ping { message: None }),
        [_, message] => conn(ConnCommand::Ping {
            message: Some(message.clone()),
        }),
        _ => Err(ParseError::WrongArity("ping")),
    }
}
