//! XCLAIM ids, options and their errors (replies independent of time).
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XCLAIM: Script = Script {
    name: "xclaim",
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
        Step::Cmd(
            "XCLAIM s g d 0 1-1",
            b"*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 2-1 JUSTID",
            b"*2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n",
            None,
        ),
        Step::Cmd("XCLAIM s g d 0 9-9", b"*0\r\n", None),
        Step::Cmd("XCLAIM s g d 0 1", b"*0\r\n", None),
        Step::Cmd("XCLAIM s g d 0 JUSTID", b"*0\r\n", None),
        Step::Cmd(
            "XCLAIM s g d x 1-1",
            b"-ERR Invalid min-idle-time argument for XCLAIM\r\n",
            None,
        ),
        Step::Cmd("XCLAIM s g d -5 1-1 justid", b"*1\r\n$3\r\n1-1\r\n", None),
        Step::Cmd(
            "XCLAIM nokey g d 0 1-1",
            b"-NOGROUP No such key 'nokey' or consumer group 'g'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s nog d 0 1-1",
            b"-NOGROUP No such key 's' or consumer group 'nog'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 bad",
            b"-ERR Unrecognized XCLAIM option 'bad'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 bad",
            b"-ERR Unrecognized XCLAIM option 'bad'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 IDLE",
            b"-ERR Unrecognized XCLAIM option 'IDLE'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 IDLE x",
            b"-ERR Invalid IDLE option argument for XCLAIM\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 TIME x",
            b"-ERR Invalid TIME option argument for XCLAIM\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 RETRYCOUNT x",
            b"-ERR Invalid RETRYCOUNT option argument for XCLAIM\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 RETRYCOUNT -1 JUSTID",
            b"*1\r\n$3\r\n1-1\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 LASTID bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 LASTID",
            b"-ERR Unrecognized XCLAIM option 'LASTID'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 1-1 FORCE JUSTID 2-1",
            b"-ERR Unrecognized XCLAIM option '2-1'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g e 0 1-1 JUSTID IDLE 5 TIME 6 RETRYCOUNT 3 LASTID 9-9 FORCE",
            b"*1\r\n$3\r\n1-1\r\n",
            None,
        ),
        Step::Args(
            &[b"XCLAIM", b"s", b"g", b"d", b"0", b"1-1", b"fo\x00o\r\n"],
            b"-ERR Unrecognized XCLAIM option 'fo'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 - JUSTID",
            b"-ERR Unrecognized XCLAIM option '-'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 0 2-* JUSTID",
            b"-ERR Unrecognized XCLAIM option '2-*'\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g d 99999999 1-1",
            b"*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n",
            None,
        ),
        Step::Cmd("XDEL s 3-1", b":1\r\n", None),
        Step::Cmd("XCLAIM s g d 0 3-1", b"*0\r\n", None),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n\
              *2\r\n$1\r\nd\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd("XCLAIM s g d 0 4-1 FORCE", b"*0\r\n", None),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n\
              *2\r\n$1\r\nd\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd(
            "XCLAIM s g f 0 1-1 2-1 RETRYCOUNT 7",
            b"*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\n2\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:4\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n9-9\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :0\r\n",
            Some(
                b"*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:4\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n9-9\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :0\r\n",
            ),
        ),
    ],
};
