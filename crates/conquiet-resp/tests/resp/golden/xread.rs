//! XREAD options, $, multiple streams and errors.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XREAD: Script = Script {
    name: "xread",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD t 1-1 g w", b"$3\r\n1-1\r\n", None),
        Step::Cmd(
            "XREAD STREAMS s 0",
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
            "XREAD STREAMS s t 0 0",
            b"*2\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n\
              *2\r\n$1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\ng\r\n$1\r\nw\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nt\r\n*1\r\n\
              *2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\n\
              w\r\n",
            ),
        ),
        Step::Cmd(
            "XREAD COUNT 1 STREAMS s t 0 0",
            b"*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n\
              $1\r\ng\r\n$1\r\nw\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nt\r\n*1\r\n\
              *2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\n\
              w\r\n",
            ),
        ),
        Step::Cmd(
            "XREAD STREAMS s t 0",
            b"-ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' mus\
              t be specified.\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s nokey 0 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
        ),
        Step::Cmd("XREAD STREAMS nokey 0", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd("XREAD STREAMS s $", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd(
            "XREAD STREAMS s 1-1",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
        ),
        Step::Cmd("XREAD STREAMS s 2-1", b"*-1\r\n", Some(b"_\r\n")),
        Step::Cmd(
            "XREAD STREAMS s t 2 0",
            b"*2\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n\
              $1\r\nt\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n\
              $1\r\ng\r\n$1\r\nw\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nt\r\n*1\r\n\
              *2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ng\r\n$1\r\n\
              w\r\n",
            ),
        ),
        Step::Cmd(
            "XREAD COUNT -5 STREAMS s 0",
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
            "XREAD COUNT 0 STREAMS s 0",
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
            "XREAD COUNT x STREAMS s 0",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD BLOCK x STREAMS s 0",
            b"-ERR timeout is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD BLOCK -1 STREAMS s 0",
            b"-ERR timeout is negative\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD BLOCK 1.5 STREAMS s 0",
            b"-ERR timeout is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD BLOCK 10 STREAMS s 0",
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
            "XREAD BLOCK 0 COUNT 1 STREAMS s 0",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
        ),
        Step::Cmd("XREAD FOO STREAMS s 0", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XREAD STREAMS s >",
            b"-ERR The > ID can be specified only when calling XREADGROUP using the GROUP\
              \x20<group> <consumer> option.\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s -",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s +",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s 1-*",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD STREAMS s (0",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD GROUP g c STREAMS s 0",
            b"-ERR The GROUP option is only supported by XREADGROUP. You called XREAD ins\
              tead.\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD NOACK STREAMS s 0",
            b"-ERR The NOACK option is only supported by XREADGROUP. You called XREAD ins\
              tead.\r\n",
            None,
        ),
        Step::Cmd("XREAD COUNT 1 COUNT", b"-ERR syntax error\r\n", None),
        Step::Cmd("XREAD COUNT 1 STREAMS", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XREAD STREAMS s 0 COUNT 1",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XREAD streams s 0",
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
            "XREAD count 1 count 2 streams s 0",
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
            "XREAD STREAMS s",
            b"-ERR wrong number of arguments for 'xread' command\r\n",
            None,
        ),
        Step::Cmd("XREAD COUNT 1 BLOCK", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XREAD STREAMS s s 0 1-1",
            b"*2\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n\
              $3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n\
              *2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n",
            Some(
                b"%2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n\
              *2\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\ns\r\n*1\r\n\
              *2\r\n$3\r\n2-1\r\n*2\r\n$1\r\na\r\n$1\r\n\
              b\r\n",
            ),
        ),
    ],
};
