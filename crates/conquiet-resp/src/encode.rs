//! Frames to bytes, for either protocol version. Paired with `decode_frame` (replies) and with
//! `Frame::normalized`, which says what a RESP2 peer sees of RESP3-only types.
//!
//! | frame        | RESP3                | RESP2                          |
//! |--------------|----------------------|--------------------------------|
//! | `Null`       | `_\r\n`              | `$-1\r\n`                      |
//! | `NullArray`  | `_\r\n`              | `*-1\r\n`                      |
//! | `Map`        | `%n` + pairs         | `*2n` + keys and values        |
//! | `Set`/`Push` | `~n` / `>n` + items  | `*n` + items                   |
//! | `Double`     | `,%.17g\r\n`         | bulk of `%.17g`                |
//! | `Boolean`    | `#t` / `#f`          | `:1` / `:0`                    |
//! | `Verbatim`   | `=len\r\nfmt:text`   | bulk of the text               |
//! | `BigNumber`  | `(digits`            | bulk of the digits             |

use crate::frame::{Frame, Proto};

/// Appends `frame` as `proto` writes it. Never fails: line-delimited texts have CR and LF
/// blanked (as Redis does for errors), so the output always frames correctly.
pub fn encode(frame: &Frame, proto: Proto, out: &mut Vec<u8>) {
    match frame {
        Frame::Simple(text) => line(out, b'+', text),
        Frame::Error(text) => line(out, b'-', text),
        Frame::Integer(n) => header(out, b':', *n),
        Frame::Bulk(bytes) => bulk(out, bytes),
        Frame::Null => match proto {
            Proto::Resp2 => out.extend_from_slice(b"$-1\r\n"),
            Proto::Resp3 => out.extend_from_slice(b"_\r\n"),
        },
        Frame::NullArray => match proto {
            Proto::Resp2 => out.extend_from_slice(b"*-1\r\n"),
            Proto::Resp3 => out.extend_from_slice(b"_\r\n"),
        },
        Frame::Array(items) => aggregate(out, b'*', items, proto),
        Frame::Map(pairs) => {
            match proto {
                Proto::Resp2 => header(out, b'*', len_i64(pairs.len()).saturating_mul(2)),
                Proto::Resp3 => header(out, b'%', len_i64(pairs.len())),
            }
            for (key, value) in pairs {
                encode(key, proto, out);
                encode(value, proto, out);
            }
        }
        Frame::Set(items) => match proto {
            Proto::Resp2 => aggregate(out, b'*', items, proto),
            Proto::Resp3 => aggregate(out, b'~', items, proto),
        },
        Frame::Push(items) => match proto {
            Proto::Resp2 => aggregate(out, b'*', items, proto),
            Proto::Resp3 => aggregate(out, b'>', items, proto),
        },
        Frame::Double(d) => match proto {
            Proto::Resp2 => bulk(out, &format_double(*d)),
            Proto::Resp3 => line(out, b',', &format_double(*d)),
        },
        Frame::Boolean(b) => match proto {
            Proto::Resp2 => header(out, b':', i64::from(*b)),
            Proto::Resp3 => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        },
        Frame::Verbatim { format, text } => match proto {
            Proto::Resp2 => bulk(out, text),
            Proto::Resp3 => {
                header(out, b'=', len_i64(text.len()).saturating_add(4));
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
        },
        Frame::BigNumber(digits) => match proto {
            Proto::Resp2 => bulk(out, digits),
            Proto::Resp3 => line(out, b'(', digits),
        },
    }
}

/// `frame` encoded into a new buffer.
pub fn to_bytes(frame: &Frame, proto: Proto) -> Vec<u8> {
    let mut out = Vec::new();
    encode(frame, proto, &mut out);
    out
}

fn line(out: &mut Vec<u8>, kind: u8, text: &[u8]) {
    out.push(kind);
    out.extend(
        text.iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, kind: u8, n: i64) {
    out.push(kind);
    out.extend_from_slice(n.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    header(out, b'$', len_i64(bytes.len()));
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

fn aggregate(out: &mut Vec<u8>, kind: u8, items: &[Frame], proto: Proto) {
    header(out, kind, len_i64(items.len()));
    for item in items {
        encode(item, proto, out);
    }
}

/// In-memory lengths always fit an i64 on the platforms we build for.
fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// `d` as C's `printf("%.17g")` writes it, which is what Redis sends: 17 significant digits
/// (enough to read back the same double), trailing zeros dropped, exponent form outside
/// 1e-5..1e17. Infinities are `inf` / `-inf` as Redis writes them explicitly.
pub fn format_double(d: f64) -> Vec<u8> {
    if d.is_nan() {
        return b"nan".to_vec();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            b"inf".to_vec()
        } else {
            b"-inf".to_vec()
        };
    }
    if d == 0.0 {
        return if d.is_sign_negative() {
            b"-0".to_vec()
        } else {
            b"0".to_vec()
        };
    }
    // Rounding to 17 significant digits first gives the exponent %g decides on.
    let sci = format!("{d:.16e}");
    let (mantissa, exponent) = sci
        .split_once('e')
        .expect("LowerExp output has an exponent");
    let exponent: i32 = exponent.parse().expect("LowerExp exponent is an integer");
    if (-4..17).contains(&exponent) {
        let decimals = usize::try_from(16 - exponent).expect("exponent is below 17");
        trim_fraction(format!("{d:.decimals$}")).into_bytes()
    } else {
        let mut text = trim_fraction(mantissa.to_string());
        text.push('e');
        text.push(if exponent < 0 { '-' } else { '+' });
        text.push_str(&format!("{:02}", exponent.unsigned_abs()));
        text.into_bytes()
    }
}

/// %g drops trailing zeros of the fraction, and the point if nothing is left after it.
fn trim_fraction(mut text: String) -> String {
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(d: f64) -> String {
        String::from_utf8(format_double(d)).unwrap()
    }

    #[test]
    fn doubles_match_printf_g17() {
        // Expected strings are what glibc's printf("%.17g") prints.
        assert_eq!(show(1.5), "1.5");
        assert_eq!(show(0.1), "0.10000000000000001");
        assert_eq!(show(100.0), "100");
        assert_eq!(show(-2.25), "-2.25");
        assert_eq!(show(1e17), "1e+17");
        assert_eq!(show(1e16), "10000000000000000");
        assert_eq!(show(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(show(0.0001), "0.0001");
        assert_eq!(show(0.00001), "1.0000000000000001e-05");
        assert_eq!(show(1e-300), "1e-300");
        assert_eq!(show(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(show(f64::INFINITY), "inf");
        assert_eq!(show(f64::NEG_INFINITY), "-inf");
        assert_eq!(show(-0.0), "-0");
        assert_eq!(show(3.0), "3");
    }

    #[test]
    fn resp2_lowers_resp3_types_as_redis_does() {
        let map = Frame::Map(vec![(Frame::bulk("k"), Frame::Boolean(true))]);
        assert_eq!(to_bytes(&map, Proto::Resp2), b"*2\r\n$1\r\nk\r\n:1\r\n");
        assert_eq!(to_bytes(&map, Proto::Resp3), b"%1\r\n$1\r\nk\r\n#t\r\n");
        assert_eq!(to_bytes(&Frame::Null, Proto::Resp2), b"$-1\r\n");
        assert_eq!(to_bytes(&Frame::NullArray, Proto::Resp2), b"*-1\r\n");
        assert_eq!(to_bytes(&Frame::NullArray, Proto::Resp3), b"_\r\n");
        assert_eq!(
            to_bytes(&Frame::Double(1.5), Proto::Resp2),
            b"$3\r\n1.5\r\n"
        );
        assert_eq!(to_bytes(&Frame::Double(1.5), Proto::Resp3), b",1.5\r\n");
        let verbatim = Frame::Verbatim {
            format: *b"txt",
            text: b"hi".to_vec(),
        };
        assert_eq!(to_bytes(&verbatim, Proto::Resp3), b"=6\r\ntxt:hi\r\n");
        assert_eq!(to_bytes(&verbatim, Proto::Resp2), b"$2\r\nhi\r\n");
    }

    #[test]
    fn line_breaks_in_errors_become_spaces() {
        let frame = Frame::Error(b"ERR a\r\nb".to_vec());
        assert_eq!(to_bytes(&frame, Proto::Resp2), b"-ERR a  b\r\n");
    }
}
