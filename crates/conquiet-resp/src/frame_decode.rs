//! Whole frames (replies) from bytes, RESP2 and RESP3 alike: the inverse of `encode`, used by
//! tests, the fuzz target and any client code. Stricter than the request decoder: every line
//! and every bulk must end in CRLF, since replies come from a correct encoder.

use crate::args::string2ll;
use crate::error::ProtocolError;
use crate::frame::Frame;
use crate::limits::{FRAME_BULK_BYTES_MAX, FRAME_DEPTH_MAX, FRAME_ELEMENTS_MAX};

/// The first frame in `buf` and the bytes it used; `Ok(None)` if `buf` holds only part of it.
/// Never panics; lengths and counts are checked against the `FRAME_*` limits before use.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
    Reader { buf }.frame(0, 0)
}

type Step<T> = Result<Option<(T, usize)>, ProtocolError>;

struct Reader<'a> {
    buf: &'a [u8],
}

impl Reader<'_> {
    fn frame(&self, pos: usize, depth: usize) -> Step<Frame> {
        if depth > FRAME_DEPTH_MAX {
            return Err(ProtocolError::TooDeep {
                depth,
                limit: FRAME_DEPTH_MAX,
            });
        }
        let Some(&kind) = self.buf.get(pos) else {
            return Ok(None);
        };
        let Some((text, next)) = self.line(pos + 1)? else {
            return Ok(None);
        };
        let frame = match kind {
            b'+' => Frame::Simple(text.to_vec()),
            b'-' => Frame::Error(text.to_vec()),
            b':' => Frame::Integer(number(text)?),
            b'_' if text.is_empty() => Frame::Null,
            b'_' => return Err(ProtocolError::BadFrame("null with a payload")),
            b'#' => match text {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(ProtocolError::BadFrame("invalid boolean")),
            },
            b',' => Frame::Double(double(text)?),
            b'(' => Frame::BigNumber(big_number(text)?),
            b'$' | b'=' => return self.blob(kind, number(text)?, next),
            b'*' | b'~' | b'>' | b'%' => return self.aggregate(kind, number(text)?, next, depth),
            other => return Err(ProtocolError::UnknownFrameType(other)),
        };
        Ok(Some((frame, next)))
    }

    /// The bytes up to the next CRLF at or after `pos`, and the position after it.
    fn line(&self, pos: usize) -> Step<&[u8]> {
        let rest = self.buf.get(pos..).unwrap_or_default();
        let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
            return Ok(None);
        };
        match rest.get(cr + 1) {
            None => Ok(None),
            Some(b'\n') => Ok(Some((&rest[..cr], pos + cr + 2))),
            Some(_) => Err(ProtocolError::BadFrame("line not ended by CRLF")),
        }
    }

    fn blob(&self, kind: u8, len: i64, data: usize) -> Step<Frame> {
        if kind == b'$' && len == -1 {
            return Ok(Some((Frame::Null, data)));
        }
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= FRAME_BULK_BYTES_MAX)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        let end = data
            .checked_add(len)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        let Some(bytes) = self.buf.get(data..end) else {
            return Ok(None);
        };
        match self.buf.get(end..end.saturating_add(2)) {
            None => return Ok(None),
            Some(b"\r\n") => {}
            Some(_) => return Err(ProtocolError::BadFrame("bulk not ended by CRLF")),
        }
        let frame = if kind == b'$' {
            Frame::Bulk(bytes.to_vec())
        } else {
            match bytes {
                [a, b, c, b':', text @ ..] => Frame::Verbatim {
                    format: [*a, *b, *c],
                    text: text.to_vec(),
                },
                _ => return Err(ProtocolError::BadFrame("verbatim string without a format")),
            }
        };
        Ok(Some((frame, end + 2)))
    }

    fn aggregate(&self, kind: u8, count: i64, mut pos: usize, depth: usize) -> Step<Frame> {
        if kind == b'*' && count == -1 {
            return Ok(Some((Frame::NullArray, pos)));
        }
        let count = usize::try_from(count)
            .ok()
            .filter(|&n| n <= FRAME_ELEMENTS_MAX)
            .ok_or(ProtocolError::InvalidMultibulkLength)?;
        let frames = if kind == b'%' { count * 2 } else { count };
        // Every frame takes at least 3 bytes, so the bytes present bound the allocation.
        let room = (self.buf.len() - pos.min(self.buf.len())) / 3;
        let mut items = Vec::with_capacity(frames.min(room));
        for _ in 0..frames {
            let Some((item, next)) = self.frame(pos, depth + 1)? else {
                return Ok(None);
            };
            items.push(item);
            pos = next;
        }
        let frame = match kind {
            b'*' => Frame::Array(items),
            b'~' => Frame::Set(items),
            b'>' => Frame::Push(items),
            _ => {
                let mut pairs = Vec::with_capacity(count);
                let mut items = items.into_iter();
                while let (Some(key), Some(value)) = (items.next(), items.next()) {
                    pairs.push((key, value));
                }
                Frame::Map(pairs)
            }
        };
        Ok(Some((frame, pos)))
    }
}

fn number(text: &[u8]) -> Result<i64, ProtocolError> {
    string2ll(text).ok_or(ProtocolError::BadFrame("invalid integer"))
}

/// Accepts what `format_double` writes (and what Redis writes): `%.17g`, `inf`, `-inf`, `nan`.
fn double(text: &[u8]) -> Result<f64, ProtocolError> {
    let bad = ProtocolError::BadFrame("invalid double");
    let text = std::str::from_utf8(text).map_err(|_| bad.clone())?;
    match text {
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        "nan" | "-nan" => Ok(f64::NAN),
        _ if text.starts_with(|c: char| c.is_ascii_digit() || c == '-') => {
            text.parse().map_err(|_| bad)
        }
        _ => Err(bad),
    }
}

fn big_number(text: &[u8]) -> Result<Vec<u8>, ProtocolError> {
    let digits = text.strip_prefix(b"-").unwrap_or(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ProtocolError::BadFrame("invalid big number"));
    }
    Ok(text.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(bytes: &[u8]) -> Frame {
        let (frame, used) = decode_frame(bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        frame
    }

    #[test]
    fn decodes_every_type() {
        assert_eq!(whole(b"+OK\r\n"), Frame::simple("OK"));
        assert_eq!(whole(b"$-1\r\n"), Frame::Null);
        assert_eq!(whole(b"*-1\r\n"), Frame::NullArray);
        assert_eq!(whole(b"_\r\n"), Frame::Null);
        assert_eq!(whole(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
        assert_eq!(whole(b"(-12\r\n"), Frame::BigNumber(b"-12".to_vec()));
        assert_eq!(
            whole(b"%1\r\n$1\r\na\r\n~1\r\n#f\r\n"),
            Frame::Map(vec![(
                Frame::bulk("a"),
                Frame::Set(vec![Frame::Boolean(false)])
            )])
        );
        assert_eq!(
            whole(b"=7\r\ntxt:abc\r\n"),
            Frame::Verbatim {
                format: *b"txt",
                text: b"abc".to_vec()
            }
        );
    }

    #[test]
    fn partial_frames_wait_and_bad_ones_fail() {
        let full = b"*2\r\n$3\r\nabc\r\n:5\r\n";
        for cut in 0..full.len() {
            assert_eq!(decode_frame(&full[..cut]), Ok(None), "cut at {cut}");
        }
        assert!(decode_frame(b"$3\r\nabcXY").is_err());
        assert!(decode_frame(b"$-2\r\n").is_err());
        assert!(decode_frame(b"!3\r\n").is_err());
        assert!(decode_frame(b":1x\r\n").is_err());
        assert!(decode_frame(b"+a\rb\r\n").is_err());
        assert!(decode_frame(b"*2000000\r\n").is_err());
        let deep = b"*1\r\n".repeat(FRAME_DEPTH_MAX + 2);
        assert!(matches!(
            decode_frame(&deep),
            Err(ProtocolError::TooDeep { .. })
        ));
    }
}
