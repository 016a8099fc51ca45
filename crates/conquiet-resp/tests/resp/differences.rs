//! Where conquiet knowingly answers differently from Redis 7.0, each pinned down so a change
//! is deliberate. The module docs of `parse` and `reply` say why.

use conquiet_resp::Proto;
use conquiet_resp::limits::INLINE_BYTES_MAX;

use crate::support::Harness;

fn run(h: &mut Harness, words: &str) -> String {
    String::from_utf8_lossy(&h.run(words)).into_owned()
}

/// A pure parser reports a bad argument before the engine can report a missing key or
/// group. Redis looks the key up first in these commands, and answers with the second text.
#[test]
fn argument_errors_come_before_key_errors() {
    let mut h = Harness::new(Proto::Resp2);
    let invalid_id = "-ERR Invalid stream ID specified as stream command argument\r\n";
    // Redis: ":0"
    assert_eq!(run(&mut h, "XACK nokey g bad"), invalid_id);
    // Redis: ":0"
    assert_eq!(run(&mut h, "XDEL nokey bad"), invalid_id);
    // Redis: "-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"
    assert_eq!(
        run(&mut h, "XREADGROUP GROUP g c STREAMS nokey bad"),
        invalid_id
    );
    // Redis: "-ERR The XGROUP subcommand requires the key to exist. ..."
    assert_eq!(run(&mut h, "XGROUP CREATE nokey g bad"), invalid_id);
    // Redis: "-NOGROUP No such key 'nokey' or consumer group 'g'"
    assert_eq!(
        run(&mut h, "XCLAIM nokey g c x 1-1"),
        "-ERR Invalid min-idle-time argument for XCLAIM\r\n"
    );
    // Redis: "-ERR no such key"
    assert_eq!(
        run(&mut h, "XINFO STREAM nokey FOO"),
        "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"
    );
}

/// XRANGE COUNT 0 answers a null array for an existing stream and an empty array for a
/// missing one in Redis; the engine's reply does not say which, so conquiet always sends the
/// null array.
#[test]
fn xrange_count_zero_is_always_a_null_array() {
    let mut h = Harness::new(Proto::Resp2);
    // Redis: "*0\r\n"
    assert_eq!(run(&mut h, "XRANGE nokey - + COUNT 0"), "*-1\r\n");
}

/// Only stream, keyspace and connection commands exist.
#[test]
fn other_data_types_are_unknown_commands() {
    let mut h = Harness::new(Proto::Resp2);
    // Redis: "+OK\r\n"
    assert_eq!(
        run(&mut h, "SET k v"),
        "-ERR unknown command 'SET', with args beginning with: 'k' 'v' \r\n"
    );
}

/// Redis refuses an inline line longer than 64 KiB only if it notices the length before the
/// newline arrives, which depends on how the bytes were split into reads; conquiet refuses
/// by length, always.
#[test]
fn a_long_inline_line_is_refused_even_when_it_arrives_whole() {
    let mut line = b"ECHO ".to_vec();
    line.resize(INLINE_BYTES_MAX + 1, b'a');
    line.extend_from_slice(b"\r\n");
    let mut h = Harness::new(Proto::Resp2);
    // Redis (one read): the echoed bulk.
    assert_eq!(
        h.feed(&line),
        b"-ERR Protocol error: too big inline request\r\n"
    );
}

/// Error texts are UTF-8: a client's bytes that are not valid UTF-8 show as U+FFFD where
/// Redis echoes them raw.
#[test]
fn non_utf8_bytes_in_error_texts_are_replaced() {
    let mut h = Harness::new(Proto::Resp2);
    let got = h.feed(b"*7\r\n$6\r\nXCLAIM\r\n$1\r\ns\r\n$1\r\ng\r\n$1\r\nc\r\n$1\r\n0\r\n$3\r\n1-1\r\n$1\r\n\xff\r\n");
    // Redis: "-ERR Unrecognized XCLAIM option '\xff'\r\n"
    assert_eq!(
        got,
        "-ERR Unrecognized XCLAIM option '\u{fffd}'\r\n".as_bytes()
    );
}
