//! Property tests: no input panics the decoders or the parser; frames round-trip; decoding
//! does not depend on how the bytes are split.

use conquiet_resp::{Decoder, Frame, Proto, decode_frame, encode, parse};
use proptest::prelude::*;

use crate::support::multibulk;

/// Runs a decoder over `bytes` fed in the given chunk sizes; returns every outcome until the
/// first error.
fn outcomes(bytes: &[u8], chunks: &[usize]) -> Vec<Result<Vec<Vec<u8>>, String>> {
    let mut decoder = Decoder::new();
    let (mut buf, mut fed, mut out) = (Vec::new(), 0, Vec::new());
    let mut sizes = chunks.iter().cycle();
    loop {
        match decoder.decode(&buf) {
            Ok(Some((args, used))) => {
                assert!(
                    used > 0 && used <= buf.len(),
                    "used {used} of {}",
                    buf.len()
                );
                buf.drain(..used);
                out.push(Ok(args));
            }
            Err(error) => {
                out.push(Err(error.to_string()));
                return out;
            }
            Ok(None) if fed == bytes.len() => return out,
            Ok(None) => {
                let size = sizes.next().copied().unwrap_or(1).max(1);
                let end = (fed + size).min(bytes.len());
                buf.extend_from_slice(&bytes[fed..end]);
                fed = end;
            }
        }
    }
}

/// Bytes biased towards RESP: headers, CRLFs, quotes and digits mixed with noise.
fn resp_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"*".to_vec()),
        Just(b"$".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\x4".to_vec()),
        Just(b" ".to_vec()),
        Just(b"-1".to_vec()),
        (0u32..40).prop_map(|n| n.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..6),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn frame(depth: u32) -> BoxedStrategy<Frame> {
    let text = proptest::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..12,
    );
    let leaf = prop_oneof![
        text.clone().prop_map(Frame::Simple),
        text.prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(Frame::Bulk),
        Just(Frame::Null),
        Just(Frame::NullArray),
        any::<f64>()
            .prop_filter("NaN never equals itself", |d| !d.is_nan())
            .prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        (
            any::<[u8; 3]>(),
            proptest::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(format, text)| Frame::Verbatim { format, text }),
        ("-?[1-9][0-9]{0,30}").prop_map(|digits| Frame::BigNumber(digits.into_bytes())),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = frame(depth - 1);
    let items = proptest::collection::vec(inner.clone(), 0..4);
    prop_oneof![
        3 => leaf,
        1 => items.clone().prop_map(Frame::Array),
        1 => items.clone().prop_map(Frame::Set),
        1 => items.prop_map(Frame::Push),
        1 => proptest::collection::vec((inner.clone(), inner), 0..3).prop_map(Frame::Map),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = outcomes(&bytes, &[bytes.len().max(1)]);
        let _ = decode_frame(&bytes);
    }

    #[test]
    fn decoding_does_not_depend_on_chunking(
        bytes in resp_like(),
        chunks in proptest::collection::vec(1usize..9, 1..6),
    ) {
        let whole = outcomes(&bytes, &[bytes.len().max(1)]);
        prop_assert_eq!(outcomes(&bytes, &chunks), whole);
    }

    #[test]
    fn decode_frame_never_panics_on_resp_like_bytes(bytes in resp_like()) {
        let _ = decode_frame(&bytes);
    }

    #[test]
    fn frames_round_trip_in_both_protocols(f in frame(3)) {
        for proto in [Proto::Resp2, Proto::Resp3] {
            let mut bytes = Vec::new();
            encode(&f, proto, &mut bytes);
            let decoded = decode_frame(&bytes);
            prop_assert_eq!(decoded, Ok(Some((f.normalized(proto), bytes.len()))));
        }
    }

    #[test]
    fn argument_lists_round_trip_through_multibulk(
        args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..8),
    ) {
        let bytes = multibulk(&args);
        prop_assert_eq!(Decoder::new().decode(&bytes), Ok(Some((args, bytes.len()))));
    }

    #[test]
    fn parse_never_panics(args in proptest::collection::vec(word(), 0..12)) {
        let _ = parse(&args);
    }
}

/// Command names, options and ids that reach deep into the parsers, plus noise.
fn word() -> impl Strategy<Value = Vec<u8>> {
    let known = [
        "XADD",
        "XRANGE",
        "XREVRANGE",
        "XREAD",
        "XREADGROUP",
        "XACK",
        "XPENDING",
        "XCLAIM",
        "XAUTOCLAIM",
        "XGROUP",
        "XINFO",
        "XDEL",
        "XTRIM",
        "XSETID",
        "XLEN",
        "CREATE",
        "SETID",
        "STREAM",
        "FULL",
        "COUNT",
        "BLOCK",
        "STREAMS",
        "GROUP",
        "NOACK",
        "MAXLEN",
        "MINID",
        "LIMIT",
        "NOMKSTREAM",
        "IDLE",
        "TIME",
        "RETRYCOUNT",
        "FORCE",
        "JUSTID",
        "LASTID",
        "ENTRIESREAD",
        "MKSTREAM",
        "CLIENT",
        "KILL",
        "LIST",
        "HELLO",
        "SCAN",
        "CQ.CREATE",
        "CQ.SET",
        "CQ.PUBLISH",
        "CQ.RECEIVE",
        "CQ.ACK",
        "CQ.NACK",
        "CQ.DLQ",
        "REDRIVE",
        "BACKOFF",
        "EXP",
        "LEASE",
        "DELAY",
        "1.5",
        "~",
        "=",
        "*",
        "$",
        ">",
        "-",
        "+",
        "(1-1",
        "0",
        "1-1",
        "-1",
        "18446744073709551615",
        "5-*",
    ];
    prop_oneof![
        3 => proptest::sample::select(known.to_vec()).prop_map(|w| w.as_bytes().to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..10),
    ]
}
