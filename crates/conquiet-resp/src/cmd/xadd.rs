//! `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
//! [field value ...]`
//!
//! Options come before the id, in any order; the first argument that is not an option is the
//! id. The field count is checked after the options and the id, and the `0-0` check after
//! that, all before the key is looked up, as in Redis.

use conquiet_core::{Command, IdSpec, StreamId};

use super::engine;
use super::xtrim::{TrimArgs, trim_args};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xadd",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let TrimArgs {
        trim,
        no_create,
        id_at,
        id,
    } = trim_args(args, true)?;
    let fields_at = id_at + 1;
    if args.len() < fields_at + 2 || (args.len() - fields_at) % 2 == 1 {
        return Err(ParseError::WrongArity("xadd"));
    }
    let id = id.ok_or(ParseError::WrongArity("xadd"))?;
    if id == IdSpec::Explicit(StreamId::ZERO) {
        return Err(ParseError::IdZero);
    }
    let fields = args[fields_at..]
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    engine(Command::Add {
        key: args[1].clone(),
        id,
        fields,
        no_create,
        trim,
    })
}
