//! `SELECT index`
//!
//! Any int is accepted here; whether that database exists ("DB index is out of range") is the
//! server's answer.

use super::conn;
use crate::args::int;
use crate::conn::ConnCommand;
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "select",
    arity: 2,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let db = i32::try_from(int(&args[1])?).map_err(|_| ParseError::OutOfRange {
        min: i32::MIN.into(),
        max: i32::MAX.into(),
    })?;
    conn(ConnCommand::Select { db })
}
