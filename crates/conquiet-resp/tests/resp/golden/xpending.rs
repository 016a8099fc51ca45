//! XPENDING summary form and argument errors.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XPENDING: Script = Script {
    name: "xpending",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s h $", b"+OK\r\n", None),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
            Some(b"*4\r\n:0\r\n_\r\n_\r\n_\r\n"),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g c STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP h d STREAMS s >",
            b"*-1\r\n",
            Some(b"_\r\n"),
        ),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g b COUNT 1 STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*0\r\n",
            Some(b"%1\r\n$1\r\ns\r\n*0\r\n"),
        ),
        Step::Cmd(
            "XPENDING s h",
            b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
            Some(b"*4\r\n:0\r\n_\r\n_\r\n_\r\n"),
        ),
        Step::Cmd("XGROUP CREATECONSUMER s g zed", b":1\r\n", None),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING nokey g",
            b"-NOGROUP No such key 'nokey' or consumer group 'g'\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s nogroup",
            b"-NOGROUP No such key 's' or consumer group 'nogroup'\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s",
            b"-ERR wrong number of arguments for 'xpending' command\r\n",
            None,
        ),
        Step::Cmd("XPENDING s g -", b"-ERR syntax error\r\n", None),
        Step::Cmd("XPENDING s g - +", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XPENDING s g - + x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("XPENDING s g - + 0", b"*0\r\n", None),
        Step::Cmd("XPENDING s g - + -1", b"*0\r\n", None),
        Step::Cmd(
            "XPENDING s g bad + 10",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g - bad 10",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g (18446744073709551615-18446744073709551615 + 10",
            b"-ERR invalid start ID for the interval\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g - (0-0 10",
            b"-ERR invalid end ID for the interval\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g - (0-0 x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING nokey g - + x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("XPENDING s g IDLE 0 - +", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XPENDING s g IDLE x - + 10",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g - + 10 c extra more evenmore",
            b"-ERR syntax error\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g IDLE 0 - + 10 c extra",
            b"-ERR syntax error\r\n",
            None,
        ),
        Step::Cmd("XPENDING s g - + 10 nobody", b"*0\r\n", None),
        Step::Cmd("XPENDING s g (2-1 + 10", b"*0\r\n", None),
        Step::Cmd("XPENDING s g - (1-1 10", b"*0\r\n", None),
        Step::Cmd(
            "XPENDING nokey g - + 10",
            b"-NOGROUP No such key 'nokey' or consumer group 'g'\r\n",
            None,
        ),
    ],
};
