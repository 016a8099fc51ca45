//! XAUTOCLAIM cursors, JUSTID, deleted entries and errors.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XAUTOCLAIM: Script = Script {
    name: "xautoclaim",
    steps: &[
        Step::Cmd("XADD s 1-1 f v g w", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d", b"$3\r\n3-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd(
            "XREADGROUP GROUP g c STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n*2\r\n$3\r\n2-1\r\n*2\r\n\
              $1\r\na\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*3\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\n\
              c\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT 1",
            b"*3\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 (1-1 COUNT 1",
            b"*3\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n*0\r\n",
            None,
        ),
        Step::Cmd("XDEL s 2-1", b":1\r\n", None),
        Step::Cmd(
            "XAUTOCLAIM s g e 0 0",
            b"*3\r\n$3\r\n0-0\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n\
              $1\r\nd\r\n*1\r\n$3\r\n2-1\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g e 0 0 JUSTID",
            b"*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n1-1\r\n$3\r\n\
              3-1\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g e 0 - JUSTID",
            b"*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n1-1\r\n$3\r\n\
              3-1\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g e 0 + JUSTID",
            b"*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g e 99999999 0",
            b"*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n3-1\r\n*1\r\n\
              *2\r\n$1\r\ne\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d x 0",
            b"-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d -5 0 JUSTID",
            b"*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n1-1\r\n$3\r\n\
              3-1\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 (18446744073709551615-18446744073709551615",
            b"-ERR invalid start ID for the interval\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT 0",
            b"-ERR COUNT must be > 0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT x",
            b"-ERR COUNT must be > 0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT -1",
            b"-ERR COUNT must be > 0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT 576460752303423488",
            b"-ERR COUNT must be > 0\r\n",
            None,
        ),
        Step::Cmd("XAUTOCLAIM s g d 0 0 COUNT", b"-ERR syntax error\r\n", None),
        Step::Cmd("XAUTOCLAIM s g d 0 0 FOO", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XAUTOCLAIM nokey g d 0 0",
            b"-NOGROUP No such key 'nokey' or consumer group 'g'\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s nog d 0 0",
            b"-NOGROUP No such key 's' or consumer group 'nog'\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM nokey g d x 0",
            b"-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0 0 COUNT 1 COUNT 2 JUSTID JUSTID",
            b"*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n1-1\r\n$3\r\n\
              3-1\r\n*0\r\n",
            None,
        ),
        Step::Cmd(
            "XAUTOCLAIM s g d 0",
            b"-ERR wrong number of arguments for 'xautoclaim' command\r\n",
            None,
        ),
    ],
};
