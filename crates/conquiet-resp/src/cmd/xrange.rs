//! `XRANGE key start end [COUNT count]`
//!
//! `start` is `-`, an id (missing seq: 0) or `(id` (exclusive); `end` is `+`, an id (missing
//! seq: the largest) or `(id`. The engine takes inclusive bounds, so exclusive ones are stepped
//! here, with Redis's errors when there is no id to step to. A negative COUNT is 0, and COUNT
//! 0 answers a null array (see `reply_frame`).

use conquiet_core::Command;

use super::engine;
use crate::args::{int, is_word, non_negative, range_end, range_start};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xrange",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    range(args, false)
}

/// XRANGE and XREVRANGE (`rev`): the low bound is parsed first in both, as in Redis.
pub(super) fn range(args: &[Vec<u8>], rev: bool) -> Result<Parsed, ParseError> {
    let (low_arg, high_arg) = if rev {
        (&args[3], &args[2])
    } else {
        (&args[2], &args[3])
    };
    let low = range_start(low_arg)?;
    let high = range_end(high_arg)?;
    let mut count = None;
    let mut j = 4;
    while j < args.len() {
        if is_word(&args[j], "count") && j + 1 < args.len() {
            count = Some(non_negative(int(&args[j + 1])?.max(0)));
            j += 2;
        } else {
            return Err(ParseError::Syntax);
        }
    }
    let (start, end) = if rev { (high, low) } else { (low, high) };
    engine(Command::Range {
        key: args[1].clone(),
        start,
        end,
        count,
        rev,
    })
}
