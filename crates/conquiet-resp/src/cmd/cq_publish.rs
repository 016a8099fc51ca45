//! `CQ.PUBLISH key [KEY idempotency-key] [DELAY ms | AT unix-ms] field value [field value ...]`
//!
//! Options come first, in any order; the first argument that is not an option starts the
//! field/value pairs (so a first field named like an option must follow another pair). DELAY
//! holds the entry back for `ms` after the publish, AT until a time in ms since the Unix
//! epoch; they cannot be combined. The id is always automatic. Replies `[id, duplicate]`.

use conquiet_core::Command;
use conquiet_core::queue::{Delay, Publish};

use super::cq_args::Cursor;
use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.publish",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let mut cursor = Cursor::new(args, 2);
    let mut dedup_key = None;
    let mut after_ms = None;
    let mut at_ms = None;
    loop {
        match cursor.peek_keyword().as_slice() {
            b"key" => {
                cursor.skip(1);
                dedup_key = Some(cursor.value("KEY")?.to_vec());
            }
            b"delay" => {
                cursor.skip(1);
                after_ms = Some(cursor.number("DELAY")?);
            }
            b"at" => {
                cursor.skip(1);
                at_ms = Some(cursor.number("AT")?);
            }
            _ => break,
        }
    }
    let delay = match (after_ms, at_ms) {
        (Some(_), Some(_)) => return Err(ParseError::DelayAndAt),
        (Some(ms), None) => Delay::AfterMs(ms),
        (None, Some(ms)) => Delay::AtMs(ms),
        (None, None) => Delay::None,
    };
    let pairs = cursor.rest();
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command: "cq.publish",
            pairs: "field value",
        });
    }
    let fields = pairs
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    engine(Command::Publish(Publish {
        key: args[1].clone(),
        fields,
        delay,
        dedup_key,
    }))
}
