//! `CQ.REPLY service correlation [ERROR] field value [field value ...]`
//!
//! Hands a reply to the caller of CQ.REQUEST waiting under `correlation` (the request entry's
//! id, its `cq-correlation` field) for `service`; with ERROR the reply's status is `error`.
//! Answers `{delivered: 1}`, or `{delivered: 0}` when nobody waits for it any more (timed
//! out, gone, unknown): the reply is then dropped and counted.

use conquiet_core::request::{ReplyStatus, ReplyTo};
use conquiet_core::{Command, StreamId};

use super::cq_args::keyword;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.reply",
    arity: -5,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let correlation = StreamId::parse(&args[2], 0).ok_or(ParseError::InvalidId)?;
    let (status, pairs) = match keyword(&args[3]).as_slice() {
        // Told apart by parity: ERROR then pairs is an even count of arguments; a first
        // field named `error` of an ok reply makes it odd.
        b"error" if args.len().is_multiple_of(2) => (ReplyStatus::Error, &args[4..]),
        _ => (ReplyStatus::Ok, &args[3..]),
    };
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command: "cq.reply",
            pairs: "field value",
        });
    }
    let fields = pairs
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    super::engine(Command::Reply(ReplyTo {
        service: args[1].clone(),
        correlation,
        status,
        fields,
    }))
}
