//! `CQ.CONV.POST conversation participant [EXPECT last-id] field value [field value ...]`
//!
//! Appends a message to the conversation's stream: the entry's fields are `participant`
//! (the poster), then the pairs given. Only a participant may post (`NOTPARTICIPANT`). With
//! `EXPECT last-id` (`0-0` for an empty conversation) the post is refused unless that is the
//! latest message: `CONFLICT conversation '<c>' has moved on: last is <id>, not <id>`.
//! `EXPECT` is the option when it comes first and is followed by an id and at least one pair;
//! a message whose first field is named `expect` must put another field first. Answers the
//! conversation map with the new message's `id`.

use conquiet_core::Command;
use conquiet_core::conversation::ConvCommand;

use super::cq_args::keyword;
use crate::args::strict_id;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.conv.post",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut rest = &args[3..];
    let mut expect = None;
    if rest.len() >= 4 && keyword(&rest[0]) == b"expect" {
        expect = Some(strict_id(&rest[1])?);
        rest = &rest[2..];
    }
    if rest.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command: "cq.conv.post",
            pairs: "field value",
        });
    }
    let fields = rest
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    super::engine(Command::Conv(ConvCommand::Post {
        name: args[1].clone(),
        participant: args[2].clone(),
        expect,
        fields,
    }))
}
