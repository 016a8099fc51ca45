//! XADD ids, options, trimming and their errors; XLEN.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XADD: Script = Script {
    name: "xadd",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 1-2 a 1 b 2", b"$3\r\n1-2\r\n", None),
        Step::Cmd("XADD s 1-* f v", b"$3\r\n1-3\r\n", None),
        Step::Cmd("XADD s 2 f v", b"$3\r\n2-0\r\n", None),
        Step::Cmd(
            "XADD s 1-1 f v",
            b"-ERR The ID specified in XADD is equal or smaller than the target stream to\
              p item\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 0-0 f v",
            b"-ERR The ID specified in XADD must be greater than 0-0\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 0 f v",
            b"-ERR The ID specified in XADD must be greater than 0-0\r\n",
            None,
        ),
        Step::Cmd(
            "XADD nokey 0-0 f v",
            b"-ERR The ID specified in XADD must be greater than 0-0\r\n",
            None,
        ),
        Step::Cmd(
            "XADD nokey NOMKSTREAM 0 f v",
            b"-ERR The ID specified in XADD must be greater than 0-0\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 3-1 f",
            b"-ERR wrong number of arguments for 'xadd' command\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 3-1",
            b"-ERR wrong number of arguments for 'xadd' command\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 3-1 f v g",
            b"-ERR wrong number of arguments for 'xadd' command\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 5",
            b"-ERR wrong number of arguments for 'xadd' command\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 5 f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 5 nomkstream",
            b"-ERR wrong number of arguments for 'xadd' command\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen ~ 5 limit",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen -1 3-1 f v",
            b"-ERR The MAXLEN argument must be >= 0.\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen ~ -1 3-1 f v",
            b"-ERR The MAXLEN argument must be >= 0.\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen abc 3-1 f v",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 05 3-1 f v",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 9223372036854775808 3-1 f v",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 5 minid 5 3-1 f v",
            b"-ERR syntax error, MAXLEN and MINID options at the same time are not compat\
              ible\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s minid 5 maxlen 5 3-1 f v",
            b"-ERR syntax error, MAXLEN and MINID options at the same time are not compat\
              ible\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s MAXLEN ~ 1 limit 5 maxlen 3 3-1 f v",
            b"-ERR syntax error, MAXLEN and MINID options at the same time are not compat\
              ible\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s minid abc 3-1 f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s minid - 3-1 f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s minid + 3-1 f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s minid 5 limit 10 3-1 f v",
            b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen 5 limit 10 3-1 f v",
            b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s limit 10 3-1 f v",
            b"-ERR syntax error, LIMIT cannot be used without specifying a trimming strat\
              egy\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s limit 0 3-1 f v",
            b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s limit -1 3-1 f v",
            b"-ERR The LIMIT argument must be >= 0.\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen ~ 5 limit -1 3-1 f v",
            b"-ERR The LIMIT argument must be >= 0.\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen ~ * f v",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s maxlen = * f v",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s foo f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s - f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s + f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd("XADD s maxlen ~ 2 3-1 f v", b"$3\r\n3-1\r\n", None),
        Step::Cmd("XLEN s", b":5\r\n", None),
        Step::Cmd("XADD s MAXLEN = 2 3-2 f v", b"$3\r\n3-2\r\n", None),
        Step::Cmd("XLEN s", b":2\r\n", None),
        Step::Cmd("XADD s MAXLEN ~ 1 LIMIT 0 3-3 f v", b"$3\r\n3-3\r\n", None),
        Step::Cmd("XADD s MINID = 3-2 3-4 f v", b"$3\r\n3-4\r\n", None),
        Step::Cmd("XLEN s", b":3\r\n", None),
        Step::Cmd("XADD s minid ~ 0 limit 5 3-5 f v", b"$3\r\n3-5\r\n", None),
        Step::Cmd("XADD s limit 5 maxlen ~ 9 3-6 f v", b"$3\r\n3-6\r\n", None),
        Step::Cmd("XADD s NOMKSTREAM 4-1 f v", b"$3\r\n4-1\r\n", None),
        Step::Cmd("XADD nokey NOMKSTREAM 1-1 f v", b"$-1\r\n", Some(b"_\r\n")),
        Step::Cmd(
            "XADD nokey nomkstream maxlen 1 nomkstream 1-1 f v",
            b"$-1\r\n",
            Some(b"_\r\n"),
        ),
        Step::Cmd("EXISTS nokey", b":0\r\n", None),
        Step::Cmd("XADD s +5-1 f v", b"$3\r\n5-1\r\n", None),
        Step::Args(
            &[b"XADD", b"s", b"\x207", b"f", b"v"],
            b"$3\r\n7-0\r\n",
            None,
        ),
        Step::Cmd("XADD s 8--0 f v", b"$3\r\n8-0\r\n", None),
        Step::Args(
            &[b"XADD", b"s", b"9- -1", b"f", b"v"],
            b"$22\r\n9-18446744073709551615\r\n",
            None,
        ),
        Step::Args(
            &[b"XADD", b"s", b"11\x00zz", b"f", b"v"],
            b"$4\r\n11-0\r\n",
            None,
        ),
        Step::Args(
            &[b"XADD", b"s", b"12-\x00", b"f", b"v"],
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 09 f v",
            b"-ERR The ID specified in XADD is equal or smaller than the target stream to\
              p item\r\n",
            None,
        ),
        Step::Cmd("XADD s 12-* f v", b"$4\r\n12-0\r\n", None),
        Step::Cmd("XADD s 12-* f v", b"$4\r\n12-1\r\n", None),
        Step::Cmd(
            "XADD s 18446744073709551616 f v",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Args(
            &[
                b"XADD",
                b"s",
                b"11111111111111111111111111111111111111111111111111111111111111111111111\
                  111111111111111111111111111111111111111111111111111111111",
                b"f",
                b"v",
            ],
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Args(&[b"XADD", b"s", b"13-1", b"", b""], b"$4\r\n13-1\r\n", None),
        Step::Cmd("XLEN s", b":14\r\n", None),
        Step::Cmd(
            "XADD s 18446744073709551615-18446744073709551615 f v",
            b"$41\r\n18446744073709551615-18446744073709551615\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s * f v",
            b"-ERR The stream has exhausted the last possible ID, unable to add more item\
              s\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 18446744073709551615-* f v",
            b"-ERR The stream has exhausted the last possible ID, unable to add more item\
              s\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 20-1 f v",
            b"-ERR The stream has exhausted the last possible ID, unable to add more item\
              s\r\n",
            None,
        ),
        Step::Cmd("XLEN s", b":15\r\n", None),
        Step::Cmd("XLEN nokey", b":0\r\n", None),
        Step::Cmd(
            "XLEN s x",
            b"-ERR wrong number of arguments for 'xlen' command\r\n",
            None,
        ),
        Step::Cmd(
            "XLEN",
            b"-ERR wrong number of arguments for 'xlen' command\r\n",
            None,
        ),
        Step::Cmd("xadd S 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("xLeN S", b":1\r\n", None),
        Step::Cmd("XADD t 5-* f v", b"$3\r\n5-0\r\n", None),
        Step::Cmd("XADD t 5-* f v", b"$3\r\n5-1\r\n", None),
        Step::Cmd(
            "XADD t 0-* f v",
            b"-ERR The ID specified in XADD is equal or smaller than the target stream to\
              p item\r\n",
            None,
        ),
        Step::Cmd("XADD u 0-* f v", b"$3\r\n0-1\r\n", None),
        Step::Cmd(
            "XADD w 7-18446744073709551615 f v",
            b"$22\r\n7-18446744073709551615\r\n",
            None,
        ),
        Step::Cmd(
            "XADD w 7-* f v",
            b"-ERR Elements are too large to be stored\r\n",
            None,
        ),
    ],
};
