//! Golden protocol tests: every script in `golden/` through the harness, in RESP2 and RESP3,
//! must give Redis 7.0.15's exact bytes. Plus the cases too large to store as bytes.

use conquiet_resp::Proto;

use crate::support::{Harness, Script, check_script};

#[path = "golden/connection_errors.rs"]
mod connection_errors;
#[path = "golden/keys.rs"]
mod keys;
#[path = "golden/protocol.rs"]
mod protocol;
#[path = "golden/protocol_errors.rs"]
mod protocol_errors;
#[path = "golden/unknown.rs"]
mod unknown;
#[path = "golden/xack_xdel.rs"]
mod xack_xdel;
#[path = "golden/xadd.rs"]
mod xadd;
#[path = "golden/xautoclaim.rs"]
mod xautoclaim;
#[path = "golden/xclaim.rs"]
mod xclaim;
#[path = "golden/xgroup.rs"]
mod xgroup;
#[path = "golden/xinfo.rs"]
mod xinfo;
#[path = "golden/xpending.rs"]
mod xpending;
#[path = "golden/xrange.rs"]
mod xrange;
#[path = "golden/xread.rs"]
mod xread;
#[path = "golden/xreadgroup.rs"]
mod xreadgroup;
#[path = "golden/xsetid_xtrim.rs"]
mod xsetid_xtrim;

/// Every captured script, for the differential test.
pub fn all_scripts() -> Vec<&'static Script> {
    let mut scripts = vec![
        &xadd::XADD,
        &xrange::XRANGE,
        &xread::XREAD,
        &xreadgroup::XREADGROUP,
        &xack_xdel::XACK_XDEL,
        &xpending::XPENDING,
        &xclaim::XCLAIM,
        &xautoclaim::XAUTOCLAIM,
        &xgroup::XGROUP,
        &xinfo::XINFO,
        &xsetid_xtrim::XSETID_XTRIM,
        &keys::KEYS,
        &unknown::UNKNOWN,
        &connection_errors::CONNECTION_ERRORS,
        &protocol::PROTOCOL,
    ];
    scripts.extend(protocol_errors::ALL);
    scripts
}

#[test]
fn xadd_ids_options_and_trimming() {
    check_script(&xadd::XADD);
}

#[test]
fn xrange_and_xrevrange_bounds() {
    check_script(&xrange::XRANGE);
}

#[test]
fn xread_options_and_streams() {
    check_script(&xread::XREAD);
}

#[test]
fn xreadgroup_new_history_and_deleted_entries() {
    check_script(&xreadgroup::XREADGROUP);
}

#[test]
fn xack_and_xdel() {
    check_script(&xack_xdel::XACK_XDEL);
}

#[test]
fn xpending_summary_and_errors() {
    check_script(&xpending::XPENDING);
}

#[test]
fn xclaim_ids_and_options() {
    check_script(&xclaim::XCLAIM);
}

#[test]
fn xautoclaim_cursor_and_deleted() {
    check_script(&xautoclaim::XAUTOCLAIM);
}

#[test]
fn xgroup_subcommands_and_help() {
    check_script(&xgroup::XGROUP);
}

#[test]
fn xinfo_stream_groups_and_errors() {
    check_script(&xinfo::XINFO);
}

#[test]
fn xsetid_and_xtrim() {
    check_script(&xsetid_xtrim::XSETID_XTRIM);
}

#[test]
fn del_unlink_exists_keys() {
    check_script(&keys::KEYS);
}

#[test]
fn unknown_commands_and_subcommands() {
    check_script(&unknown::UNKNOWN);
}

#[test]
fn connection_command_argument_errors() {
    check_script(&connection_errors::CONNECTION_ERRORS);
}

#[test]
fn inline_requests_quoting_and_pipelines() {
    check_script(&protocol::PROTOCOL);
}

#[test]
fn protocol_errors_reply_then_close() {
    for script in protocol_errors::ALL {
        check_script(script);
    }
}

/// Captured from Redis 7.0.15 like the scripts, but generated: 70,000-byte requests.
#[test]
fn oversized_lines_and_headers_close_with_redis_texts() {
    let cases: [(Vec<u8>, &[u8]); 3] = [
        (
            [&b"PING "[..], &[b'a'; 70_000]].concat(),
            b"-ERR Protocol error: too big inline request\r\n",
        ),
        (
            [&b"*"[..], &[b'1'; 70_000]].concat(),
            b"-ERR Protocol error: too big mbulk count string\r\n",
        ),
        (
            [&b"*1\r\n$"[..], &[b'1'; 70_000]].concat(),
            b"-ERR Protocol error: too big bulk count string\r\n",
        ),
    ];
    for proto in [Proto::Resp2, Proto::Resp3] {
        for (request, expected) in &cases {
            let mut harness = Harness::new(proto);
            assert_eq!(harness.feed(request), *expected);
            assert_eq!(harness.feed(b"PING\r\n"), b"", "the connection is closed");
        }
    }
}

/// Every split of a pipelined script's bytes gives the same replies as sending it whole.
#[test]
fn replies_do_not_depend_on_how_bytes_arrive() {
    let mut whole = Vec::new();
    for step in xreadgroup::XREADGROUP.steps {
        whole.extend(step.request());
    }
    let expected = Harness::new(Proto::Resp3).feed(&whole);
    for chunk in [1, 2, 3, 7, 64, 1000] {
        let mut harness = Harness::new(Proto::Resp3);
        let mut got = Vec::new();
        for piece in whole.chunks(chunk) {
            got.extend(harness.feed(piece));
        }
        assert_eq!(got, expected, "chunks of {chunk}");
    }
}
