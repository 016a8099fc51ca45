//! `COMMAND` / `COMMAND COUNT` / `COMMAND INFO [name ...]` / `COMMAND DOCS [name ...]`
//!
//! Client libraries ask these on connect. Other COMMAND subcommands are unknown to conquiet.

use super::conn;
use crate::conn::{CommandQuery, ConnCommand};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand};

pub(crate) const SPEC: Spec = Spec {
    name: "command",
    arity: -1,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "command|count",
        arity: 2,
        parse: |_| conn(ConnCommand::Command(CommandQuery::Count)),
    },
    Spec {
        name: "command|info",
        arity: -2,
        parse: |args| {
            conn(ConnCommand::Command(CommandQuery::Info {
                names: args[2..].to_vec(),
            }))
        },
    },
    Spec {
        name: "command|docs",
        arity: -2,
        parse: |args| {
            conn(ConnCommand::Command(CommandQuery::Docs {
                names: args[2..].to_vec(),
            }))
        },
    },
];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if args.len() == 1 {
        return conn(ConnCommand::Command(CommandQuery::All));
    }
    subcommand(args, "COMMAND", SUBCOMMANDS)
}
