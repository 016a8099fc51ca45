//! `CQ.ROOM.INFO room`
//!
//! The room as it is now (turns that timed out already passed): the room map without `id`.
//! A read.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.info",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    super::engine(Command::Room(RoomCommand::Info {
        name: args[1].clone(),
    }))
}
