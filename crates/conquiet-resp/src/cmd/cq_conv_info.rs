//! `CQ.CONV.INFO conversation`
//!
//! The conversation now: `{name, participants, messages, last-id, stream}` (`send_reply`). A
//! read; an unknown name is `NOCONV`.

use conquiet_core::Command;
use conquiet_core::conversation::ConvCommand;

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.conv.info",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    super::engine(Command::Conv(ConvCommand::Info {
        name: args[1].clone(),
    }))
}
