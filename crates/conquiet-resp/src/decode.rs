//! Client requests from bytes: multibulk (`*N\r\n$L\r\n...`) and inline lines, read exactly as
//! Redis 7.0's `processMultibulkBuffer` and `processInlineBuffer` read them, with conquiet's
//! limits checked before anything is allocated.
//!
//! | request      | rule                                                                   |
//! |--------------|------------------------------------------------------------------------|
//! | `*N\r`       | N by `string2ll`; N <= 0 is an empty request; N > `REQUEST_ARGS_MAX` errs |
//! | `$L\r`       | L by `string2ll`, 0..=`REQUEST_BULK_BYTES_MAX`; then L bytes and 2 more   |
//! | header lines | end at the first CR; the byte after it is skipped unread (as in Redis)    |
//! | inline line  | ends at LF (a CR before it is dropped); at most `INLINE_BYTES_MAX` bytes  |
//! | NUL          | a line end is never searched past a NUL (Redis uses `strchr`): wait       |
//!
//! Redis does not check the two bytes after a bulk either; neither do we, so both accept the
//! same byte streams and split them into the same commands.

use std::ops::Range;

use crate::args::string2ll;
use crate::error::ProtocolError;
use crate::inline;
use crate::limits::{
    INLINE_BYTES_MAX, REQUEST_ARGS_MAX, REQUEST_ARGS_PREALLOC_MAX, REQUEST_BULK_BYTES_MAX,
    REQUEST_BYTES_MAX,
};

/// Splits a connection's incoming bytes into requests, one per call.
///
/// Contract with the caller (the connection's read loop):
/// - pass all unconsumed bytes, starting at the first unconsumed one;
/// - after `Ok(None)` (incomplete), pass the same bytes again once more have arrived: the
///   decoder remembers how far it got, so a large request trickling in is not re-parsed;
/// - after `Ok(Some((args, consumed)))`, drop `consumed` bytes. An empty `args` is a request
///   Redis ignores (`*0`, `*-1`, a blank line): reply nothing;
/// - after `Err`, reply with the error and close: the stream cannot be resynchronised.
///
/// Never panics and never trusts a length before checking it against the limits.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of the current request already searched for the line end now looked for.
    scanned: usize,
    /// Progress through a multibulk request once its `*N` line is read.
    multibulk: Option<Multibulk>,
}

#[derive(Debug)]
struct Multibulk {
    count: usize,
    /// Ranges in the caller's buffer: arguments are copied out only once all have arrived.
    args: Vec<Range<usize>>,
    /// Start of the next bulk's `$L` line, or of its data once `bulk_len` is known.
    pos: usize,
    bulk_len: Option<usize>,
}

/// One call's outcome: a request and the bytes it used, "need more bytes", or an error.
type Step = Result<Option<(Vec<Vec<u8>>, usize)>, ProtocolError>;

/// How far a `*N` or `$L` header line has arrived. Redis refuses an overlong header only
/// while it has no CR at all.
enum Header {
    Complete(usize),
    AwaitingByteAfterCr,
    NoCr,
}

/// Where a line-end search stopped.
enum Search {
    Found(usize),
    /// Not in the bytes so far; searching may resume here.
    NotYet(usize),
}

/// Finds `target` at or after `from`, stopping at a NUL as C's `strchr` does (Redis searches
/// with it, so a NUL before the line end means "wait", never "found").
fn search(buf: &[u8], from: usize, target: u8) -> Search {
    let Some(rest) = buf.get(from..) else {
        return Search::NotYet(buf.len());
    };
    match rest.iter().position(|&b| b == target || b == 0) {
        Some(i) if rest[i] == target => Search::Found(from + i),
        Some(i) => Search::NotYet(from + i),
        None => Search::NotYet(buf.len()),
    }
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Forgets a partly read request, for a caller that discarded its buffer.
    pub fn reset(&mut self) {
        *self = Decoder::default();
    }

    /// The next request in `buf`, as its arguments and the number of bytes it used.
    #[expect(
        clippy::type_complexity,
        reason = "the spelled-out type is the documented contract; an alias would hide it"
    )]
    pub fn decode(&mut self, buf: &[u8]) -> Result<Option<(Vec<Vec<u8>>, usize)>, ProtocolError> {
        let progress = self.multibulk.as_ref().map_or(0, |m| m.pos);
        if self.scanned > buf.len() || progress > buf.len() {
            // The caller broke the contract (passed fewer bytes than before): start over
            // rather than index past the end.
            self.reset();
        }
        if buf.is_empty() {
            return Ok(None);
        }
        let outcome = if self.multibulk.is_some() || buf[0] == b'*' {
            self.multibulk(buf)
        } else {
            self.inline(buf)
        };
        if !matches!(outcome, Ok(None)) {
            self.reset();
        }
        outcome
    }

    fn inline(&mut self, buf: &[u8]) -> Step {
        let newline = match search(buf, self.scanned, b'\n') {
            Search::Found(newline) => newline,
            Search::NotYet(scanned) => {
                self.scanned = scanned;
                if buf.len() > INLINE_BYTES_MAX {
                    return Err(ProtocolError::TooBigInline);
                }
                return Ok(None);
            }
        };
        // Redis refuses a line once it holds more than the limit without a newline, which it
        // notices only between reads; refusing by length makes the outcome independent of how
        // the bytes were split into reads.
        if newline > INLINE_BYTES_MAX {
            return Err(ProtocolError::TooBigInline);
        }
        let end = match newline.checked_sub(1) {
            Some(cr) if buf[cr] == b'\r' => cr,
            _ => newline,
        };
        let args = inline::split(&buf[..end])?;
        Ok(Some((args, newline + 1)))
    }

    fn multibulk(&mut self, buf: &[u8]) -> Step {
        if self.multibulk.is_none() {
            let header_end = match self.header_line(buf, 0) {
                Header::Complete(cr) => cr,
                Header::NoCr if buf.len() > INLINE_BYTES_MAX => {
                    return Err(ProtocolError::TooBigMultibulkCount);
                }
                Header::NoCr | Header::AwaitingByteAfterCr => return Ok(None),
            };
            let count = string2ll(&buf[1..header_end])
                .filter(|&n| n <= REQUEST_ARGS_MAX as i64)
                .ok_or(ProtocolError::InvalidMultibulkLength)?;
            let pos = header_end + 2;
            let Ok(count @ 1..) = usize::try_from(count) else {
                return Ok(Some((Vec::new(), pos)));
            };
            self.multibulk = Some(Multibulk {
                count,
                args: Vec::with_capacity(count.min(REQUEST_ARGS_PREALLOC_MAX)),
                pos,
                bulk_len: None,
            });
            self.scanned = pos;
        }
        while let Some(m) = self.multibulk.as_ref().filter(|m| m.args.len() < m.count) {
            let (pos, bulk_len) = (m.pos, m.bulk_len);
            let len = match bulk_len {
                Some(len) => len,
                None => match self.bulk_header(buf, pos)? {
                    Some(len) => len,
                    None => return Ok(None),
                },
            };
            let m = self
                .multibulk
                .as_mut()
                .expect("checked by the loop condition");
            let start = m.pos;
            let end = start + len; // start <= buf.len() and len <= 8 MiB: no overflow.
            if end + 2 > buf.len() {
                return Ok(None);
            }
            m.args.push(start..end);
            m.pos = end + 2;
            m.bulk_len = None;
            self.scanned = m.pos;
        }
        let m = self
            .multibulk
            .take()
            .expect("a multibulk request is in progress");
        let args = m.args.into_iter().map(|r| buf[r].to_vec()).collect();
        Ok(Some((args, m.pos)))
    }

    /// Reads a `$L` line at `pos`, recording its length in the request; `None` if the line is
    /// not complete yet.
    fn bulk_header(&mut self, buf: &[u8], pos: usize) -> Result<Option<usize>, ProtocolError> {
        let header_end = match self.header_line(buf, pos) {
            Header::Complete(cr) => cr,
            Header::NoCr if buf.len() - pos > INLINE_BYTES_MAX => {
                return Err(ProtocolError::TooBigBulkCount);
            }
            Header::NoCr | Header::AwaitingByteAfterCr => return Ok(None),
        };
        if buf[pos] != b'$' {
            return Err(ProtocolError::ExpectedDollar(buf[pos]));
        }
        let len = string2ll(&buf[pos + 1..header_end])
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n <= REQUEST_BULK_BYTES_MAX)
            .ok_or(ProtocolError::InvalidBulkLength)?;
        let data = header_end + 2;
        let request_bytes = data + len + 2; // Both terms are bounded: no overflow.
        if request_bytes > REQUEST_BYTES_MAX {
            return Err(ProtocolError::RequestTooBig {
                bytes: request_bytes as u64,
            });
        }
        let m = self
            .multibulk
            .as_mut()
            .expect("a multibulk request is in progress");
        m.pos = data;
        m.bulk_len = Some(len);
        Ok(Some(len))
    }

    /// The header line starting at `pos`: complete once its CR and the byte after it have
    /// arrived (Redis skips that byte without looking at it).
    fn header_line(&mut self, buf: &[u8], pos: usize) -> Header {
        match search(buf, self.scanned.max(pos), b'\r') {
            Search::Found(cr) if cr + 2 <= buf.len() => Header::Complete(cr),
            Search::Found(cr) => {
                self.scanned = cr;
                Header::AwaitingByteAfterCr
            }
            Search::NotYet(scanned) => {
                self.scanned = scanned;
                Header::NoCr
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Step {
        Decoder::new().decode(bytes)
    }

    fn words(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_inline_give_the_same_arguments() {
        let multibulk = b"*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n";
        assert_eq!(
            one(multibulk),
            Ok(Some((words(&["ECHO", "abc"]), multibulk.len())))
        );
        assert_eq!(
            one(b"ECHO abc\r\n"),
            Ok(Some((words(&["ECHO", "abc"]), 10)))
        );
        assert_eq!(one(b"ECHO abc\n"), Ok(Some((words(&["ECHO", "abc"]), 9))));
    }

    #[test]
    fn every_split_point_waits_then_completes() {
        let request = b"*3\r\n$4\r\nXADD\r\n$1\r\ns\r\n$0\r\n\r\n";
        for cut in 0..request.len() {
            let mut decoder = Decoder::new();
            assert_eq!(decoder.decode(&request[..cut]), Ok(None), "cut at {cut}");
            let (args, used) = decoder.decode(request).unwrap().unwrap();
            assert_eq!(args, words(&["XADD", "s", ""]));
            assert_eq!(used, request.len());
        }
    }

    #[test]
    fn empty_requests_are_consumed_silently() {
        assert_eq!(one(b"*0\r\n"), Ok(Some((Vec::new(), 4))));
        assert_eq!(one(b"*-1\r\n"), Ok(Some((Vec::new(), 5))));
        assert_eq!(one(b"\r\n"), Ok(Some((Vec::new(), 2))));
        assert_eq!(one(b"   \n"), Ok(Some((Vec::new(), 4))));
    }

    #[test]
    fn header_quirks_match_redis() {
        // The byte after a header's CR is skipped unread, and so are the two after a bulk.
        assert_eq!(
            one(b"*1\rx$4\r\nPING\r\n"),
            Ok(Some((words(&["PING"]), 14)))
        );
        assert_eq!(one(b"*1\r\n$4\r\nPINGxx"), Ok(Some((words(&["PING"]), 14))));
        assert_eq!(
            one(b"*1\r$4\r\nPING\r\n"),
            Err(ProtocolError::ExpectedDollar(b'4'))
        );
        // A NUL before the line end means Redis's strchr never finds it: wait.
        assert_eq!(one(b"PING\0\r\n"), Ok(None));
        assert_eq!(one(b"*1\r\n\0\r\n"), Ok(None));
    }

    #[test]
    fn malformed_headers_fail_with_redis_texts() {
        let cases: &[(&[u8], ProtocolError)] = &[
            (b"*1\r\nx\r\n", ProtocolError::ExpectedDollar(b'x')),
            (b"*1\r\n\r\n", ProtocolError::ExpectedDollar(b'\r')),
            (b"*1\r\n$-1\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$abc\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$04\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$8388609\r\n", ProtocolError::InvalidBulkLength),
            (b"*abc\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*-0\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*+1\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*1048577\r\n", ProtocolError::InvalidMultibulkLength),
            (b"PING \"a\r\n", ProtocolError::UnbalancedQuotes),
        ];
        for (bytes, error) in cases {
            assert_eq!(
                one(bytes),
                Err(error.clone()),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn limits_hold_at_their_edges() {
        assert_eq!(one(b"*1048576\r\n"), Ok(None));
        let max_bulk = format!("*1\r\n${REQUEST_BULK_BYTES_MAX}\r\n");
        assert_eq!(one(max_bulk.as_bytes()), Ok(None));
        let line = vec![b'a'; INLINE_BYTES_MAX];
        assert_eq!(one(&line), Ok(None));
        let mut longer = line.clone();
        longer.push(b'a');
        assert_eq!(one(&longer), Err(ProtocolError::TooBigInline));
        let mut exact = line.clone();
        exact.push(b'\n');
        assert!(matches!(one(&exact), Ok(Some((_, n))) if n == INLINE_BYTES_MAX + 1));
        longer.push(b'\n');
        assert_eq!(one(&longer), Err(ProtocolError::TooBigInline));
        let mut count = b"*".to_vec();
        count.resize(INLINE_BYTES_MAX + 1, b'1');
        assert_eq!(one(&count), Err(ProtocolError::TooBigMultibulkCount));
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.resize(4 + INLINE_BYTES_MAX + 1, b'1');
        assert_eq!(one(&bulk), Err(ProtocolError::TooBigBulkCount));
    }

    #[test]
    fn request_size_is_bounded_before_the_data_arrives() {
        let mut request = format!("*{}\r\n", REQUEST_ARGS_MAX).into_bytes();
        let mut decoder = Decoder::new();
        let bulk = format!("${REQUEST_BULK_BYTES_MAX}\r\n");
        loop {
            let start = request.len();
            request.extend_from_slice(bulk.as_bytes());
            match decoder.decode(&request) {
                Ok(None) => {
                    // Pretend the data arrived without materialising it: the header check
                    // must fire on a header, so grow the buffer by the declared length.
                    request.resize(start + bulk.len() + REQUEST_BULK_BYTES_MAX + 2, b'x');
                }
                Err(ProtocolError::RequestTooBig { bytes }) => {
                    assert!(bytes > REQUEST_BYTES_MAX as u64);
                    assert!(request.len() <= REQUEST_BYTES_MAX);
                    return;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn a_shrunk_buffer_restarts_instead_of_panicking() {
        let mut decoder = Decoder::new();
        assert_eq!(decoder.decode(b"*2\r\n$4\r\nECHO\r\n$3\r\nab"), Ok(None));
        assert_eq!(decoder.decode(b"PING\r\n"), Ok(Some((words(&["PING"]), 6))));
    }
}
