//! `CQ.SEND TO n recipient [recipient ...] field value [field value ...]`
//!
//! Publishes the message to each recipient's queue (1 to 256 recipients, each an existing
//! queue, none twice) in one op: all get their copy or none does. A recipient that does not
//! exist is `NOQUEUE no such queue '<name>' to send to`; one that would refuse a publish
//! (`FULL`) refuses the whole send. Answers `{recipient: id, ...}` in the order named. The
//! limits are the engine's.

use conquiet_core::Command;
use conquiet_core::send::Send;

use super::cq_args::{keyword, number};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.send",
    arity: -6,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    if keyword(&args[1]) != b"to" {
        return Err(ParseError::Required {
            command: "CQ.SEND",
            option: "TO n recipient ...",
        });
    }
    let n = number(&args[2], "TO")?;
    let rest = &args[3..];
    // Checked against what was sent before it sizes anything; at least one pair follows.
    let n = usize::try_from(n)
        .ok()
        .filter(|n| *n < rest.len())
        .ok_or(ParseError::Syntax)?;
    let (recipients, pairs) = rest.split_at(n);
    if pairs.len() % 2 == 1 {
        return Err(ParseError::Unpaired {
            command: "cq.send",
            pairs: "field value",
        });
    }
    let fields = pairs
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    super::engine(Command::Send(Send {
        recipients: recipients.to_vec(),
        fields,
    }))
}
