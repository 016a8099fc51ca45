//! `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]`
//! `XGROUP SETID key group id|$ [ENTRIESREAD entries-read]`
//! `XGROUP DESTROY key group`
//! `XGROUP CREATECONSUMER key group consumer`
//! `XGROUP DELCONSUMER key group consumer`
//! `XGROUP HELP`
//!
//! CREATE takes a strict id; SETID also accepts `-` and `+`. ENTRIESREAD -1 means "unknown",
//! the same as leaving it out. Options that do not fit get Redis's "unknown subcommand or
//! wrong number of arguments" text.

use conquiet_core::{Command, GroupStart};

use super::engine;
use crate::args::{Bounds, c_str, id, int, is_word, non_negative, strict_id};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand, subcommand_syntax};

pub(crate) const SPEC: Spec = Spec {
    name: "xgroup",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "xgroup|create",
        arity: -5,
        parse: create,
    },
    Spec {
        name: "xgroup|setid",
        arity: -5,
        parse: set_id,
    },
    Spec {
        name: "xgroup|destroy",
        arity: 4,
        parse: destroy,
    },
    Spec {
        name: "xgroup|createconsumer",
        arity: 5,
        parse: create_consumer,
    },
    Spec {
        name: "xgroup|delconsumer",
        arity: 5,
        parse: delete_consumer,
    },
    Spec {
        name: "xgroup|help",
        arity: 2,
        parse: help,
    },
];

/// Redis 7.0's XGROUP HELP, line for line.
pub const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "XGROUP", SUBCOMMANDS)
}

/// CREATE's and SETID's trailing options, read before anything else as in Redis.
struct GroupOptions {
    make_stream: bool,
    entries_read: Option<u64>,
}

fn group_options(args: &[Vec<u8>], create: bool) -> Result<GroupOptions, ParseError> {
    let mut options = GroupOptions {
        make_stream: false,
        entries_read: None,
    };
    let mut i = 5;
    while i < args.len() {
        if create && is_word(&args[i], "mkstream") {
            options.make_stream = true;
            i += 1;
        } else if is_word(&args[i], "entriesread") && i + 1 < args.len() {
            let n = int(&args[i + 1])?;
            if n < -1 {
                return Err(ParseError::EntriesReadNegative);
            }
            options.entries_read = (n >= 0).then(|| non_negative(n));
            i += 2;
        } else {
            return Err(subcommand_syntax(args, "XGROUP"));
        }
    }
    Ok(options)
}

fn create(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = group_options(args, true)?;
    if args.len() > 8 {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    let start = match c_str(&args[4]) {
        b"$" => GroupStart::Last,
        _ => GroupStart::Id(strict_id(&args[4])?),
    };
    engine(Command::GroupCreate {
        key: args[2].clone(),
        group: args[3].clone(),
        start,
        make_stream: options.make_stream,
        entries_read: options.entries_read,
    })
}

fn set_id(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = group_options(args, false)?;
    if args.len() != 5 && args.len() != 7 {
        return Err(subcommand_syntax(args, "XGROUP"));
    }
    let start = match c_str(&args[4]) {
        b"$" => GroupStart::Last,
        _ => GroupStart::Id(id(&args[4], 0, Bounds::Allowed)?),
    };
    engine(Command::GroupSetId {
        key: args[2].clone(),
        group: args[3].clone(),
        start,
        entries_read: options.entries_read,
    })
}

fn destroy(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::GroupDestroy {
        key: args[2].clone(),
        group: args[3].clone(),
    })
}

fn create_consumer(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::ConsumerCreate {
        key: args[2].clone(),
        group: args[3].clone(),
        consumer: args[4].clone(),
    })
}

fn delete_consumer(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::ConsumerDelete {
        key: args[2].clone(),
        group: args[3].clone(),
        consumer: args[4].clone(),
    })
}

fn help(_: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    Ok(Parsed::Help(XGROUP_HELP.to_vec()))
}
