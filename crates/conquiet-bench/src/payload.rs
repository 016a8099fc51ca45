//! Message payloads: the message id as `ID_DIGITS` ASCII digits, then `.` up to the size.
//!
//! ASCII because the HTTP API carries field values as JSON strings, and the same bytes must
//! travel to every system. Paired: `encode` writes what `decode` reads.

use bytes::Bytes;

/// Digits of the id at the start of every payload: enough for any u64.
pub const ID_DIGITS: usize = 20;

/// A payload that is not one `encode` wrote; the benchmark stops, since a system changed or
/// mixed up a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("payload has {actual} bytes, expected {expected}")]
    Size { actual: usize, expected: usize },
    #[error("payload does not start with {ID_DIGITS} digits: {0:?}")]
    Id(String),
}

/// The payload of message `id`, `size` bytes long (`size >= ID_DIGITS`, checked by the
/// argument parser).
pub fn encode(id: u64, size: usize) -> Bytes {
    assert!(size >= ID_DIGITS, "payload size {size} below {ID_DIGITS}");
    let mut payload = format!("{id:0width$}", width = ID_DIGITS).into_bytes();
    payload.resize(size, b'.');
    Bytes::from(payload)
}

/// The id in `payload`, which must be `size` bytes as `encode` made it.
pub fn decode(payload: &[u8], size: usize) -> Result<u64, PayloadError> {
    if payload.len() != size {
        return Err(PayloadError::Size {
            actual: payload.len(),
            expected: size,
        });
    }
    let digits = &payload[..ID_DIGITS.min(payload.len())];
    let shown = || String::from_utf8_lossy(digits).into_owned();
    if digits.len() != ID_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return Err(PayloadError::Id(shown()));
    }
    std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| PayloadError::Id(shown()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_what_encode_wrote() {
        for (id, size) in [(0, 20), (7, 64), (123_456, 1024), (u64::MAX, 21)] {
            let payload = encode(id, size);
            assert_eq!(payload.len(), size);
            assert!(payload.is_ascii());
            assert_eq!(decode(&payload, size), Ok(id), "{id} {size}");
        }
    }

    #[test]
    fn a_changed_payload_is_refused() {
        let payload = encode(42, 32);
        assert_eq!(
            decode(&payload[..31], 32),
            Err(PayloadError::Size {
                actual: 31,
                expected: 32
            })
        );
        let mut bent = payload.to_vec();
        bent[3] = b'x';
        assert!(matches!(decode(&bent, 32), Err(PayloadError::Id(_))));
        let too_big = b"99999999999999999999";
        assert!(matches!(decode(too_big, 20), Err(PayloadError::Id(_))));
    }
}
