//! `CQ.DLQ LIST`
//! `CQ.DLQ REDRIVE dead-letter [TO stream] [START id] [END id] [COUNT n]`
//! `CQ.DLQ PURGE dead-letter`
//! `CQ.DLQ HELP`
//!
//! LIST shows the dead-letter streams' queue maps. REDRIVE publishes each dead letter in
//! START..=END again (to TO, or to the stream it came from) without its `cq-*` fields and
//! removes it, at most COUNT of them (0, the default: up to the engine's limit); START and END
//! read as XRANGE's bounds (`-`, `+`, `(id`), defaulting to the whole stream. PURGE removes
//! every entry. Both reply with the number of entries moved or removed.

use conquiet_core::queue::Redrive;
use conquiet_core::{Command, StreamId};

use super::cq_args::{Cursor, keyword, shown_value};
use super::engine;
use crate::args::{range_end, range_start};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.dlq",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "cq.dlq|list",
        arity: 2,
        parse: list,
    },
    Spec {
        name: "cq.dlq|redrive",
        arity: -3,
        parse: redrive,
    },
    Spec {
        name: "cq.dlq|purge",
        arity: 3,
        parse: purge,
    },
    Spec {
        name: "cq.dlq|help",
        arity: 2,
        parse: help,
    },
];

/// CQ.DLQ HELP, in the shape of Redis's HELP replies.
pub const CQ_DLQ_HELP: &[&str] = &[
    "CQ.DLQ <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LIST",
    "    Show the queues that hold dead letters.",
    "REDRIVE <dead-letter> [TO <stream>] [START <id>] [END <id>] [COUNT <n>]",
    "    Publish dead letters again, without their cq-* fields, and remove them.",
    "    They go to <stream>, or back to the stream each came from.",
    "PURGE <dead-letter>",
    "    Remove every entry of a dead-letter stream.",
    "HELP",
    "    Prints this help.",
];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "CQ.DLQ", SUBCOMMANDS)
}

fn list(_: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::QueueList {
        dead_letters_only: true,
    })
}

fn redrive(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut redrive = Redrive {
        dead_letter: args[2].clone(),
        to: None,
        start: StreamId::ZERO,
        end: StreamId::MAX,
        count: 0,
    };
    let mut cursor = Cursor::new(args, 3);
    while let Some(arg) = cursor.next() {
        match keyword(arg).as_slice() {
            b"to" => redrive.to = Some(cursor.value("TO")?.to_vec()),
            b"start" => redrive.start = range_start(cursor.value("START")?)?,
            b"end" => redrive.end = range_end(cursor.value("END")?)?,
            b"count" => redrive.count = cursor.number("COUNT")?,
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.dlq|redrive",
                    option: shown_value(arg),
                });
            }
        }
    }
    engine(Command::Redrive(redrive))
}

fn purge(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::Purge {
        key: args[2].clone(),
    })
}

fn help(_: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    Ok(Parsed::Help(CQ_DLQ_HELP.to_vec()))
}
