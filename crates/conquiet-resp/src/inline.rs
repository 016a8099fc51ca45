//! Inline requests: one line of space-separated words, as telnet and `redis-cli` send when they
//! are not speaking multibulk. Splitting follows Redis's `sdssplitargs` byte for byte:
//!
//! - words are separated by C whitespace; a plain word ends at space, tab, CR or LF;
//! - `"..."` understands `\n \r \t \b \a`, `\xHH`, and `\` before any other byte;
//! - `'...'` understands only `\'`;
//! - a closing quote must be followed by whitespace or the end of the line, and quotes may
//!   start in the middle of a word (`a"b"` is `ab`).
//!
//! Anything else is "unbalanced quotes", a protocol error.

use crate::args::is_c_space;
use crate::error::ProtocolError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Double,
    Single,
}

/// Splits one inline line (without its line end). The line holds no NUL (the request decoder
/// stops looking for the line end at a NUL, as Redis does), so reading past the end as NUL
/// mirrors the C code exactly.
pub(crate) fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, ProtocolError> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut words = Vec::new();
    let mut p = 0;
    loop {
        while at(p) != 0 && is_c_space(at(p)) {
            p += 1;
        }
        if at(p) == 0 {
            return Ok(words);
        }
        let mut word = Vec::new();
        let mut quote = Quote::None;
        let mut done = false;
        while !done {
            let c = at(p);
            match quote {
                Quote::Double => {
                    if c == b'\\' && at(p + 1) == b'x' {
                        if let (Some(hi), Some(lo)) = (hex(at(p + 2)), hex(at(p + 3))) {
                            word.push(hi * 16 + lo);
                            p += 3;
                        } else {
                            // `\x` without two hex digits is just an escaped `x`.
                            word.push(b'x');
                            p += 1;
                        }
                    } else if c == b'\\' && at(p + 1) != 0 {
                        p += 1;
                        word.push(unescape(at(p)));
                    } else if c == b'"' {
                        done = closes(at(p + 1))?;
                    } else if c == 0 {
                        return Err(ProtocolError::UnbalancedQuotes);
                    } else {
                        word.push(c);
                    }
                }
                Quote::Single => {
                    if c == b'\\' && at(p + 1) == b'\'' {
                        p += 1;
                        word.push(b'\'');
                    } else if c == b'\'' {
                        done = closes(at(p + 1))?;
                    } else if c == 0 {
                        return Err(ProtocolError::UnbalancedQuotes);
                    } else {
                        word.push(c);
                    }
                }
                Quote::None => match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => quote = Quote::Double,
                    b'\'' => quote = Quote::Single,
                    _ => word.push(c),
                },
            }
            if at(p) != 0 {
                p += 1;
            }
        }
        words.push(word);
    }
}

/// A closing quote must end the word.
fn closes(next: u8) -> Result<bool, ProtocolError> {
    if next != 0 && !is_c_space(next) {
        return Err(ProtocolError::UnbalancedQuotes);
    }
    Ok(true)
}

fn unescape(c: u8) -> u8 {
    match c {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    }
}

fn hex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .map(|d| u8::try_from(d).expect("a hex digit is below 16"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &[u8]) -> Vec<Vec<u8>> {
        split(line).unwrap()
    }

    #[test]
    fn plain_words_split_on_c_whitespace() {
        assert_eq!(words(b"  PING   "), vec![b"PING".to_vec()]);
        assert_eq!(words(b"ECHO\ta"), vec![b"ECHO".to_vec(), b"a".to_vec()]);
        assert_eq!(words(b"a\rb"), vec![b"a".to_vec(), b"b".to_vec()]);
        // Vertical tab separates words only between them, not inside a plain word.
        assert_eq!(words(b"a\x0bb"), vec![b"a\x0bb".to_vec()]);
        assert!(words(b"").is_empty());
        assert!(words(b" \t ").is_empty());
    }

    #[test]
    fn quotes_follow_sdssplitargs() {
        assert_eq!(words(br#"ECHO "a\x41\n\q""#)[1], b"aA\nq");
        assert_eq!(words(br#""\xfF""#)[0], b"\xff");
        assert_eq!(words(br#""a\xZZ""#)[0], b"axZZ");
        assert_eq!(words(br"'a\'b'")[0], b"a'b");
        assert_eq!(words(br"'a\nb'")[0], br"a\nb");
        assert_eq!(words(br#"a"b""#)[0], b"ab");
        assert_eq!(words(br#""" x"#), vec![Vec::new(), b"x".to_vec()]);
        assert_eq!(words(b"'a'\x0b")[0], b"a");
    }

    #[test]
    fn unbalanced_quotes_are_protocol_errors() {
        for bad in [&b"\"a"[..], b"'a", br#""a"b"#, b"'a'x", b"\"\\", b"\"a\\"] {
            assert_eq!(
                split(bad),
                Err(ProtocolError::UnbalancedQuotes),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
