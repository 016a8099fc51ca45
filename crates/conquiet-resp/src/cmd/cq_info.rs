//! `CQ.INFO key`
//!
//! One queue's map (policy, counters, groups); a missing key is the engine's error. The engine
//! answers a list of one, which `queue_reply` sends as the map itself.

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.info",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::QueueInfo {
        key: args[1].clone(),
    })
}
