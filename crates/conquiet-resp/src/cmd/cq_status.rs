//! `CQ.STATUS key id [GROUP group]`
//!
//! Where entry `id` is for a group (`default` unless GROUP names one, as CQ.SET reads it): a
//! read, answered with one map (`queue_reply`). The id is strict, as XACK reads it (`5` means
//! `5-0`); a missing key is `ERR no such key` and a missing group NOGROUP, from the engine.

use conquiet_core::Command;

use super::cq_args::{Cursor, keyword, shown_value};
use super::cq_policy::GROUP_DEFAULT;
use super::engine;
use crate::args::strict_id;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "cq.status",
    arity: -3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let id = strict_id(&args[2])?;
    let mut group = GROUP_DEFAULT.to_vec();
    let mut cursor = Cursor::new(args, 3);
    while let Some(arg) = cursor.next() {
        match keyword(arg).as_slice() {
            b"group" => group = cursor.value("GROUP")?.to_vec(),
            _ => {
                return Err(ParseError::UnknownOption {
                    command: "cq.status",
                    option: shown_value(arg),
                });
            }
        }
    }
    engine(Command::QueueStatus {
        key: args[1].clone(),
        group,
        id,
    })
}
