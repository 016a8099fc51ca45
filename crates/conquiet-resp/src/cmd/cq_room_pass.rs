//! `CQ.ROOM.PASS room participant`
//!
//! The current speaker passes: the turn goes to the next participant (after the last, the
//! first), the turn number grows by one, and the new turn's end is now + the turn timeout.
//! Anyone else gets `NOTYOURTURN`. Answers the room map with the `turn-changed` entry's id.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.pass",
    arity: 3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    super::engine(Command::Room(RoomCommand::Pass {
        name: args[1].clone(),
        participant: args[2].clone(),
    }))
}
