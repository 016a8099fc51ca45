//! XGROUP subcommands, options, errors and HELP.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const XGROUP: Script = Script {
    name: "xgroup",
    steps: &[
        Step::Cmd("XADD s 1-1 f v", b"$3\r\n1-1\r\n", None),
        Step::Cmd("XGROUP CREATE s g 0", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s g2 $", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s g3 $ MKSTREAM", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s g4 0 ENTRIESREAD 5", b"+OK\r\n", None),
        Step::Cmd("XGROUP CREATE s g5 0 ENTRIESREAD -1", b"+OK\r\n", None),
        Step::Cmd(
            "XGROUP CREATE s g6 0 ENTRIESREAD -2",
            b"-ERR value for ENTRIESREAD must be positive or -1\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g6 0 ENTRIESREAD x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g6 0 ENTRIESREAD",
            b"-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGRO\
              UP HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g6 0 FOO",
            b"-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGRO\
              UP HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g6 0 MKSTREAM MKSTREAM MKSTREAM",
            b"+OK\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g7 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM",
            b"-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGRO\
              UP HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g7 bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g7 -",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g7 1-*",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE nokey g 0",
            b"-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE \
              you may want to use the MKSTREAM option to create an empty stream automatic\
              ally.\r\n",
            None,
        ),
        Step::Cmd("XGROUP CREATE nokey g 0 MKSTREAM", b"+OK\r\n", None),
        Step::Cmd(
            "XGROUP CREATE s g 0",
            b"-BUSYGROUP Consumer Group name already exists\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATE s g",
            b"-ERR wrong number of arguments for 'xgroup|create' command\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP create s gx 0 mkstream entriesread 3",
            b"+OK\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*7\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n*12\r\n$4\r\nname\r\n$2\r\ng4\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n\
              :-4\r\n*12\r\n$4\r\nname\r\n$2\r\ng5\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ng6\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ngx\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :-2\r\n",
            Some(
                b"*7\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n%6\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n%6\r\n$4\r\nname\r\n$2\r\ng4\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n\
              :-4\r\n%6\r\n$4\r\nname\r\n$2\r\ng5\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ng6\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ngx\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :-2\r\n",
            ),
        ),
        Step::Cmd("XGROUP SETID s g 0", b"+OK\r\n", None),
        Step::Cmd("XGROUP SETID s g -", b"+OK\r\n", None),
        Step::Cmd("XGROUP SETID s g +", b"+OK\r\n", None),
        Step::Cmd("XGROUP SETID s g $", b"+OK\r\n", None),
        Step::Cmd(
            "XGROUP SETID s g bad",
            b"-ERR Invalid stream ID specified as stream command argument\r\n",
            None,
        ),
        Step::Cmd("XGROUP SETID s g 0 ENTRIESREAD 1", b"+OK\r\n", None),
        Step::Cmd("XGROUP SETID s g 0 ENTRIESREAD -1", b"+OK\r\n", None),
        Step::Cmd(
            "XGROUP SETID s g 0 ENTRIESREAD -3",
            b"-ERR value for ENTRIESREAD must be positive or -1\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP SETID s g 0 MKSTREAM",
            b"-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROU\
              P HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP SETID s g 0 ENTRIESREAD 1 extra",
            b"-ERR unknown subcommand or wrong number of arguments for 'SETID'. Try XGROU\
              P HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP SETID s nog 0",
            b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP SETID nokey2 g 0",
            b"-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE \
              you may want to use the MKSTREAM option to create an empty stream automatic\
              ally.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP SETID s g",
            b"-ERR wrong number of arguments for 'xgroup|setid' command\r\n",
            None,
        ),
        Step::Cmd(
            "XINFO GROUPS s",
            b"*7\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n*12\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :0\r\n*12\r\n$4\r\nname\r\n$2\r\ng4\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n\
              :-4\r\n*12\r\n$4\r\nname\r\n$2\r\ng5\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ng6\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n\
              :1\r\n*12\r\n$4\r\nname\r\n$2\r\ngx\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :-2\r\n",
            Some(
                b"*7\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n%6\r\n$4\r\nname\r\n$2\r\ng3\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n1-1\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :0\r\n%6\r\n$4\r\nname\r\n$2\r\ng4\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:5\r\n$3\r\nlag\r\n\
              :-4\r\n%6\r\n$4\r\nname\r\n$2\r\ng5\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ng6\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n\
              :1\r\n%6\r\n$4\r\nname\r\n$2\r\ngx\r\n$9\r\n\
              consumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
              $17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n\
              $12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n\
              :-2\r\n",
            ),
        ),
        Step::Cmd("XGROUP DESTROY s g2", b":1\r\n", None),
        Step::Cmd("XGROUP DESTROY s g2", b":0\r\n", None),
        Step::Cmd(
            "XGROUP DESTROY nokey2 g2",
            b"-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE \
              you may want to use the MKSTREAM option to create an empty stream automatic\
              ally.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP DESTROY s g2 x",
            b"-ERR wrong number of arguments for 'xgroup|destroy' command\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP DESTROY s",
            b"-ERR wrong number of arguments for 'xgroup|destroy' command\r\n",
            None,
        ),
        Step::Cmd("XGROUP CREATECONSUMER s g c", b":1\r\n", None),
        Step::Cmd("XGROUP CREATECONSUMER s g c", b":0\r\n", None),
        Step::Cmd(
            "XGROUP CREATECONSUMER s nog c",
            b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATECONSUMER nokey2 g c",
            b"-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE \
              you may want to use the MKSTREAM option to create an empty stream automatic\
              ally.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATECONSUMER s g",
            b"-ERR wrong number of arguments for 'xgroup|createconsumer' command\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP CREATECONSUMER s g c d",
            b"-ERR wrong number of arguments for 'xgroup|createconsumer' command\r\n",
            None,
        ),
        Step::Cmd(
            "XREADGROUP GROUP g c STREAMS s >",
            b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n\
              1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            Some(
                b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n\
              *2\r\n$1\r\nf\r\n$1\r\nv\r\n",
            ),
        ),
        Step::Cmd("XGROUP DELCONSUMER s g c", b":1\r\n", None),
        Step::Cmd("XGROUP DELCONSUMER s g c", b":0\r\n", None),
        Step::Cmd(
            "XGROUP DELCONSUMER s nog c",
            b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP DELCONSUMER s g",
            b"-ERR wrong number of arguments for 'xgroup|delconsumer' command\r\n",
            None,
        ),
        Step::Cmd(
            "XPENDING s g",
            b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n",
            Some(b"*4\r\n:0\r\n_\r\n_\r\n_\r\n"),
        ),
        Step::Cmd(
            "XGROUP HELP",
            b"*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
              +CREATE <key> <groupname> <id|$> [option]\r\n\
              +    Create a new consumer group. Options are:\r\n\
              +    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n\
              +    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read coun\
              ter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n\
              +    Create a new consumer in the specified group.\r\n\
              +DELCONSUMER <key> <groupname> <consumer>\r\n\
              +    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n\
              +    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIE\
              SREAD entries_read]\r\n+    Set the current group ID and entries_read count\
              er.\r\n+HELP\r\n+    Prints this help.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP help",
            b"*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
              +CREATE <key> <groupname> <id|$> [option]\r\n\
              +    Create a new consumer group. Options are:\r\n\
              +    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n\
              +    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read coun\
              ter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n\
              +    Create a new consumer in the specified group.\r\n\
              +DELCONSUMER <key> <groupname> <consumer>\r\n\
              +    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n\
              +    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIE\
              SREAD entries_read]\r\n+    Set the current group ID and entries_read count\
              er.\r\n+HELP\r\n+    Prints this help.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP HELP x",
            b"-ERR wrong number of arguments for 'xgroup|help' command\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP foo",
            b"-ERR unknown subcommand 'foo'. Try XGROUP HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP foo a b c d e",
            b"-ERR unknown subcommand 'foo'. Try XGROUP HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "XGROUP",
            b"-ERR wrong number of arguments for 'xgroup' command\r\n",
            None,
        ),
        Step::Args(
            &[b"XGROUP", b"f\r\nb", b"x"],
            b"-ERR unknown subcommand 'f  b'. Try XGROUP HELP.\r\n",
            None,
        ),
    ],
};
