//! Argument reading shared by the `CQ.*` commands (conquiet's own, so no Redis parser to
//! mimic): a cursor over the options, plain-decimal u64s, and `id token` handles.
//!
//! Numbers are stricter than Redis's: ASCII digits only, no sign, no spaces, and no bytes after
//! a NUL, so every accepted spelling means exactly one u64. Option names are matched as the
//! rest of the crate matches keywords: case-insensitive, as C strings (`args::is_word`).
//! Limits on the values (lease, delay, count, handles) are the engine's, so HTTP and RESP
//! refuse the same requests with the same texts.

use conquiet_core::Command;
use conquiet_core::queue::{Handle, Settle};

use crate::args::{c_str, strict_id};
use crate::error::ParseError;
use crate::frame::blank_line_breaks;
use crate::parse::Parsed;

/// Longest option name (`max-pending-per-consumer` is 24 bytes). Longer arguments are never
/// options, so `keyword` never copies a large argument.
const KEYWORD_BYTES_MAX: usize = 32;

/// Most bytes of a refused argument an error shows, as Redis bounds names (`%.128s`).
const VALUE_SHOWN_BYTES_MAX: usize = 128;

/// `arg` in lowercase for matching against option names; empty when it is too long to be one.
pub(super) fn keyword(arg: &[u8]) -> Vec<u8> {
    let text = c_str(arg);
    if text.len() > KEYWORD_BYTES_MAX {
        return Vec::new();
    }
    text.to_ascii_lowercase()
}

/// A refused argument as an error shows it: at most 128 bytes, CR and LF as spaces. Unlike
/// Redis's `%s` it is not cut at a NUL, since the number parser does not stop there either.
pub(super) fn shown_value(arg: &[u8]) -> String {
    let cut = &arg[..arg.len().min(VALUE_SHOWN_BYTES_MAX)];
    String::from_utf8_lossy(&blank_line_breaks(cut)).into_owned()
}

/// A u64 in plain decimal (leading zeros allowed); `option` names it in the error.
pub(super) fn number(arg: &[u8], option: &'static str) -> Result<u64, ParseError> {
    let refused = || ParseError::NotU64 {
        option,
        value: shown_value(arg),
    };
    if arg.is_empty() {
        return Err(refused());
    }
    let mut value: u64 = 0;
    for &b in arg {
        if !b.is_ascii_digit() {
            return Err(refused());
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(refused)?;
    }
    Ok(value)
}

/// Walks the arguments after a command's fixed positions.
pub(super) struct Cursor<'a> {
    args: &'a [Vec<u8>],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at `args[at]` (which may be past the end).
    pub(super) fn new(args: &'a [Vec<u8>], at: usize) -> Cursor<'a> {
        Cursor { args, at }
    }

    /// The next argument, consumed.
    pub(super) fn next(&mut self) -> Option<&'a [u8]> {
        let arg = self.args.get(self.at)?;
        self.at += 1;
        Some(arg)
    }

    /// The next argument as a lowercase keyword, not consumed; empty at the end.
    pub(super) fn peek_keyword(&self) -> Vec<u8> {
        self.args.get(self.at).map_or_else(Vec::new, |a| keyword(a))
    }

    /// Consumes the value of `option`, which the caller has just consumed.
    pub(super) fn value(&mut self, option: &'static str) -> Result<&'a [u8], ParseError> {
        self.next().ok_or(ParseError::MissingValue {
            option,
            needs: "a value",
        })
    }

    /// Consumes the u64 value of `option`.
    pub(super) fn number(&mut self, option: &'static str) -> Result<u64, ParseError> {
        number(self.value(option)?, option)
    }

    /// Arguments not yet consumed.
    pub(super) fn rest(&self) -> &'a [Vec<u8>] {
        self.args.get(self.at..).unwrap_or(&[])
    }

    /// Consumes `n` arguments; the caller has checked `rest()` holds them.
    pub(super) fn skip(&mut self, n: usize) {
        self.at = self.at.saturating_add(n).min(self.args.len());
    }
}

/// The `id token [id token ...]` handles that end CQ.ACK, CQ.NACK, CQ.TOUCH and CQ.TERM.
/// Ids are strict, as XACK's; tokens are u64s. At least one pair is required.
pub(super) fn handles(rest: &[Vec<u8>], command: &'static str) -> Result<Vec<Handle>, ParseError> {
    if rest.is_empty() || rest.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command,
            pairs: "id token",
        });
    }
    rest.chunks_exact(2)
        .map(|pair| {
            Ok(Handle {
                id: strict_id(&pair[0])?,
                token: number(&pair[1], "token")?,
            })
        })
        .collect()
}

/// CQ.ACK / NACK / TOUCH / TERM of `handles` on `args[1]` (key) and `args[2]` (group).
pub(super) fn settle(
    args: &[Vec<u8>],
    action: Settle,
    handles: Vec<Handle>,
) -> Result<Parsed, ParseError> {
    super::engine(Command::Settle {
        key: args[1].clone(),
        group: args[2].clone(),
        action,
        handles,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimal_u64s() {
        assert_eq!(number(b"0", "N"), Ok(0));
        assert_eq!(number(b"007", "N"), Ok(7));
        assert_eq!(number(b"18446744073709551615", "N"), Ok(u64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b" 1",
            b"1 ",
            b"1.0",
            b"5\0",
            b"18446744073709551616",
        ] {
            assert!(number(bad, "N").is_err(), "{bad:?}");
        }
        assert_eq!(
            number(b"-5", "LEASE").unwrap_err().to_string(),
            "ERR LEASE must be an integer from 0 to 18446744073709551615, got '-5'"
        );
    }

    #[test]
    fn keywords_are_lowercase_c_strings_and_short() {
        assert_eq!(keyword(b"LeAsE"), b"lease");
        assert_eq!(keyword(b"LEASE\0x"), b"lease");
        assert!(keyword(&[b'a'; 33]).is_empty());
    }

    #[test]
    fn shown_values_are_bounded_and_on_one_line() {
        assert_eq!(shown_value(b"a\r\nb"), "a  b");
        assert_eq!(shown_value(&[b'x'; 200]).len(), 128);
    }
}
