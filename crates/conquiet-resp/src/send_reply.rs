//! Frames of the fan-out send and conversation replies. Maps (flat arrays in RESP2), always
//! the same keys in the same order:
//!
//! | reply   | frame                                                                       |
//! |---------|-----------------------------------------------------------------------------|
//! | CQ.SEND | `{recipient: id, ...}`: each recipient, in the order named, with its copy's entry id |
//! | CQ.CONV.INFO | `{name, participants, messages, last-id, stream}` |
//! | CQ.CONV.CREATE, CQ.CONV.POST | the same, then `id`: the posted message's entry id (nil for CREATE) |
//!
//! `participants` is an array in the order given at create; `last-id` is nil before the first
//! message.

use conquiet_core::StreamId;
use conquiet_core::conversation::ConvView;

use crate::frame::Frame;

pub(crate) fn sent_frame(sends: &[(Vec<u8>, StreamId)]) -> Frame {
    Frame::Map(
        sends
            .iter()
            .map(|(key, id)| (Frame::Bulk(key.clone()), Frame::Bulk(id.to_bytes())))
            .collect(),
    )
}

pub(crate) fn conv_frame(v: &ConvView) -> Frame {
    let id = |id: Option<StreamId>| id.map_or(Frame::Null, |id| Frame::Bulk(id.to_bytes()));
    let mut pairs = vec![
        (Frame::bulk("name"), Frame::Bulk(v.name.clone())),
        (
            Frame::bulk("participants"),
            Frame::Array(v.participants.iter().cloned().map(Frame::Bulk).collect()),
        ),
        (
            Frame::bulk("messages"),
            Frame::Integer(i64::try_from(v.messages).unwrap_or(i64::MAX)),
        ),
        (Frame::bulk("last-id"), id(v.last_id)),
        (Frame::bulk("stream"), Frame::Bulk(v.stream.clone())),
    ];
    if v.write {
        pairs.push((Frame::bulk("id"), id(v.id)));
    }
    Frame::Map(pairs)
}
