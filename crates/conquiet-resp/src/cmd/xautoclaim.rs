//! `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`
//!
//! `start` is a range start (`-`, an id, or `(id`). COUNT must be 1 to Redis's bound
//! (`LONG_MAX / 16`); the engine applies its own, smaller `AUTOCLAIM_COUNT_MAX`.

use conquiet_core::{AutoClaim, Command};

use super::engine;
use crate::args::{int_or, is_word, non_negative, range_start};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xautoclaim",
    arity: -6,
    parse,
};

/// Redis's default COUNT.
const COUNT_DEFAULT: u64 = 100;

/// Redis's largest COUNT: `LONG_MAX / max(sizeof(streamID), attempts factor 10)`.
const COUNT_MAX: i64 = i64::MAX / 16;

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let idle_min = int_or(&args[4], ParseError::MinIdle("XAUTOCLAIM"))?;
    let start = range_start(&args[5])?;
    let mut count = COUNT_DEFAULT;
    let mut just_id = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if is_word(&args[j], "count") && more > 0 {
            let n = int_or(&args[j + 1], ParseError::CountNotPositive)?;
            if !(1..=COUNT_MAX).contains(&n) {
                return Err(ParseError::CountNotPositive);
            }
            count = non_negative(n);
            j += 1;
        } else if is_word(&args[j], "justid") {
            just_id = true;
        } else {
            return Err(ParseError::Syntax);
        }
        j += 1;
    }
    engine(Command::AutoClaim(AutoClaim {
        key: args[1].clone(),
        group: args[2].clone(),
        consumer: args[3].clone(),
        idle_min_ms: non_negative(idle_min.max(0)),
        start,
        count,
        just_id,
    }))
}
