//! XREADGROUP new and history reads, NOACK, deleted entries, errors.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XREADGROUP: Script = Script {
    name: "xreadgroup",
    steps: &[
        Step::Cmd("XADD s 1-1 f v g w", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d", b"$3\r\n3-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd(
            "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n*2\r\n$3\r\n2-1\r\n*2\r\n\
              $1\r\na\r\n$1\r\nb\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n\
              $1\r\nb\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g bob STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              3-1\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n\
              *2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g bob STREAMS s >",
            b"*-1\r\n",
            Some(b"_\r\n"),
        ),
        Step::Cmd("XDEL s 2-1", b":1\r\n", None),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n*2\r\n$3\r\n2-1\r\n*-1\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n2-1\r\n_\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice COUNT 1 STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s 1-1",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              2-1\r\n*-1\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n\
              _\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g carol STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*0\r\n",
            Some(b"%1\r\n$1\r\ns\r\n*0\r\n"),
        ),
        Step::Cmd("XADD s 4-1 e f", b"$3\r\n4-1\r\n", None),
        Step::Cmd("XADD t 1-1 x y", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XGROUP CREATE t g 0", b"+OK\r\n", None),
        Step::Cmd(
            "XREADGROUP GROUP g alice NOACK STREAMS s t > >",
            b"*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              4-1\r\n*2\r\n$1\r\ne\r\n$1\r\nf\r\n*2\r\n\
              $1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n\
              $1\r\nx\r\n$1\r\ny\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n4-1\r\n\
              *2\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\nt\r\n*1\r\n\
              *2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nx\r\n$1\r\n\
              y\r\n",
            ),
        ),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:3\r\n$3\r\n1-1\r\n$3\r\n3-1\r\n*2\r\n\
              *2\r\n$5\r\nalice\r\n$1\r\n2\r\n*2\r\n$3\r\n\
              bob\r\n$1\r\n1\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING t g",
            b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
            Some(b"*4\r\n:0\r\n_\r\n_\r\n_\r\n"),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s t 0 0",
            b"*2\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n*2\r\n$3\r\n2-1\r\n*-1\r\n\
              *2\r\n$1\r\nt\r\n*0\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n2-1\r\n_\r\n$1\r\nt\r\n*0\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s $",
            b"-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read\
              \x20the history of this consumer by specifying a proper ID, or use the > ID\
              \x20to get new messages. The $ ID would just return an empty result set.\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s -",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s (0",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice BLOCK -1 STREAMS s >",
            b"-ERR timeout is negative\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice BLOCK x STREAMS s >",
            b"-ERR timeout is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice COUNT x STREAMS s >",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice FOO STREAMS s >",
            b"-ERR syntax error\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP COUNT 1 NOACK STREAMS s >",
            b"-ERR Missing GROUP option for XREADGROUP\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP STREAMS s > x y z",
            b"-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' mus\
              t be specified.\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s",
            b"-ERR wrong number of arguments for 'xreadgroup' command\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g STREAMS s >",
            b"-ERR wrong number of arguments for 'xreadgroup' command\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS nokey >",
            b"-NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP\
              \x20option\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP nog alice STREAMS s >",
            b"-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP o\
              ption\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice GROUP h d STREAMS s >",
            b"-NOGROUP No such key 's' or consumer group 'h' in XREADGROUP with GROUP opt\
              ion\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP NOACK NOACK GROUP g c2 STREAMS s >",
            b"*-1\r\n",
            Some(b"_\r\n"),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice BLOCK 5 STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n*2\r\n$3\r\n2-1\r\n*-1\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n*2\r\n$3\r\n2-1\r\n_\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP group g alice count 1 streams s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              1-1\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\n\
              g\r\n$1\r\nw\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\n\
              w\r\n",
            ),
        ),
        Step::Cmd(
            "XREADGROUP GROUP g alice STREAMS s t >",
            b"-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' mus\
              t be specified.\r\n",
            None,
        ),
    ],
};
