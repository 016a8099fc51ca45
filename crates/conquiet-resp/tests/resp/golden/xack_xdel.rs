//! XACK and XDEL.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XACK_XDEL: Script = Script {
    name: "xack_xdel",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d", b"$3\r\n3-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd(
            "XREADGROUP GROUP g c STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n\
              *2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n\
              d\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd("XACK s g 1-1", b":1\r\n", None),
        Step::Cmd("XACK s g 1-1", b":0\r\n", None),
        Step::Cmd("XACK s g 2-1 3-1 9-9", b":2\r\n", None),
        Step::Cmd("XACK s nogroup 1-1", b":0\r\n", None),
        Step::Cmd("XACK nokey g 1-1", b":0\r\n", None),
        Step::Cmd(
            "XACK s g bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XACK s g 1-1 bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XACK s g",
            b"-ERR wrong number of arguments for 'xack' command\r\n",
            None,
        ),
        Step::Cmd("XACK s g 1", b":0\r\n", None),
        Step::Cmd(
            "XACK s g -",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd("XDEL s 1-1", b":1\r\n", None),
        Step::Cmd("XDEL s 1-1", b":0\r\n", None),
        Step::Cmd("XDEL s 2-1 3-1 5-5", b":2\r\n", None),
        Step::Cmd("XLEN s", b":0\r\n", None),
        Step::Cmd(
            "XDEL s bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XDEL s 5-5 bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd("XDEL nokey 1-1", b":0\r\n", None),
        Step::Cmd(
            "XDEL s",
            b"-ERR wrong number of arguments for 'xdel' command\r\n",
            None,
        ),
        Step::Cmd(
            "XDEL s 1-*",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
    ],
};
