//! `CQ.ROOM.CREATE room PARTICIPANTS n participant [participant ...] [TURN-TIMEOUT ms]`
//!
//! Creates a turn-based room whose participants speak in the order given (1 to 64 of them,
//! no name twice), and its events stream `room:<room>:events`. With TURN-TIMEOUT, a turn
//! that lasts `ms` passes to the next participant by itself. Answers the room map
//! (`room_reply`); an existing room (ended ones too) is `BUSYROOM`. The limits are the
//! engine's.

use conquiet_core::Command;
use conquiet_core::room::RoomCommand;

use super::cq_args::{Cursor, keyword, number, shown_value};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.room.create",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if keyword(&args[2]) != b"participants" {
        return Err(ParseError::Required {
            command: "CQ.ROOM.CREATE",
            option: "PARTICIPANTS n participant ...",
        });
    }
    let n = number(&args[3], "PARTICIPANTS")?;
    let mut cursor = Cursor::new(args, 4);
    // Checked against what was sent before it sizes anything.
    let n = usize::try_from(n)
        .ok()
        .filter(|n| *n <= cursor.rest().len())
        .ok_or(ParseError::Syntax)?;
    let participants = cursor.rest()[..n].to_vec();
    cursor.skip(n);
    let mut turn_timeout_ms = None;
    while let Some(arg) = cursor.next() {
        match keyword(arg).as_slice() {
            b"turn-timeout" => turn_timeout_ms = Some(cursor.number("TURN-TIMEOUT")?),
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.room.create",
                    option: shown_value(arg),
                });
            }
        }
    }
    super::engine(Command::Room(RoomCommand::Create {
        name: args[1].clone(),
        participants,
        turn_timeout_ms,
    }))
}
