//! `XREVRANGE key end start [COUNT count]`
//!
//! XRANGE with the bounds given high first; `end` accepts `+` and `(id`, `start` `-` and
//! `(id`. The command carries the high bound as `start`, in the command's own order.

use super::xrange::range;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xrevrange",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    range(args, true)
}
