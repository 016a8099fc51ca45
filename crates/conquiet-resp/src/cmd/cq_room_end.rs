//! `CQ.ROOM.END room`
//!
//! Ends a created or started room: an `ended` entry goes to the events stream, and SPEAK,
//! PASS and START are refused from then on (`ROOMSTATE`). Answers the room map.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.end",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    super::engine(Command::Room(RoomCommand::End {
        name: args[1].clone(),
    }))
}
