//! The request decoder through the public API: pipelines, split points, quoting, limits and
//! malformed input.

use conquiet_resp::limits::{INLINE_BYTES_MAX, REQUEST_ARGS_MAX, REQUEST_BULK_BYTES_MAX};
use conquiet_resp::{Decoder, ProtocolError};

use crate::support::multibulk;

/// Decodes everything complete in `bytes`; the error, if any, ends the list.
fn drain(bytes: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<ProtocolError>, usize) {
    let mut decoder = Decoder::new();
    let (mut requests, mut at) = (Vec::new(), 0);
    loop {
        match decoder.decode(&bytes[at..]) {
            Ok(Some((args, used))) => {
                assert!(used > 0 && at + used <= bytes.len());
                at += used;
                requests.push(args);
            }
            Ok(None) => return (requests, None, at),
            Err(error) => return (requests, Some(error), at),
        }
    }
}

fn words(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|w| w.as_bytes().to_vec()).collect()
}

#[test]
fn a_pipeline_of_ten_thousand_requests_decodes_in_order() {
    let mut bytes = Vec::new();
    for i in 0..10_000 {
        let id = format!("{i}-1");
        if i % 3 == 0 {
            bytes.extend(format!("XADD s {id} f v\r\n").into_bytes());
        } else {
            bytes.extend(multibulk(&["XADD", "s", &id, "f", "v"]));
        }
    }
    let (requests, error, used) = drain(&bytes);
    assert_eq!(error, None);
    assert_eq!(used, bytes.len());
    assert_eq!(requests.len(), 10_000);
    for (i, args) in requests.iter().enumerate() {
        assert_eq!(args, &words(&["XADD", "s", &format!("{i}-1"), "f", "v"]));
    }
}

#[test]
fn a_mixed_pipeline_gives_the_same_requests_at_every_split_point() {
    let mut bytes = multibulk(&["XADD", "s", "1-1", "f", ""]);
    bytes.extend_from_slice(b"*0\r\nECHO \"a b\" 'c'\r\n\r\n");
    bytes.extend(multibulk(&["XLEN", "s"]));
    let (expected, _, _) = drain(&bytes);
    assert_eq!(expected.len(), 5);
    for cut in 0..=bytes.len() {
        let mut decoder = Decoder::new();
        let mut buf = bytes[..cut].to_vec();
        let mut got = Vec::new();
        let mut rest = &bytes[cut..];
        loop {
            match decoder.decode(&buf).expect("valid input") {
                Some((args, used)) => {
                    buf.drain(..used);
                    got.push(args);
                }
                None if rest.is_empty() => break,
                None => {
                    buf.extend_from_slice(rest);
                    rest = &[];
                }
            }
        }
        assert_eq!(got, expected, "cut at {cut}");
    }
}

#[test]
fn inline_requests_follow_redis_quoting() {
    let (requests, error, _) = drain(b"XADD s 1-1 \"a\\tb\" '\\'q\\'' \"\\x41\\x4a\"\r\n");
    assert_eq!(error, None);
    assert_eq!(
        requests,
        vec![vec![
            b"XADD".to_vec(),
            b"s".to_vec(),
            b"1-1".to_vec(),
            b"a\tb".to_vec(),
            b"'q'".to_vec(),
            b"AJ".to_vec(),
        ]]
    );
}

#[test]
fn malformed_requests_fail_with_redis_texts_after_the_good_ones() {
    let cases: &[(&[u8], &str)] = &[
        (b"*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"),
        (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
        (
            b"*1\r\n$9999999999\r\n",
            "ERR Protocol error: invalid bulk length",
        ),
        (b"*x\r\n", "ERR Protocol error: invalid multibulk length"),
        (
            b"*9999999999\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"PING 'a\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
        (
            b"PING \"a\"b\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
    ];
    for (bad, text) in cases {
        let mut bytes = b"PING\r\n".to_vec();
        bytes.extend_from_slice(bad);
        bytes.extend_from_slice(b"PING\r\n");
        let (requests, error, _) = drain(&bytes);
        assert_eq!(requests, vec![words(&["PING"])], "{}", text);
        assert_eq!(error.map(|e| e.to_string()).as_deref(), Some(*text));
    }
}

#[test]
fn limits_are_refused_from_their_headers_alone() {
    let too_many = format!("*{}\r\n", REQUEST_ARGS_MAX + 1);
    assert_eq!(
        Decoder::new().decode(too_many.as_bytes()),
        Err(ProtocolError::InvalidMultibulkLength)
    );
    let too_long = format!("*1\r\n${}\r\n", REQUEST_BULK_BYTES_MAX + 1);
    assert_eq!(
        Decoder::new().decode(too_long.as_bytes()),
        Err(ProtocolError::InvalidBulkLength)
    );
    let line = vec![b'x'; INLINE_BYTES_MAX + 1];
    assert_eq!(
        Decoder::new().decode(&line),
        Err(ProtocolError::TooBigInline)
    );
}

#[test]
fn a_large_bulk_is_read_once_however_it_trickles_in() {
    let value = vec![b'v'; 1 << 20];
    let bytes = multibulk(&[&b"XADD"[..], b"s", b"1-1", b"f", &value]);
    let mut decoder = Decoder::new();
    let mut end = 0;
    while end < bytes.len() {
        end = (end + 4096).min(bytes.len());
        if let Some((args, used)) = decoder.decode(&bytes[..end]).expect("valid") {
            assert_eq!(used, bytes.len());
            assert_eq!(args[4], value);
            return;
        }
    }
    panic!("never completed");
}
