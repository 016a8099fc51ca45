//! `CQ.CONV.CREATE conversation PARTICIPANTS n participant [participant ...]`
//!
//! Creates a conversation between the participants (1 to 64, no name twice) and its messages
//! stream `conv:<conversation>:messages`. Answers the conversation map (`send_reply`) with
//! `id` nil; an existing conversation is `BUSYCONV`. The limits are the engine's.

use conquiet_core::Command;
use conquiet_core::conversation::ConvCommand;

use super::cq_args::{keyword, number};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.conv.create",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if keyword(&args[2]) != b"participants" {
        return Err(ParseError::Required {
            command: "CQ.CONV.CREATE",
            option: "PARTICIPANTS n participant ...",
        });
    }
    let n = number(&args[3], "PARTICIPANTS")?;
    let rest = &args[4..];
    // Checked against what was sent before it sizes anything; nothing may follow the names.
    let n = usize::try_from(n)
        .ok()
        .filter(|n| *n == rest.len())
        .ok_or(ParseError::Syntax)?;
    super::engine(Command::Conv(ConvCommand::Create {
        name: args[1].clone(),
        participants: rest[..n].to_vec(),
    }))
}
