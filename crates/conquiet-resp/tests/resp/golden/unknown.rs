//! Unknown commands and subcommands.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const UNKNOWN: Script = Script {
    name: "unknown",
    steps: &[
        Step::Cmd(
            "foo a b",
            b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n",
            None,
        ),
        Step::Cmd(
            "foo",
            b"-ERR unknown command 'foo', with args beginning with: \r\n",
            None,
        ),
        Step::Args(
            &[b"f\r\no\x00x", b"a\x00b", b"c\nd"],
            b"-ERR unknown command 'f  o', with args beginning with: 'a' 'c d' \r\n",
            None,
        ),
        Step::Args(
            &[
                b"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
                  fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
                  ffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
                  aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\
                  bbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                b"c",
            ],
            b"-ERR unknown command 'fffffffffffffffffffffffffffffffffffffffffffffffffffff\
              fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\
              ', with args beginning with: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
              aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' 'bbbbbbbbbbbbbbbbb\
              bbbbbbbb' \r\n",
            None,
        ),
        Step::Args(
            &[
                b"foo",
                b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
                  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                b"bbbbb",
                b"c",
            ],
            b"-ERR unknown command 'foo', with args beginning with: 'aaaaaaaaaaaaaaaaaaaa\
              aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
              aaaaaaaaaaaaaaaaaaaaaaaaaaaaa' 'b' \r\n",
            None,
        ),
        Step::Args(
            &[
                b"foo",
                b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
                  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                b"bbbbb",
            ],
            b"-ERR unknown command 'foo', with args beginning with: 'aaaaaaaaaaaaaaaaaaaa\
              aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
              aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' \r\n",
            None,
        ),
        Step::Args(
            &[b""],
            b"-ERR unknown command '', with args beginning with: \r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT foo",
            b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "CONFIG foo",
            b"-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "FUNCTION FOO",
            b"-ERR unknown subcommand 'FOO'. Try FUNCTION HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "COMMAND FOO",
            b"-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n",
            None,
        ),
        Step::Args(
            &[b"XLEN\x00", b"s"],
            b"-ERR unknown command 'XLEN', with args beginning with: 's' \r\n",
            None,
        ),
        Step::Args(
            &[b"XINFO", b"f\x00b", b"s"],
            b"-ERR unknown subcommand 'f'. Try XINFO HELP.\r\n",
            None,
        ),
    ],
};
