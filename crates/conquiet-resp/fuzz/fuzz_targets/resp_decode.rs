//! Feeds arbitrary bytes to every decoder. Checks: nothing panics; the request decoder gives
//! the same requests whether the bytes arrive whole or split (the first input byte picks the
//! split); decoded requests survive a multibulk round trip; `parse` accepts or refuses any
//! argument list without panicking; a frame `decode_frame` returns re-encodes to bytes that
//! decode to the same frame.

#![no_main]

use conquiet_resp::{Decoder, Proto, decode_frame, encode, parse};
use libfuzzer_sys::fuzz_target;

/// Every outcome of decoding `chunks` fed one after another, until the first error.
fn requests(chunks: &[&[u8]]) -> Vec<Result<Vec<Vec<u8>>, String>> {
    let mut decoder = Decoder::new();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&buf) {
                Ok(Some((args, used))) => {
                    assert!(used > 0 && used <= buf.len());
                    buf.drain(..used);
                    out.push(Ok(args));
                }
                Ok(None) => break,
                Err(error) => {
                    out.push(Err(error.to_string()));
                    return out;
                }
            }
        }
    }
    out
}

fn multibulk(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, bytes)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(bytes.len());
    let whole = requests(&[bytes]);
    assert_eq!(requests(&[&bytes[..at], &bytes[at..]]), whole);

    for args in whole.iter().flatten().filter(|args| !args.is_empty()) {
        let again = multibulk(args);
        let decoded = Decoder::new().decode(&again).expect("a multibulk request decodes");
        assert_eq!(decoded, Some((args.clone(), again.len())));
        let _ = parse(args);
    }

    if let Ok(Some((frame, used))) = decode_frame(bytes) {
        assert!(used <= bytes.len());
        for proto in [Proto::Resp2, Proto::Resp3] {
            let mut first = Vec::new();
            encode(&frame, proto, &mut first);
            let (again, again_used) = decode_frame(&first)
                .expect("encoded frames decode")
                .expect("encoded frames are complete");
            assert_eq!(again_used, first.len());
            let mut second = Vec::new();
            encode(&again, proto, &mut second);
            assert_eq!(second, first);
        }
    }
});
