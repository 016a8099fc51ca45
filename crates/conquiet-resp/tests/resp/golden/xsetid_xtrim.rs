//! XSETID and XTRIM.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XSETID_XTRIM: Script = Script {
    name: "xsetid_xtrim",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d", b"$3\r\n3-1\r\n", None),
        Step::Cmd(
            "XSETID s",
            b"-ERR wrong number of arguments for 'xsetid' command\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd("XSETID s 5-5 foo", b"-ERR syntax error\r\n", None),
        Step::Cmd("XSETID s 5-5 ENTRIESADDED", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XSETID s 5-5 ENTRIESADDED -1",
            b"-ERR entries_added must be positive\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-5 ENTRIESADDED x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-5 MAXDELETEDID 6-6",
            b"-ERR The ID specified in XSETID is smaller than the provided max_deleted_en\
              try_id\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-5 MAXDELETEDID bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-5 MAXDELETEDID 4 ENTRIESADDED -1",
            b"-ERR entries_added must be positive\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-5 ENTRIESADDED 1",
            b"-ERR The entries_added specified in XSETID is smaller than the target strea\
              m length\r\n",
            None,
        ),
        Step::Cmd("XSETID nokey 5-5", b"-ERR no such key\r\n", None),
        Step::Cmd(
            "XSETID nokey 5-5 MAXDELETEDID 6-6",
            b"-ERR The ID specified in XSETID is smaller than the provided max_deleted_en\
              try_id\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s -",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s +",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 5-*",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XSETID s 2-1",
            b"-ERR The ID specified in XSETID is smaller than the target stream top item\r\
              \n",
            None,
        ),
        Step::Cmd("XSETID s 3-1", b"+OK\r\n", None),
        Step::Cmd(
            "XSETID s 5-5 ENTRIESADDED 10 MAXDELETEDID 3-3",
            b"+OK\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s",
            b"*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-5\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n\
              $3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-5\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n\
              $3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd(
            "XADD s 4-1 f v",
            b"-ERR The ID specified in XADD is equal or smaller than the target stream to\
              p item\r\n",
            None,
        ),
        Step::Cmd(
            "XADD s 5-5 f v",
            b"-ERR The ID specified in XADD is equal or smaller than the target stream to\
              p item\r\n",
            None,
        ),
        Step::Cmd("XADD s 5-6 f v", b"$3\r\n5-6\r\n", None),
        Step::Cmd(
            "XTRIM s",
            b"-ERR wrong number of arguments for 'xtrim' command\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen",
            b"-ERR wrong number of arguments for 'xtrim' command\r\n",
            None,
        ),
        Step::Cmd("XTRIM s foo 1", b"-ERR syntax error\r\n", None),
        Step::Cmd("XTRIM s maxlen 5 foo", b"-ERR syntax error\r\n", None),
        Step::Cmd("XTRIM s maxlen 5", b":0\r\n", None),
        Step::Cmd("XTRIM s minid 0", b":0\r\n", None),
        Step::Cmd("XTRIM s maxlen ~ 5 limit 3", b":0\r\n", None),
        Step::Cmd("XTRIM s limit 3 maxlen ~ 5", b":0\r\n", None),
        Step::Cmd(
            "XTRIM s nomkstream maxlen 5",
            b"-ERR syntax error\r\n",
            None,
        ),
        Step::Cmd("XTRIM s * maxlen 5", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XTRIM s maxlen 5 maxlen 6",
            b"-ERR syntax error, MAXLEN and MINID options at the same time are not compat\
              ible\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM nokey maxlen abc",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("XTRIM nokey maxlen 1", b":0\r\n", None),
        Step::Cmd(
            "XTRIM s limit 3",
            b"-ERR syntax error, LIMIT cannot be used without specifying a trimming strat\
              egy\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s limit 0",
            b"-ERR syntax error, XTRIM must be called with a trimming strategy\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen ~",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen =",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("XTRIM s maxlen ~ 1 extra", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "XTRIM s minid (5",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen +5",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen -1",
            b"-ERR The MAXLEN argument must be >= 0.\r\n",
            None,
        ),
        Step::Cmd(
            "XTRIM s maxlen 5 limit 1",
            b"-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n",
            None,
        ),
        Step::Cmd("XTRIM s MINID = 2-1", b":1\r\n", None),
        Step::Cmd("XLEN s", b":3\r\n", None),
        Step::Cmd("XTRIM s MAXLEN 1", b":2\r\n", None),
        Step::Cmd(
            "XRANGE s - +",
            b"*1\r\n*2\r\n$3\r\n5-6\r\n*2\r\n$1\r\nf\r\n\
              $1\r\nv\r\n",
            None,
        ),
        Step::Cmd("XTRIM s MAXLEN ~ 0", b":1\r\n", None),
        Step::Cmd("XTRIM s MAXLEN 0", b":0\r\n", None),
        Step::Cmd("XLEN s", b":0\r\n", None),
        Step::Cmd(
            "XINFO STREAM s",
            b"*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-6\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:11\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n$-1\r\n$10\r\nlast-entry\r\n\
              $-1\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-6\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:11\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n_\r\n$10\r\nlast-entry\r\n\
              _\r\n",
            ),
        ),
    ],
};
