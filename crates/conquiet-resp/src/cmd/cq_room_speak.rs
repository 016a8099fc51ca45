//! `CQ.ROOM.SPEAK room participant text [PASS]`
//!
//! Appends a `spoke` entry to the room's events stream if `participant` is the current
//! speaker (the check and the append are one engine decision); speaking does not pass the
//! turn, unless PASS is given: then the turn goes to the next participant in the same op.
//! Anyone else gets `NOTYOURTURN room '<room>': it is '<speaker>'s turn (turn <n>)`. Answers
//! the room map with the `spoke` entry's id.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use super::cq_args::{keyword, shown_value};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.speak",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut pass = false;
    for arg in &args[4..] {
        match keyword(arg).as_slice() {
            b"pass" => pass = true,
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.room.speak",
                    option: shown_value(arg),
                });
            }
        }
    }
    super::engine(Command::Room(RoomCommand::Speak {
        name: args[1].clone(),
        participant: args[2].clone(),
        text: args[3].clone(),
        pass,
    }))
}
