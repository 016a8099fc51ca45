//! `CONFIG GET parameter [parameter ...]`
//! `CONFIG SET parameter value [parameter value ...]`
//!
//! Which parameters exist, and duplicates in one SET, are the server's answer.

use super::conn;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec, subcommand};

pub(crate) const SPEC: Spec = Spec {
    name: "config",
    arity: -2,
    parse,
};

const SUBCOMMANDS: &[Spec] = &[
    Spec {
        name: "config|get",
        arity: -3,
        parse: get,
    },
    Spec {
        name: "config|set",
        arity: -4,
        parse: set,
    },
];

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    subcommand(args, "CONFIG", SUBCOMMANDS)
}

fn get(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    conn(ConnCommand::ConfigGet {
        patterns: args[2..].to_vec(),
    })
}

fn set(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let pairs = &args[2..];
    if pairs.len() % 2 == 1 {
        return Err(ParseError::Syntax);
    }
    conn(ConnCommand::ConfigSet {
        pairs: pairs
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect(),
    })
}
