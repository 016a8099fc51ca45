//! Frames of the fan-out send and conversation replies. Maps (flat arrays in RESP2), always
//! the same keys in the same order:
//!
//! | reply   | frame                                                                       |
//! |---------|-----------------------------------------------------------------------------|
//! | CQ.SEND | `{recipient: id, ...}`: each recipient, in the order named, with its copy's entry id |

use conquiet_core::StreamId;

use crate::frame::Frame;

pub(crate) fn sent_frame(sends: &[(Vec<u8>, StreamId)]) -> Frame {
    Frame::Map(
        sends
            .iter()
            .map(|(key, id)| (Frame::Bulk(key.clone()), Frame::Bulk(id.to_bytes())))
            .collect(),
    )
}
