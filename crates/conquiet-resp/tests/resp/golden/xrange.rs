//! XRANGE and XREVRANGE bounds, exclusive ids and COUNT.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XRANGE: Script = Script {
    name: "xrange",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d e f", b"$3\r\n3-1\r\n", None),
        Step::Cmd(
            "XRANGE s - +",
            b"*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*4\r\n\
              $1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s - + COUNT 2",
            b"*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n",
            None,
        ),
        Step::Cmd("XRANGE s - + COUNT 0", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd("XRANGE s - + COUNT -1", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd("XRANGE nokey - +", b"*0\r\n", None),
        Step::Cmd(
            "XRANGE s (1-1 +",
            b"*2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*4\r\n$1\r\n\
              c\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s - (3-1",
            b"*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s (1-1 (3-1",
            b"*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s 2 2",
            b"*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n",
            None,
        ),
        Step::Cmd("XRANGE s 2-1 1-1", b"*0\r\n", None),
        Step::Cmd("XRANGE s + -", b"*0\r\n", None),
        Step::Cmd(
            "XRANGE s (- +",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s ( +",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s - (+",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s (18446744073709551615-18446744073709551615 +",
            b"-ERR invalid start ID for the interval\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s - (0-0",
            b"-ERR invalid end ID for the interval\r\n",
            None,
        ),
        Step::Cmd("XRANGE s - (0", b"*0\r\n", None),
        Step::Cmd(
            "XRANGE s bad (0-0",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s (18446744073709551615-18446744073709551615 bad",
            b"-ERR invalid start ID for the interval\r\n",
            None,
        ),
        Step::Cmd("XRANGE s - + COUNT", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XRANGE s - + COUNT 1 COUNT 2",
            b"*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n",
            None,
        ),
        Step::Cmd("XRANGE s - + FOO 1", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XRANGE s - + COUNT abc",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("XRANGE s - + count 1 extra", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XRANGE s 1-* +",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s -",
            b"-ERR wrong number of arguments for 'xrange' command\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s 1 3",
            b"*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*4\r\n\
              $1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s (1 3",
            b"*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*4\r\n\
              $1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XRANGE s 0-18446744073709551615 +",
            b"*3\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\n\
              a\r\n$1\r\nb\r\n*2\r\n$3\r\n3-1\r\n*4\r\n\
              $1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s + -",
            b"*3\r\n*2\r\n$3\r\n3-1\r\n*4\r\n$1\r\nc\r\n\
              $1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n*2\r\n$3\r\n\
              2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n\
              $3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s + - COUNT 1",
            b"*1\r\n*2\r\n$3\r\n3-1\r\n*4\r\n$1\r\nc\r\n\
              $1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s (3-1 -",
            b"*2\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\n\
              f\r\n$1\r\nv\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s + (1-1",
            b"*2\r\n*2\r\n$3\r\n3-1\r\n*4\r\n$1\r\nc\r\n\
              $1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n*2\r\n$3\r\n\
              2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s (0-0 bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s bad (18446744073709551615-18446744073709551615",
            b"-ERR invalid start ID for the interval\r\n",
            None,
        ),
        Step::Cmd("XREVRANGE s + - COUNT 0", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd(
            "XREVRANGE s 2 2",
            b"*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n",
            None,
        ),
        Step::Cmd("XREVRANGE s - +", b"*0\r\n", None),
        Step::Cmd("XREVRANGE nokey + -", b"*0\r\n", None),
        Step::Cmd(
            "XREVRANGE s + - COUNT x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREVRANGE s +",
            b"-ERR wrong number of arguments for 'xrevrange' command\r\n",
            None,
        ),
    ],
};
