//! Bytes of the room ops (record tags 27 and 28) and of the room table in snapshots (body
//! version 4). Tabled in docs/record-format.md and docs/snapshot-format.md; paired functions
//! as in the parent module.

use std::io::{self, Read, Write};

use super::{CodecError, Dec, Enc};
use crate::command::Op;
use crate::limits::*;
use crate::room::{Room, RoomEvent, RoomOp, RoomState, Rooms, Turn};

pub(super) fn write_room_op<W: Write>(e: &mut Enc<'_, W>, op: &RoomOp) -> io::Result<()> {
    match op {
        RoomOp::Create {
            name,
            stream,
            participants,
            turn_timeout_ms,
        } => {
            e.u8(27)?;
            e.bytes(name)?;
            e.bytes(stream)?;
            write_participants(e, participants)?;
            e.opt_u64(*turn_timeout_ms)
        }
        RoomOp::Events {
            name,
            stream,
            events,
        } => {
            e.u8(28)?;
            e.bytes(name)?;
            e.bytes(stream)?;
            e.len(events.len())?;
            for (id, event) in events {
                e.id(*id)?;
                write_event(e, event)?;
            }
            Ok(())
        }
    }
}

fn write_participants<W: Write>(e: &mut Enc<'_, W>, participants: &[Vec<u8>]) -> io::Result<()> {
    e.len(participants.len())?;
    participants.iter().try_for_each(|p| e.bytes(p))
}

fn write_event<W: Write>(e: &mut Enc<'_, W>, event: &RoomEvent) -> io::Result<()> {
    match event {
        RoomEvent::Started { until_ms } => {
            e.u8(0)?;
            e.opt_u64(*until_ms)
        }
        RoomEvent::Spoke { text } => {
            e.u8(1)?;
            e.bytes(text)
        }
        RoomEvent::TurnChanged { until_ms } => {
            e.u8(2)?;
            e.opt_u64(*until_ms)
        }
        RoomEvent::TimedOut { turns } => {
            e.u8(3)?;
            e.u64(*turns)
        }
        RoomEvent::Ended => e.u8(4),
    }
}

/// `None` when `tag` is not a room op's.
pub(super) fn read_room_op<R: Read>(d: &mut Dec<'_, R>, tag: u8) -> Result<Option<Op>, CodecError> {
    Ok(Some(Op::Room(match tag {
        27 => RoomOp::Create {
            name: d.name()?,
            stream: d.name()?,
            participants: read_participants(d)?,
            turn_timeout_ms: d.opt_u64()?,
        },
        28 => {
            let name = d.name()?;
            let stream = d.name()?;
            let n = d.count("events in one room op", ROOM_EVENTS_PER_OP_MAX)?;
            let mut events = Vec::with_capacity(n);
            for _ in 0..n {
                events.push((d.id()?, read_event(d)?));
            }
            RoomOp::Events {
                name,
                stream,
                events,
            }
        }
        _ => return Ok(None),
    })))
}

fn read_participants<R: Read>(d: &mut Dec<'_, R>) -> Result<Vec<Vec<u8>>, CodecError> {
    let n = d.count("room participants", ROOM_PARTICIPANTS_MAX)?;
    if n == 0 {
        return Err(CodecError::Malformed("room without participants"));
    }
    (0..n).map(|_| d.name()).collect()
}

fn read_event<R: Read>(d: &mut Dec<'_, R>) -> Result<RoomEvent, CodecError> {
    Ok(match d.u8()? {
        0 => RoomEvent::Started {
            until_ms: d.opt_u64()?,
        },
        1 => RoomEvent::Spoke {
            text: d.bytes("room text", ROOM_TEXT_BYTES_MAX)?,
        },
        2 => RoomEvent::TurnChanged {
            until_ms: d.opt_u64()?,
        },
        3 => RoomEvent::TimedOut { turns: d.u64()? },
        4 => RoomEvent::Ended,
        _ => return Err(CodecError::Malformed("room event")),
    })
}

pub(super) fn write_rooms<W: Write>(e: &mut Enc<'_, W>, rooms: &Rooms) -> io::Result<()> {
    e.len(rooms.len())?;
    for (name, room) in rooms.iter() {
        e.bytes(name)?;
        write_participants(e, &room.participants)?;
        e.opt_u64(room.turn_timeout_ms)?;
        e.u8(match room.turn.state {
            RoomState::Created => 0,
            RoomState::Started => 1,
            RoomState::Ended => 2,
        })?;
        e.u64(room.turn.turn)?;
        e.u32(room.turn.speaker)?;
        e.opt_u64(room.turn.until_ms)?;
    }
    Ok(())
}

/// Reads the room table, checking its count, the order of names, and that each speaker is
/// one of the room's participants.
pub(super) fn read_rooms<R: Read>(d: &mut Dec<'_, R>) -> Result<Rooms, CodecError> {
    let n = d.count("room count", ROOMS_MAX)?;
    let mut rooms = Rooms::default();
    let mut previous: Option<Vec<u8>> = None;
    for _ in 0..n {
        let name = d.name()?;
        if previous.as_ref().is_some_and(|p| *p >= name) {
            return Err(CodecError::Malformed("room names out of order"));
        }
        let participants = read_participants(d)?;
        let turn_timeout_ms = d.opt_u64()?;
        let state = match d.u8()? {
            0 => RoomState::Created,
            1 => RoomState::Started,
            2 => RoomState::Ended,
            _ => return Err(CodecError::Malformed("room state")),
        };
        let turn = Turn {
            state,
            turn: d.u64()?,
            speaker: d.u32()?,
            until_ms: d.opt_u64()?,
        };
        if turn.speaker as usize >= participants.len() {
            return Err(CodecError::Malformed("room speaker"));
        }
        previous = Some(name.clone());
        let room = Room {
            participants,
            turn_timeout_ms,
            turn,
        };
        rooms.insert(name, room);
    }
    Ok(rooms)
}
