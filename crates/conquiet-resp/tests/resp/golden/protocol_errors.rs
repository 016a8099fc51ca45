//! Requests that end the connection with a protocol error: every byte Redis 7.0.15 sent
//! back before closing. Captured from a live Redis; `differential` re-checks them.

use crate::support::{Script, Step};

pub const PROTOCOL_ERROR_0: Script = Script {
    name: "protocol_error_0",
    steps: &[Step::Raw(
        b"*1\r\nx\r\n",
        b"-ERR Protocol error: expected '$', got 'x'\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_1: Script = Script {
    name: "protocol_error_1",
    steps: &[Step::Raw(
        b"*1\r\n$-1\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_2: Script = Script {
    name: "protocol_error_2",
    steps: &[Step::Raw(
        b"*1\r\n$abc\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_3: Script = Script {
    name: "protocol_error_3",
    steps: &[Step::Raw(
        b"*abc\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_4: Script = Script {
    name: "protocol_error_4",
    steps: &[Step::Raw(
        b"*-0\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_5: Script = Script {
    name: "protocol_error_5",
    steps: &[Step::Raw(
        b"*1\r\n\r\n",
        b"-ERR Protocol error: expected '$', got ' '\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_6: Script = Script {
    name: "protocol_error_6",
    steps: &[Step::Raw(
        b"*1\r$4\r\nPING\r\n",
        b"-ERR Protocol error: expected '$', got '4'\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_7: Script = Script {
    name: "protocol_error_7",
    steps: &[Step::Raw(
        b"PING \"a\r\n",
        b"-ERR Protocol error: unbalanced quotes in request\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_8: Script = Script {
    name: "protocol_error_8",
    steps: &[Step::Raw(
        b"PING 'a\r\n",
        b"-ERR Protocol error: unbalanced quotes in request\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_9: Script = Script {
    name: "protocol_error_9",
    steps: &[Step::Raw(
        b"PING \"a\"b\r\n",
        b"-ERR Protocol error: unbalanced quotes in request\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_10: Script = Script {
    name: "protocol_error_10",
    steps: &[Step::Raw(
        b"*1\r\n$04\r\nPING\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_11: Script = Script {
    name: "protocol_error_11",
    steps: &[Step::Raw(
        b"*2147483648\r\n",
        b"-ERR Protocol error: invalid multibulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_12: Script = Script {
    name: "protocol_error_12",
    steps: &[Step::Raw(
        b"*1\r\n$536870913\r\n",
        b"-ERR Protocol error: invalid bulk length\r\n",
        None,
    )],
};

pub const PROTOCOL_ERROR_13: Script = Script {
    name: "protocol_error_13",
    steps: &[Step::Raw(
        b"PING\r\n*1\r\nx\r\nPING\r\n",
        b"+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n",
        None,
    )],
};

pub const ALL: &[Script] = &[
    PROTOCOL_ERROR_0,
    PROTOCOL_ERROR_1,
    PROTOCOL_ERROR_2,
    PROTOCOL_ERROR_3,
    PROTOCOL_ERROR_4,
    PROTOCOL_ERROR_5,
    PROTOCOL_ERROR_6,
    PROTOCOL_ERROR_7,
    PROTOCOL_ERROR_8,
    PROTOCOL_ERROR_9,
    PROTOCOL_ERROR_10,
    PROTOCOL_ERROR_11,
    PROTOCOL_ERROR_12,
    PROTOCOL_ERROR_13,
];
