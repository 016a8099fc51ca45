//! Argument errors of the commands the server answers itself.
//!
//! Captured from a live Redis 7.0.15 (RESP2, then RESP3 after `HELLO 3`; `None` when
//! both are the same bytes). `differential` re-checks them against Redis.

use crate::support::{Script, Step};

pub const CONNECTION_ERRORS: Script = Script {
    name: "connection_errors",
    steps: &[
        Step::Cmd(
            "PING a b",
            b"-ERR wrong number of arguments for 'ping' command\r\n",
            None,
        ),
        Step::Cmd(
            "ECHO",
            b"-ERR wrong number of arguments for 'echo' command\r\n",
            None,
        ),
        Step::Cmd(
            "ECHO a b",
            b"-ERR wrong number of arguments for 'echo' command\r\n",
            None,
        ),
        Step::Cmd(
            "AUTH",
            b"-ERR wrong number of arguments for 'auth' command\r\n",
            None,
        ),
        Step::Cmd("AUTH a b c", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "SELECT",
            b"-ERR wrong number of arguments for 'select' command\r\n",
            None,
        ),
        Step::Cmd(
            "SELECT x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "SELECT 2147483648",
            b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\
              \n",
            None,
        ),
        Step::Cmd(
            "SELECT -2147483649",
            b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\
              \n",
            None,
        ),
        Step::Cmd(
            "SELECT 0 1",
            b"-ERR wrong number of arguments for 'select' command\r\n",
            None,
        ),
        Step::Cmd(
            "RESET x",
            b"-ERR wrong number of arguments for 'reset' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT",
            b"-ERR wrong number of arguments for 'client' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT SETNAME",
            b"-ERR wrong number of arguments for 'client|setname' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT SETNAME a b",
            b"-ERR wrong number of arguments for 'client|setname' command\r\n",
            None,
        ),
        Step::Args(
            &[b"CLIENT", b"SETNAME", b"a b"],
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            None,
        ),
        Step::Args(
            &[b"CLIENT", b"SETNAME", b"x\r"],
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT GETNAME x",
            b"-ERR wrong number of arguments for 'client|getname' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT ID x",
            b"-ERR wrong number of arguments for 'client|id' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT INFO x",
            b"-ERR wrong number of arguments for 'client|info' command\r\n",
            None,
        ),
        Step::Cmd("CLIENT LIST x", b"-ERR syntax error\r\n", None),
        Step::Cmd("CLIENT LIST TYPE", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "CLIENT LIST TYPE foo",
            b"-ERR Unknown client type 'foo'\r\n",
            None,
        ),
        Step::Cmd("CLIENT LIST ID", b"-ERR syntax error\r\n", None),
        Step::Cmd("CLIENT LIST ID x", b"-ERR Invalid client ID\r\n", None),
        Step::Cmd(
            "CLIENT LIST TYPE normal ID 5",
            b"-ERR syntax error\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT KILL",
            b"-ERR wrong number of arguments for 'client|kill' command\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT KILL ID x",
            b"-ERR client-id should be greater than 0\r\n",
            None,
        ),
        Step::Cmd(
            "CLIENT KILL ID 0",
            b"-ERR client-id should be greater than 0\r\n",
            None,
        ),
        Step::Cmd("CLIENT KILL FOO bar", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "CLIENT KILL TYPE foo",
            b"-ERR Unknown client type 'foo'\r\n",
            None,
        ),
        Step::Cmd("CLIENT KILL SKIPME maybe", b"-ERR syntax error\r\n", None),
        Step::Cmd("CLIENT KILL ID 5 SKIPME", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "MULTI x",
            b"-ERR wrong number of arguments for 'multi' command\r\n",
            None,
        ),
        Step::Cmd(
            "EXEC x",
            b"-EXECABORT Transaction discarded because of: wrong number of arguments for \
              'exec' command\r\n",
            None,
        ),
        Step::Cmd(
            "DISCARD x",
            b"-ERR wrong number of arguments for 'discard' command\r\n",
            None,
        ),
        Step::Cmd(
            "WATCH",
            b"-ERR wrong number of arguments for 'watch' command\r\n",
            None,
        ),
        Step::Cmd(
            "UNWATCH x",
            b"-ERR wrong number of arguments for 'unwatch' command\r\n",
            None,
        ),
        Step::Cmd(
            "TYPE",
            b"-ERR wrong number of arguments for 'type' command\r\n",
            None,
        ),
        Step::Cmd(
            "TYPE a b",
            b"-ERR wrong number of arguments for 'type' command\r\n",
            None,
        ),
        Step::Cmd(
            "RENAME a",
            b"-ERR wrong number of arguments for 'rename' command\r\n",
            None,
        ),
        Step::Cmd(
            "RENAME a b c",
            b"-ERR wrong number of arguments for 'rename' command\r\n",
            None,
        ),
        Step::Cmd(
            "SCAN",
            b"-ERR wrong number of arguments for 'scan' command\r\n",
            None,
        ),
        Step::Cmd("SCAN x", b"-ERR invalid cursor\r\n", None),
        Step::Args(&[b"SCAN", b"\x201"], b"-ERR invalid cursor\r\n", None),
        Step::Cmd("SCAN 0 COUNT 0", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "SCAN 0 COUNT x",
            b"-ERR value is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd("SCAN 0 MATCH", b"-ERR syntax error\r\n", None),
        Step::Cmd("SCAN 0 FOO x", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "SCAN 18446744073709551616",
            b"-ERR invalid cursor\r\n",
            None,
        ),
        Step::Cmd(
            "DBSIZE x",
            b"-ERR wrong number of arguments for 'dbsize' command\r\n",
            None,
        ),
        Step::Cmd("FLUSHDB x", b"-ERR syntax error\r\n", None),
        Step::Cmd("FLUSHDB a b", b"-ERR syntax error\r\n", None),
        Step::Cmd("FLUSHALL SYNC x", b"-ERR syntax error\r\n", None),
        Step::Cmd("FLUSHALL foo", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "FUNCTION",
            b"-ERR wrong number of arguments for 'function' command\r\n",
            None,
        ),
        Step::Cmd(
            "FUNCTION FLUSH x",
            b"-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n",
            None,
        ),
        Step::Cmd(
            "FUNCTION FLUSH a b",
            b"-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCT\
              ION HELP.\r\n",
            None,
        ),
        Step::Cmd(
            "CONFIG",
            b"-ERR wrong number of arguments for 'config' command\r\n",
            None,
        ),
        Step::Cmd(
            "CONFIG GET",
            b"-ERR wrong number of arguments for 'config|get' command\r\n",
            None,
        ),
        Step::Cmd(
            "CONFIG SET a",
            b"-ERR wrong number of arguments for 'config|set' command\r\n",
            None,
        ),
        Step::Cmd("CONFIG SET a b c", b"-ERR syntax error\r\n", None),
        Step::Cmd(
            "COMMAND COUNT x",
            b"-ERR wrong number of arguments for 'command|count' command\r\n",
            None,
        ),
        Step::Cmd(
            "TIME x",
            b"-ERR wrong number of arguments for 'time' command\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO 4",
            b"-NOPROTO unsupported protocol version\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO 1",
            b"-NOPROTO unsupported protocol version\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO x",
            b"-ERR Protocol version is not an integer or out of range\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO 3 AUTH a",
            b"-ERR Syntax error in HELLO option 'AUTH'\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO 2 SETNAME",
            b"-ERR Syntax error in HELLO option 'SETNAME'\r\n",
            None,
        ),
        Step::Args(
            &[b"HELLO", b"3", b"SETNAME", b"a b"],
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
            None,
        ),
        Step::Args(
            &[b"HELLO", b"2", b"x\r"],
            b"-ERR Syntax error in HELLO option 'x '\r\n",
            None,
        ),
        Step::Cmd(
            "HELLO 2 FOO",
            b"-ERR Syntax error in HELLO option 'FOO'\r\n",
            None,
        ),
        Step::Cmd("PING", b"+PONG\r\n", None),
        Step::Cmd("PING hi", b"$2\r\nhi\r\n", None),
        Step::Cmd("ECHO hello", b"$5\r\nhello\r\n", None),
    ],
};
