//! XINFO STREAM (not FULL), GROUPS, lag, and argument errors.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XINFO: Script = Script {
    name: "xinfo",
    steps: &[
        Step::Cmd("XADD s 1-1 f v g w", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XADD s 2-1 a b", b"$3\r\n2-1\r\n", None),
        Step::Cmd("XADD s 3-1 c d", b"$3\r\n3-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s h $", b"+OK\r\n", None),
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
            "XINFO STREAM s",
            b"*20\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n$10\r\n\
              last-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\n\
              c\r\n$1\r\nd\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:3\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n$10\r\n\
              last-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\n\
              c\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n",
            Some(
                b"*2\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n",
            ),
        ),
        Step::Cmd("XDEL s 2-1", b":1\r\n", None),
        Step::Cmd(
            "XINFO STREAM s",
            b"*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n$10\r\n\
              last-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\n\
              c\r\n$1\r\nd\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n2-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n$10\r\n\
              last-entry\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\n\
              c\r\n$1\r\nd\r\n",
            ),
        ),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              $-1\r\n*12\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n",
            Some(
                b"*2\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              _\r\n%6\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n",
            ),
        ),
        Step::Cmd("XGROUP SETID s h 1-1", b"+OK\r\n", None),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              $-1\r\n*12\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              $-1\r\n",
            Some(
                b"*2\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:1\r\n$7\r\npending\r\n:2\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n\
              $12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n\
              _\r\n%6\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              _\r\n",
            ),
        ),
        Step::Cmd("XDEL s 1-1 3-1", b":2\r\n", None),
        Step::Cmd(
            "XINFO STREAM s",
            b"*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n$-1\r\n$10\r\nlast-entry\r\n\
              $-1\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n3-1\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-1\r\n$13\r\n\
              entries-added\r\n:3\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:2\r\n$11\r\n\
              first-entry\r\n_\r\n$10\r\nlast-entry\r\n\
              _\r\n",
            ),
        ),
        Step::Cmd("XGROUP CREATE e g $ MKSTREAM", b"+OK\r\n", None),
        Step::Cmd(
            "XINFO STREAM e",
            b"*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n0-0\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\n\
              entries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\n\
              first-entry\r\n$-1\r\n$10\r\nlast-entry\r\n\
              $-1\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n\
              :0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\n\
              last-generated-id\r\n$3\r\n0-0\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\n\
              entries-added\r\n:0\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n0-0\r\n$6\r\ngroups\r\n:1\r\n$11\r\n\
              first-entry\r\n_\r\n$10\r\nlast-entry\r\n\
              _\r\n",
            ),
        ),
        Step::Cmd(
            "XINFO GROUPS e",
            b"*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n",
            Some(
                b"*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n",
            ),
        ),
        Step::Cmd(
            "XPENDING e g",
            b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
            Some(b"*4\r\n:0\r\n_\r\n_\r\n_\r\n"),
        ),
        Step::Cmd(
            "XINFO STREAM",
            b"-ERR wrong number of arguments for 'xinfo|stream' command\r\n",
            None,
        ),
        Step::Cmd("XINFO STREAM nokey", b"-ERR no such key\r\n", None),
        Step::Cmd(
            "XINFO STREAM s FOO",
            b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINF\
              O HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s FULL COUNT",
            b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINF\
              O HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s FULL COUNT x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s FULL FOO 1",
            b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINF\
              O HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s FULL COUNT 1 x",
            b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINF\
              O HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM s a b c d",
            b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINF\
              O HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO GROUPS",
            b"-ERR wrong number of arguments for 'xinfo|groups' command\r\n",
            None,
        ),
        Step::Cmd("XINFO GROUPS nokey", b"-ERR no such key\r\n", None),
        Step::Cmd(
            "XINFO GROUPS s x",
            b"-ERR wrong number of arguments for 'xinfo|groups' command\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO CONSUMERS s",
            b"-ERR wrong number of arguments for 'xinfo|consumers' command\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO CONSUMERS s nog",
            b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n",
            None,
        ),
        Step::Cmd("XINFO CONSUMERS nokey g", b"-ERR no such key\r\n", None),
        Step::Cmd(
            "XINFO CONSUMERS s g x",
            b"-ERR wrong number of arguments for 'xinfo|consumers' command\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO FOO s",
            b"-ERR unknown subcommand 'FOO'. Try XINFO HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO FOO",
            b"-ERR unknown subcommand 'FOO'. Try XINFO HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO",
            b"-ERR wrong number of arguments for 'xinfo' command\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO help",
            b"*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
              +CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n\
              +GROUPS <key>\r\n+    Show the stream consumer groups.\r\n\
              +STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stre\
              am.\r\n+HELP\r\n+    Prints this help.\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO HELP x",
            b"-ERR wrong number of arguments for 'xinfo|help' command\r\n",
            None,
        ),
        Step::Cmd("XADD big 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd(
            "XSETID big 5-5 ENTRIESADDED 10 MAXDELETEDID 3-3",
            b"+OK\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO STREAM big",
            b"*20\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-5\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n\
              $3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            Some(
                b"%10\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n\
              :1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\n\
              last-generated-id\r\n$3\r\n5-5\r\n$20\r\n\
              max-deleted-entry-id\r\n$3\r\n3-3\r\n$13\r\n\
              entries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n\
              $3\r\n1-1\r\n$6\r\ngroups\r\n:0\r\n$11\r\n\
              first-entry\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\n\
              f\r\n$1\r\nv\r\n$10\r\nlast-entry\r\n*2\r\n\
              $3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
        ),
        Step::Cmd("XGROUP CREATE big g 0 ENTRIESREAD 3", b"+OK\r\n", None),
        Step::Cmd(
            "XINFO GROUPS big",
            b"*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              $-1\r\n",
            Some(
                b"*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              _\r\n",
            ),
        ),
    ],
};
