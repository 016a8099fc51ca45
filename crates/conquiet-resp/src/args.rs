//! Reading single arguments the way Redis 7.0 reads them: its integer parser (`string2ll`),
//! its lenient unsigned parser for stream ids (`string2ull`, which falls back to `strtoull`),
//! stream ids with `-`, `+`, `(` and `<ms>-*`, and keywords compared as C strings.
//!
//! Redis reads many arguments as C strings, so bytes after a NUL are ignored there: `5\0x` is
//! the id `5-0`. We follow it so every argument is accepted or refused exactly as Redis does.

pub(crate) use conquiet_core::id::string2ll;
use conquiet_core::{IdSpec, StreamId};

use crate::error::ParseError;
use crate::limits::ID_ARG_BYTES_MAX;

/// The bytes before the first NUL: what C's string functions see of an argument.
pub(crate) fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    }
}

/// C's `isspace` in the C locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Whether `arg` is the keyword `word` (ASCII, lowercase), compared as Redis's `strcasecmp`.
pub(crate) fn is_word(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// Redis's `string2ull` on a C string: `string2ll` when it applies (refusing negatives), else
/// glibc's `strtoull`, which skips leading spaces, takes a sign, and negates modulo 2^64. So
/// ` 7`, `+7` and `007` read as 7, `-0` as 0 and ` -1` as 2^64-1, exactly as in Redis.
pub(crate) fn string2ull(text: &[u8]) -> Option<u64> {
    if let Some(value) = string2ll(text) {
        return u64::try_from(value).ok();
    }
    let mut at = 0;
    while at < text.len() && is_c_space(text[at]) {
        at += 1;
    }
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = text.get(at) {
        negative = sign == b'-';
        at += 1;
    }
    let digits = &text[at..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// An i64 argument (`getLongLongFromObjectOrReply`), refused with `error`.
pub(crate) fn int_or(arg: &[u8], error: ParseError) -> Result<i64, ParseError> {
    string2ll(arg).ok_or(error)
}

/// An i64 argument refused with Redis's generic text.
pub(crate) fn int(arg: &[u8]) -> Result<i64, ParseError> {
    int_or(arg, ParseError::NotInteger)
}

/// A non-negative i64 as u64; callers check the sign first.
pub(crate) fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Whether `-` and `+` are accepted as the smallest and largest ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bounds {
    /// Ranges (XRANGE, XPENDING, XGROUP SETID): `-` is 0-0 and `+` the largest id.
    Allowed,
    /// Everything else ("strict" in Redis).
    Refused,
}

/// A stream id, `<ms>-<seq>` or `<ms>` (then `seq` is `missing_seq`), as Redis's
/// `streamGenericParseIDOrReply` reads it.
pub(crate) fn id(arg: &[u8], missing_seq: u64, bounds: Bounds) -> Result<StreamId, ParseError> {
    match id_or_auto(arg, missing_seq, bounds, false)? {
        IdSpec::Explicit(id) => Ok(id),
        IdSpec::Auto | IdSpec::AutoSeq(_) => Err(ParseError::InvalidId),
    }
}

/// A strict id with seq 0 when missing: what most commands take.
pub(crate) fn strict_id(arg: &[u8]) -> Result<StreamId, ParseError> {
    id(arg, 0, Bounds::Refused)
}

/// XADD's id: `*`, `<ms>-*`, or a strict id. XADD itself refuses `0-0` (after checking the
/// field count, as Redis does); `0-*` is left to the engine.
pub(crate) fn add_id(arg: &[u8]) -> Result<IdSpec, ParseError> {
    if c_str(arg) == b"*" {
        return Ok(IdSpec::Auto);
    }
    id_or_auto(arg, 0, Bounds::Refused, true)
}

fn id_or_auto(
    arg: &[u8],
    missing_seq: u64,
    bounds: Bounds,
    auto_seq: bool,
) -> Result<IdSpec, ParseError> {
    if arg.len() > ID_ARG_BYTES_MAX {
        return Err(ParseError::InvalidId);
    }
    let text = c_str(arg);
    match (text, bounds) {
        (b"-" | b"+", Bounds::Refused) => return Err(ParseError::InvalidId),
        (b"-", Bounds::Allowed) => return Ok(IdSpec::Explicit(StreamId::ZERO)),
        (b"+", Bounds::Allowed) => return Ok(IdSpec::Explicit(StreamId::MAX)),
        _ => {}
    }
    let Some(dash) = text.iter().position(|&b| b == b'-') else {
        let ms = string2ull(text).ok_or(ParseError::InvalidId)?;
        return Ok(IdSpec::Explicit(StreamId::new(ms, missing_seq)));
    };
    let ms = string2ull(&text[..dash]).ok_or(ParseError::InvalidId)?;
    let seq = &text[dash + 1..];
    if auto_seq && seq == b"*" {
        return Ok(IdSpec::AutoSeq(ms));
    }
    let seq = string2ull(seq).ok_or(ParseError::InvalidId)?;
    Ok(IdSpec::Explicit(StreamId::new(ms, seq)))
}

/// The low end of a range: `-`, an id (seq 0 when missing), or `(id` for "after id".
pub(crate) fn range_start(arg: &[u8]) -> Result<StreamId, ParseError> {
    match exclusive(arg) {
        Some(rest) => id(rest, 0, Bounds::Refused)?
            .next()
            .ok_or(ParseError::StartIdOverflow),
        None => id(arg, 0, Bounds::Allowed),
    }
}

/// The high end of a range: `+`, an id (largest seq when missing), or `(id` for "before id".
pub(crate) fn range_end(arg: &[u8]) -> Result<StreamId, ParseError> {
    match exclusive(arg) {
        Some(rest) => id(rest, u64::MAX, Bounds::Refused)?
            .prev()
            .ok_or(ParseError::EndIdOverflow),
        None => id(arg, u64::MAX, Bounds::Allowed),
    }
}

/// The id after `(`, when `arg` is an exclusive bound (a lone `(` is not).
fn exclusive(arg: &[u8]) -> Option<&[u8]> {
    match arg.split_first() {
        Some((b'(', rest)) if !rest.is_empty() => Some(rest),
        _ => None,
    }
}

/// A BLOCK timeout in milliseconds (`getTimeoutFromObjectOrReply`); 0 waits forever.
pub(crate) fn timeout_ms(arg: &[u8]) -> Result<u64, ParseError> {
    let ms = int_or(arg, ParseError::TimeoutNotInteger)?;
    if ms < 0 {
        return Err(ParseError::TimeoutNegative);
    }
    Ok(non_negative(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ull_falls_back_to_strtoull() {
        assert_eq!(string2ull(b"7"), Some(7));
        assert_eq!(string2ull(b" 7"), Some(7));
        assert_eq!(string2ull(b"+7"), Some(7));
        assert_eq!(string2ull(b"007"), Some(7));
        assert_eq!(string2ull(b"-0"), Some(0));
        assert_eq!(string2ull(b" -1"), Some(u64::MAX));
        assert_eq!(string2ull(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"18446744073709551616",
            b"7 ",
            b" ",
            b"+",
            b"0x1",
        ] {
            assert_eq!(string2ull(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ids_parse_as_redis_reads_them() {
        assert_eq!(strict_id(b"5-3"), Ok(StreamId::new(5, 3)));
        assert_eq!(strict_id(b"+5-1"), Ok(StreamId::new(5, 1)));
        assert_eq!(strict_id(b"8--0"), Ok(StreamId::new(8, 0)));
        assert_eq!(strict_id(b"9- -1"), Ok(StreamId::new(9, u64::MAX)));
        assert_eq!(strict_id(b"11\0zz"), Ok(StreamId::new(11, 0)));
        assert_eq!(strict_id(b"-"), Err(ParseError::InvalidId));
        assert_eq!(strict_id(b"10-\0"), Err(ParseError::InvalidId));
        assert_eq!(strict_id(b"1-*"), Err(ParseError::InvalidId));
        assert_eq!(strict_id(&[b'1'; 128]), Err(ParseError::InvalidId));
        assert_eq!(id(b"+", 0, Bounds::Allowed), Ok(StreamId::MAX));
        assert_eq!(add_id(b"*"), Ok(IdSpec::Auto));
        assert_eq!(add_id(b"12-*"), Ok(IdSpec::AutoSeq(12)));
        assert_eq!(add_id(b"0-*"), Ok(IdSpec::AutoSeq(0)));
        assert_eq!(add_id(b"0"), Ok(IdSpec::Explicit(StreamId::ZERO)));
    }

    #[test]
    fn exclusive_bounds_step_past_the_id() {
        assert_eq!(range_start(b"(1-1"), Ok(StreamId::new(1, 2)));
        assert_eq!(range_end(b"(2-0"), Ok(StreamId::new(1, u64::MAX)));
        assert_eq!(range_end(b"(0"), Ok(StreamId::new(0, u64::MAX - 1)));
        assert_eq!(range_end(b"5"), Ok(StreamId::new(5, u64::MAX)));
        assert_eq!(range_start(b"(-"), Err(ParseError::InvalidId));
        assert_eq!(range_start(b"("), Err(ParseError::InvalidId));
        let max = b"(18446744073709551615-18446744073709551615";
        assert_eq!(range_start(max), Err(ParseError::StartIdOverflow));
        assert_eq!(range_end(b"(0-0"), Err(ParseError::EndIdOverflow));
    }
}
