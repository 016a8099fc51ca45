//! Raw request bytes: inline requests, quoting, pipelines.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const PROTOCOL: Script = Script {
    name: "protocol",
    steps: &[
        Step::Raw(b"XADD s 1-1 f v\r\n", b"$3\r\n1-1\r\n", None),
        Step::Raw(b"XLEN s\n", b":1\r\n", None),
        Step::Raw(b"\x20 xlen   s  \r\n", b":1\r\n", None),
        Step::Raw(b"\r\n", b"", None),
        Step::Raw(b"*0\r\n*-1\r\n", b"", None),
        Step::Raw(b"ECHO \"a\\x41\\n\\q\"\r\n", b"$4\r\naA\nq\r\n", None),
        Step::Raw(b"ECHO 'a\\'b'\r\n", b"$3\r\na'b\r\n", None),
        Step::Raw(
            b"ECHO \"a\" \"b\"\r\n",
            b"-ERR wrong number of arguments for 'echo' command\r\n",
            None,
        ),
        Step::Raw(b"ECHO \"\"\r\n", b"$0\r\n\r\n", None),
        Step::Raw(b"ECHO a\"b\"\r\n", b"$2\r\nab\r\n", None),
        Step::Raw(b"ECHO\ta\r\n", b"$1\r\na\r\n", None),
        Step::Raw(
            b"XADD s 2-1 \"fi eld\" 'va lue'\r\nXRANGE s 2 +\r\n",
            b"$3\r\n2-1\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n\
              $6\r\nfi eld\r\n$6\r\nva lue\r\n",
            None,
        ),
        Step::Raw(
            b"*2\r\n$4\r\nXLEN\r\n$1\r\ns\r\n*2\r\n$4\r\n\
              ECHO\r\n$2\r\nhi\r\nPING\r\n*1\r\n$4\r\nPING\r\n",
            b":2\r\n$2\r\nhi\r\n+PONG\r\n+PONG\r\n",
            None,
        ),
        Step::Raw(b"*1\r\n$4\r\nPINGxx", b"+PONG\r\n", None),
        Step::Raw(b"*1\rx$4\r\nPING\r\n", b"+PONG\r\n", None),
        Step::Raw(
            b"*1\r\n$0\r\n\r\n",
            b"-ERR unknown command '', with args beginning with: \r\n",
            None,
        ),
        Step::Raw(
            b"$4\r\nPING\r\n",
            b"-ERR unknown command '$4', with args beginning with: \r\n\
              +PONG\r\n",
            None,
        ),
    ],
};
