//! DEL, UNLINK, EXISTS and KEYS on streams.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const KEYS: Script = Script {
    name: "keys",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD t 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD stream:1 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("EXISTS s", b":1\r\n", None),
        Step::Cmd("EXISTS s s nokey", b":2\r\n", None),
        Step::Cmd("KEYS stream:*", b"*1\r\n$8\r\nstream:1\r\n", None),
        Step::Cmd("KEYS stream:?", b"*1\r\n$8\r\nstream:1\r\n", None),
        Step::Cmd("KEYS [t]", b"*1\r\n$1\r\nt\r\n", None),
        Step::Cmd("KEYS nope", b"*0\r\n", None),
        Step::Cmd("KEYS s", b"*1\r\n$1\r\ns\r\n", None),
        Step::Args(&[b"KEYS", b"\\s"], b"*1\r\n$1\r\ns\r\n", None),
        Step::Cmd(
            "KEYS",
            b"-ERR wrong number of arguments for 'keys' command\r\n",
            None,
        ),
        Step::Cmd(
            "KEYS a b",
            b"-ERR wrong number of arguments for 'keys' command\r\n",
            None,
        ),
        Step::Cmd("DEL s s", b":1\r\n", None),
        Step::Cmd("UNLINK t nokey", b":1\r\n", None),
        Step::Cmd("UNLINK t", b":0\r\n", None),
        Step::Cmd("EXISTS s t", b":0\r\n", None),
        Step::Cmd(
            "DEL",
            b"-ERR wrong number of arguments for 'del' command\r\n",
            None,
        ),
        Step::Cmd(
            "EXISTS",
            b"-ERR wrong number of arguments for 'exists' command\r\n",
            None,
        ),
        Step::Cmd(
            "UNLINK",
            b"-ERR wrong number of arguments for 'unlink' command\r\n",
            None,
        ),
        Step::Cmd("KEYS *", b"*1\r\n$8\r\nstream:1\r\n", None),
        Step::Cmd("del stream:1", b":1\r\n", None),
        Step::Cmd("KEYS *", b"*0\r\n", None),
    ],
};
