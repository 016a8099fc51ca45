//! Typed values from reply frames. Records arrive as RESP3 maps (the client says `HELLO 3`),
//! or as flat `[name, value, ...]` arrays from a RESP2 peer; both read the same. Paired with
//! the server's `queue_reply.rs`, which writes these shapes.

use conquiet_resp::Frame;

use crate::error::{Error, Result};

/// A record's named values, looked up by name.
pub(crate) struct Record(Vec<(Vec<u8>, Frame)>);

impl Record {
    pub(crate) fn from_frame(frame: Frame) -> Result<Record> {
        let pairs = match frame {
            Frame::Map(pairs) => pairs
                .into_iter()
                .map(|(k, v)| Ok((bytes(k)?, v)))
                .collect::<Result<_>>()?,
            Frame::Array(items) if items.len() % 2 == 0 => {
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut items = items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    pairs.push((bytes(k)?, v));
                }
                pairs
            }
            other => return Err(unexpected("a record", &other)),
        };
        Ok(Record(pairs))
    }

    /// The value named `name`; a missing name is a protocol error (the server's record
    /// shapes are fixed, so a missing field means a client and server that disagree).
    pub(crate) fn take(&mut self, name: &str) -> Result<Frame> {
        let at = self
            .0
            .iter()
            .position(|(k, _)| k == name.as_bytes())
            .ok_or_else(|| Error::Protocol(format!("record has no '{name}'")))?;
        Ok(self.0.swap_remove(at).1)
    }

    pub(crate) fn u64(&mut self, name: &str) -> Result<u64> {
        u64_of(self.take(name)?)
    }

    pub(crate) fn opt_u64(&mut self, name: &str) -> Result<Option<u64>> {
        match self.take(name)? {
            Frame::Null | Frame::NullArray => Ok(None),
            frame => u64_of(frame).map(Some),
        }
    }

    pub(crate) fn string(&mut self, name: &str) -> Result<String> {
        string(self.take(name)?)
    }

    pub(crate) fn opt_string(&mut self, name: &str) -> Result<Option<String>> {
        match self.take(name)? {
            Frame::Null | Frame::NullArray => Ok(None),
            frame => string(frame).map(Some),
        }
    }
}

pub(crate) fn unexpected(what: &str, frame: &Frame) -> Error {
    let mut shown = format!("{frame:?}");
    shown.truncate(120);
    Error::Protocol(format!("expected {what}, got {shown}"))
}

pub(crate) fn bytes(frame: Frame) -> Result<Vec<u8>> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Verbatim { text: b, .. } => Ok(b),
        other => Err(unexpected("a string", &other)),
    }
}

pub(crate) fn string(frame: Frame) -> Result<String> {
    String::from_utf8(bytes(frame)?).map_err(|_| Error::Protocol("a name is not UTF-8".into()))
}

pub(crate) fn u64_of(frame: Frame) -> Result<u64> {
    match frame {
        Frame::Integer(n) => {
            u64::try_from(n).map_err(|_| unexpected("a count", &Frame::Integer(n)))
        }
        Frame::Boolean(b) => Ok(u64::from(b)),
        Frame::Bulk(ref b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| unexpected("a count", &frame)),
        other => Err(unexpected("a count", &other)),
    }
}

pub(crate) fn array(frame: Frame) -> Result<Vec<Frame>> {
    match frame {
        Frame::Array(items) | Frame::Set(items) => Ok(items),
        Frame::Null | Frame::NullArray => Ok(Vec::new()),
        other => Err(unexpected("an array", &other)),
    }
}

/// `[field, value, ...]` as pairs.
pub(crate) fn pairs(frame: Frame) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let items = match frame {
        Frame::Map(pairs) => {
            return pairs
                .into_iter()
                .map(|(k, v)| Ok((bytes(k)?, bytes(v)?)))
                .collect();
        }
        frame => array(frame)?,
    };
    if items.len() % 2 != 0 {
        return Err(Error::Protocol("odd number of field values".into()));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(f), Some(v)) = (items.next(), items.next()) {
        out.push((bytes(f)?, bytes(v)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_flat_arrays_read_like_maps() {
        let flat = Frame::Array(vec![
            Frame::bulk("a"),
            Frame::Integer(1),
            Frame::bulk("b"),
            Frame::Null,
        ]);
        let mut record = Record::from_frame(flat).expect("record");
        assert_eq!(record.u64("a").expect("a"), 1);
        assert_eq!(record.opt_u64("b").expect("b"), None);
        assert!(matches!(record.u64("c"), Err(Error::Protocol(_))));
    }

    #[test]
    fn a_negative_count_is_a_protocol_error() {
        assert!(u64_of(Frame::Integer(-1)).is_err());
    }
}
