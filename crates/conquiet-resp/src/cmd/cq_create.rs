//! `CQ.CREATE key [GROUP group] [policy options]`
//!
//! Creates the stream (empty if new) and the group (`default` unless GROUP names one) reading
//! from the start, with the options (see `cq_policy`) applied over the engine's defaults.
//! Replies OK; an existing group is a BUSYGROUP error from the engine.

use conquiet_core::Command;

use super::cq_policy::{GROUP_DEFAULT, policy_args};
use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.create",
    arity: -2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = policy_args(args, 2, "cq.create")?;
    engine(Command::QueueCreate {
        key: args[1].clone(),
        group: options.group.unwrap_or_else(|| GROUP_DEFAULT.to_vec()),
        stream_policy: options.stream_policy,
        group_policy: options.group_policy,
    })
}
