//! `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
//! [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`
//!
//! Ids run until the first argument that is not a strict id; options follow. Of IDLE and TIME
//! the last one given wins, so only that one is passed on. Redis turns a negative min-idle
//! into 0, a negative IDLE or TIME into "now", and ignores a negative RETRYCOUNT.

use conquiet_core::{Claim, Command};

use super::engine;
use crate::args::{int_or, is_word, non_negative, strict_id};
use crate::error::{ParseError, shown_all};
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xclaim",
    arity: -6,
    parse,
};

/// The new delivery time, as the last of IDLE / TIME set it.
enum Delivery {
    Now,
    Idle(u64),
    At(u64),
}

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let idle_min = int_or(&args[4], ParseError::MinIdle("XCLAIM"))?;
    let mut ids = Vec::new();
    let mut j = 5;
    while let Some(id) = args.get(j).and_then(|arg| strict_id(arg).ok()) {
        ids.push(id);
        j += 1;
    }
    let mut delivery = Delivery::Now;
    let (mut retry_count, mut force, mut just_id, mut last_id) = (None, false, false, None);
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j];
        if is_word(opt, "force") {
            force = true;
        } else if is_word(opt, "justid") {
            just_id = true;
        } else if is_word(opt, "idle") && more > 0 {
            j += 1;
            let idle = int_or(&args[j], ParseError::ClaimArgument("IDLE"))?;
            // A negative idle time puts the delivery in the future, which Redis clamps to now.
            delivery = Delivery::Idle(non_negative(idle.max(0)));
        } else if is_word(opt, "time") && more > 0 {
            j += 1;
            let time = int_or(&args[j], ParseError::ClaimArgument("TIME"))?;
            delivery = if time < 0 {
                Delivery::Now
            } else {
                Delivery::At(non_negative(time))
            };
        } else if is_word(opt, "retrycount") && more > 0 {
            j += 1;
            let count = int_or(&args[j], ParseError::ClaimArgument("RETRYCOUNT"))?;
            retry_count = (count >= 0).then(|| non_negative(count));
        } else if is_word(opt, "lastid") && more > 0 {
            j += 1;
            last_id = Some(strict_id(&args[j])?);
        } else {
            return Err(ParseError::ClaimOption(shown_all(opt)));
        }
        j += 1;
    }
    let (idle_ms, time_ms) = match delivery {
        Delivery::Now => (None, None),
        Delivery::Idle(ms) => (Some(ms), None),
        Delivery::At(ms) => (None, Some(ms)),
    };
    engine(Command::Claim(Claim {
        key: args[1].clone(),
        group: args[2].clone(),
        consumer: args[3].clone(),
        idle_min_ms: non_negative(idle_min.max(0)),
        ids,
        idle_ms,
        time_ms,
        retry_count,
        force,
        just_id,
        last_id,
    }))
}
