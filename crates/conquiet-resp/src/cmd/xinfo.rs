//! `XINFO STREAM key [FULL [COUNT count]]`
//! `XINFO GROUPS key`
//! `XINFO CONSUMERS key group`
//! `XINFO HELP`
//!
//! FULL shows 10 entries (and pending entries per group and consumer) unless COUNT says
//! otherwise; COUNT 0 shows all, a negative COUNT means the default. Redis looks the key up
//! before reading STREAM's options; here the options are checked first.

use conquiet_core::Command;

use super::engine;
use crate::args::{int, is_word, non_negative};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand, subcommand_syntax};

pub(crate) const SPEC: Spec = Spec {
    name: "xinfo",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "xinfo|stream",
        arity: -3,
        parse: stream,
    },
    Spec {
        name: "xinfo|groups",
        arity: 3,
        parse: groups,
    },
    Spec {
        name: "xinfo|consumers",
        arity: 4,
        parse: consumers,
    },
    Spec {
        name: "xinfo|help",
        arity: 2,
        parse: help,
    },
];

/// Redis 7.0's XINFO HELP, line for line.
pub const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

/// Redis's default for FULL: enough to look at, little enough not to stall the server.
const FULL_COUNT_DEFAULT: u64 = 10;

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "XINFO", SUBCOMMANDS)
}

fn stream(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let full = match &args[3..] {
        [] => None,
        [full] if is_word(full, "full") => Some(FULL_COUNT_DEFAULT),
        [full, count, n] if is_word(full, "full") && is_word(count, "count") => {
            let n = int(n)?;
            Some(if n < 0 {
                FULL_COUNT_DEFAULT
            } else {
                non_negative(n)
            })
        }
        _ => return Err(subcommand_syntax(args, "XINFO")),
    };
    engine(Command::InfoStream {
        key: args[2].clone(),
        full,
    })
}

fn groups(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::InfoGroups {
        key: args[2].clone(),
    })
}

fn consumers(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::InfoConsumers {
        key: args[2].clone(),
        group: args[3].clone(),
    })
}

fn help(_: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    Ok(Parsed::Help(XINFO_HELP.to_vec()))
}
