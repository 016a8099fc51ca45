//! The RESP value model shared by the encoder, the reply decoder and the reply builders.
//!
//! One `Frame` describes a reply in both protocol versions; the encoder lowers RESP3-only
//! types for RESP2 clients the way Redis does (`Frame::normalized` says what a peer then
//! decodes). Requests never become frames: they are flat argument lists (see `decode`).

/// The protocol version a connection speaks: RESP2 until the client sends `HELLO 3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Resp2,
    Resp3,
}

/// One RESP value. Redis writes "nil" two ways in RESP2, and which one a reply uses is part of
/// its shape, so `Null` (`$-1`) and `NullArray` (`*-1`) stay apart; both are `_` in RESP3.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`: never contains CR or LF (the encoder blanks them).
    Simple(Vec<u8>),
    /// `-text`: the text starts with Redis's code (`ERR`, `NOGROUP`, ...).
    Error(Vec<u8>),
    /// `:n`.
    Integer(i64),
    /// `$len` then the bytes.
    Bulk(Vec<u8>),
    /// A nil value: `$-1` in RESP2, `_` in RESP3 (Redis's `addReplyNull`).
    Null,
    /// `*n` then n frames.
    Array(Vec<Frame>),
    /// A nil aggregate: `*-1` in RESP2, `_` in RESP3 (Redis's `addReplyNullArray`).
    NullArray,
    /// `%n` then n key/value pairs; a flat array of 2n frames in RESP2.
    Map(Vec<(Frame, Frame)>),
    /// `~n`; an array in RESP2.
    Set(Vec<Frame>),
    /// `,d`; a bulk string in RESP2. Written as C's `%.17g` formats it, as Redis does.
    Double(f64),
    /// `#t` / `#f`; the integer 1 / 0 in RESP2.
    Boolean(bool),
    /// `=len` then a three-byte format, `:`, and the text; a bulk of the text in RESP2.
    Verbatim { format: [u8; 3], text: Vec<u8> },
    /// `(digits`; a bulk string in RESP2.
    BigNumber(Vec<u8>),
    /// `>n` (out-of-band data such as pub/sub messages); an array in RESP2.
    Push(Vec<Frame>),
}

impl Frame {
    /// A bulk string from anything byte-like.
    pub fn bulk(bytes: impl Into<Vec<u8>>) -> Frame {
        Frame::Bulk(bytes.into())
    }

    /// A simple string; CR and LF would end the line early, so the encoder blanks them.
    pub fn simple(text: impl Into<Vec<u8>>) -> Frame {
        Frame::Simple(text.into())
    }

    /// The frame a peer decodes after `encode(self, proto)`: RESP3-only types lowered for
    /// RESP2 as Redis lowers them, both nils merged in RESP3, line breaks in simple lines
    /// blanked. Paired with `encode`; the round-trip tests check the pair.
    pub fn normalized(&self, proto: Proto) -> Frame {
        let all = |items: &[Frame]| items.iter().map(|f| f.normalized(proto)).collect();
        match (self, proto) {
            (Frame::Simple(text), _) => Frame::Simple(blank_line_breaks(text)),
            (Frame::Error(text), _) => Frame::Error(blank_line_breaks(text)),
            (Frame::BigNumber(text), Proto::Resp3) => Frame::BigNumber(blank_line_breaks(text)),
            (Frame::NullArray, Proto::Resp3) => Frame::Null,
            (Frame::Array(items), _) => Frame::Array(all(items)),
            (Frame::Map(pairs), Proto::Resp3) => Frame::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.normalized(proto), v.normalized(proto)))
                    .collect(),
            ),
            (Frame::Set(items), Proto::Resp3) => Frame::Set(all(items)),
            (Frame::Push(items), Proto::Resp3) => Frame::Push(all(items)),
            (Frame::Map(pairs), Proto::Resp2) => Frame::Array(
                pairs
                    .iter()
                    .flat_map(|(k, v)| [k.normalized(proto), v.normalized(proto)])
                    .collect(),
            ),
            (Frame::Set(items) | Frame::Push(items), Proto::Resp2) => Frame::Array(all(items)),
            (Frame::Double(d), Proto::Resp2) => Frame::Bulk(crate::encode::format_double(*d)),
            (Frame::Boolean(b), Proto::Resp2) => Frame::Integer(i64::from(*b)),
            (Frame::Verbatim { text, .. }, Proto::Resp2) => Frame::Bulk(text.clone()),
            (Frame::BigNumber(text), Proto::Resp2) => Frame::Bulk(text.clone()),
            (other, _) => other.clone(),
        }
    }
}

/// Redis replaces CR and LF in error texts with spaces so a reply can never break framing; the
/// encoder does the same for every line-delimited frame.
pub(crate) fn blank_line_breaks(text: &[u8]) -> Vec<u8> {
    text.iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}
