//! `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key
//! [key ...] id [id ...]`
//!
//! Ids are `>` (entries never delivered to the group) or strict ids (this consumer's pending
//! entries after the id). Options as XREAD's; GROUP is required.

use conquiet_core::Command;

use super::xread::{group_read_from, read_options};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xreadgroup",
    arity: -7,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = read_options(args, true)?;
    let streams = options
        .streams(args)
        .map(|(key, id)| Ok((key.clone(), group_read_from(id)?)))
        .collect::<Result<_, ParseError>>()?;
    let (group, consumer) = options.group.clone().ok_or(ParseError::MissingGroup)?;
    Ok(Parsed::Engine {
        command: Command::ReadGroup {
            group,
            consumer,
            streams,
            count: options.count,
            no_ack: options.no_ack,
        },
        block: options.block,
    })
}
