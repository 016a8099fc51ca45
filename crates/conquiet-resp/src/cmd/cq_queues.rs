//! `CQ.QUEUES`
//!
//! Every stream's queue map, in an array (`CQ.DLQ LIST` shows only dead-letter streams).

use conquiet_core::Command;

use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.queues",
    arity: 1,
    parse,
};

fn parse(_: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    engine(Command::QueueList {
        dead_letters_only: false,
    })
}
