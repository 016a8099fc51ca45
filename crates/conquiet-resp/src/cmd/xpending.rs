//! `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`
//!
//! Two arguments after the key give the summary; the extended form takes 6 to 9 arguments in
//! all. As in Redis, without IDLE a 7th and 8th argument after the consumer are ignored. A
//! negative count is 0; a negative IDLE filters nothing.

use conquiet_core::{Command, PendingRange};

use super::engine;
use crate::args::{int, is_word, non_negative, range_end, range_start};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xpending",
    arity: -3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let range = match args.len() {
        3 => None,
        6..=9 => Some(extended(args)?),
        _ => return Err(ParseError::Syntax),
    };
    engine(Command::Pending {
        key: args[1].clone(),
        group: args[2].clone(),
        range,
    })
}

/// Redis's order: IDLE, count, start, end.
fn extended(args: &[Vec<u8>]) -> Result<PendingRange, ParseError> {
    let mut at = 3;
    let mut idle_min_ms = None;
    if is_word(&args[3], "idle") {
        idle_min_ms = Some(non_negative(int(&args[4])?.max(0)));
        if args.len() < 8 {
            return Err(ParseError::Syntax);
        }
        at += 2;
    }
    let count = non_negative(int(&args[at + 2])?.max(0));
    let start = range_start(&args[at])?;
    let end = range_end(&args[at + 1])?;
    Ok(PendingRange {
        idle_min_ms,
        start,
        end,
        count,
        consumer: args.get(at + 3).cloned(),
    })
}
