//! Frames of the room replies (`CQ.ROOM.*`). One map (a flat array in RESP2) with kebab-case
//! keys, always the same keys in the same order:
//!
//! | reply           | frame                                                                 |
//! |-----------------|-----------------------------------------------------------------------|
//! | CQ.ROOM.INFO    | `{name, state, participants, speaker, turn, turn-until-ms, events-stream}` |
//! | every write     | the same, then `id`: the entry id of the command's event (the `spoke` entry for SPEAK; nil for CREATE) |
//!
//! `state` is `created`, `started` or `ended`; `speaker` is nil unless started;
//! `turn-until-ms` is nil without a turn timeout (or unless started); `participants` is an
//! array in turn order.

use conquiet_core::room::RoomView;

use crate::frame::Frame;

pub(crate) fn room_frame(v: &RoomView) -> Frame {
    let mut pairs = vec![
        field("name", Frame::Bulk(v.name.clone())),
        field("state", Frame::bulk(v.state.as_str())),
        field(
            "participants",
            Frame::Array(v.participants.iter().cloned().map(Frame::Bulk).collect()),
        ),
        field(
            "speaker",
            v.speaker.clone().map_or(Frame::Null, Frame::Bulk),
        ),
        field("turn", int(v.turn)),
        field("turn-until-ms", v.turn_until_ms.map_or(Frame::Null, int)),
        field("events-stream", Frame::Bulk(v.events_stream.clone())),
    ];
    if v.write {
        let id = v
            .event_id
            .map_or(Frame::Null, |id| Frame::Bulk(id.to_bytes()));
        pairs.push(field("id", id));
    }
    Frame::Map(pairs)
}

fn int(n: u64) -> Frame {
    Frame::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn field(name: &str, value: Frame) -> (Frame, Frame) {
    (Frame::bulk(name), value)
}
