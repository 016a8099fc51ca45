//! `CQ.ROOM.START room`
//!
//! Starts a created room: turn 1, the first participant's, ending at now + the turn timeout
//! (if the room has one). A `started` entry goes to the events stream. Answers the room map.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.start",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    super::engine(Command::Room(RoomCommand::Start {
        name: args[1].clone(),
    }))
}
