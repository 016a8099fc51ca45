//! Frames of the request/reply replies. Maps (flat arrays in RESP2) with kebab-case keys,
//! always the same keys in the same order:
//!
//! | reply       | frame                                                               |
//! |-------------|---------------------------------------------------------------------|
//! | CQ.REQUEST  | `{correlation, status, fields}`: the correlation id (the request entry's id), `ok` or `error`, and the handler's fields as a flat array `[f1, v1, ...]` |
//! | CQ.REPLY    | `{delivered}`: 1 when a waiting caller got it, 0 when it was dropped |

use conquiet_core::request::RequestAnswer;

use crate::frame::Frame;

pub(crate) fn answer_frame(answer: &RequestAnswer) -> Frame {
    let fields = answer
        .fields
        .iter()
        .flat_map(|(f, v)| [Frame::Bulk(f.clone()), Frame::Bulk(v.clone())])
        .collect();
    Frame::Map(vec![
        (
            Frame::bulk("correlation"),
            Frame::Bulk(answer.correlation.to_bytes()),
        ),
        (Frame::bulk("status"), Frame::bulk(answer.status.as_str())),
        (Frame::bulk("fields"), Frame::Array(fields)),
    ])
}

pub(crate) fn delivered_frame(delivered: u64) -> Frame {
    Frame::Map(vec![(
        Frame::bulk("delivered"),
        Frame::Integer(i64::try_from(delivered).unwrap_or(i64::MAX)),
    )])
}
