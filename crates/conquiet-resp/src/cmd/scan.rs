//! `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
//!
//! The cursor is read as Redis reads it (`strtoul`: a sign is allowed and `-1` wraps, a
//! leading space is not, the empty string is 0). COUNT must be at least 1.

use super::conn;
use crate::args::{c_str, int, is_c_space, is_word, non_negative};
use crate::conn::{ConnCommand, Scan};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "scan",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut scan = Scan {
        cursor: cursor(&args[1])?,
        pattern: None,
        count: None,
        kind: None,
    };
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i;
        let opt = &args[i];
        if is_word(opt, "count") && more >= 2 {
            let count = int(&args[i + 1])?;
            if count < 1 {
                return Err(ParseError::Syntax);
            }
            scan.count = Some(non_negative(count));
        } else if is_word(opt, "match") && more >= 2 {
            scan.pattern = Some(args[i + 1].clone());
        } else if is_word(opt, "type") && more >= 2 {
            scan.kind = Some(args[i + 1].clone());
        } else {
            return Err(ParseError::Syntax);
        }
        i += 2;
    }
    conn(ConnCommand::Scan(scan))
}

/// Redis's `parseScanCursorOrReply`: `strtoul` on the C string, refusing a leading space,
/// trailing bytes and overflow.
fn cursor(arg: &[u8]) -> Result<u64, ParseError> {
    let text = c_str(arg);
    if text.first().is_some_and(|&b| is_c_space(b)) {
        return Err(ParseError::InvalidCursor);
    }
    if text.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::InvalidCursor);
    }
    let mut value: u64 = 0;
    for &b in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(ParseError::InvalidCursor)?;
    }
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_reads_like_strtoul() {
        assert_eq!(cursor(b"0"), Ok(0));
        assert_eq!(cursor(b""), Ok(0));
        assert_eq!(cursor(b"+5"), Ok(5));
        assert_eq!(cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [&b" 1"[..], b"x", b"1 ", b"18446744073709551616", b"-", b"+"] {
            assert_eq!(cursor(bad), Err(ParseError::InvalidCursor), "{bad:?}");
        }
    }
}
