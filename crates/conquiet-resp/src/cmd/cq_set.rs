//! `CQ.SET key [GROUP group] policy-option [policy-option ...]`
//!
//! Changes the policy of an existing stream and of a group (options as in `cq_policy`; options
//! not given keep their values). Replies OK. At least one option is required. Group options
//! without GROUP apply to the `default` group CQ.CREATE makes, as HTTP's PATCH does; with
//! only stream options and no GROUP, no group is touched.

use conquiet_core::Command;

use super::cq_policy::{GROUP_DEFAULT, policy_args};
use super::engine;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.set",
    arity: -3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let options = policy_args(args, 2, "cq.set")?;
    if options.stream_policy.is_empty() && options.group_policy.is_empty() {
        return Err(ParseError::NoPolicyOption);
    }
    let group = match options.group {
        None if !options.group_policy.is_empty() => Some(GROUP_DEFAULT.to_vec()),
        group => group,
    };
    engine(Command::QueueConfigure {
        key: args[1].clone(),
        group,
        stream_policy: options.stream_policy,
        group_policy: options.group_policy,
    })
}
