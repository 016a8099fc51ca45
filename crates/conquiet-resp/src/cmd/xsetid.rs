//! `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`
//!
//! MAXDELETEDID larger than last-id is refused as soon as it is read, as in Redis.

use conquiet_core::Command;

use super::engine;
use crate::args::{int, is_word, non_negative, strict_id};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xsetid",
    arity: -3,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let last_id = strict_id(&args[2])?;
    let mut entries_added = None;
    let mut max_deleted_id = None;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if is_word(&args[i], "entriesadded") && more > 0 {
            let n = int(&args[i + 1])?;
            if n < 0 {
                return Err(ParseError::EntriesAddedNegative);
            }
            entries_added = Some(non_negative(n));
        } else if is_word(&args[i], "maxdeletedid") && more > 0 {
            let id = strict_id(&args[i + 1])?;
            if last_id < id {
                return Err(ParseError::SetIdMaxDeleted);
            }
            max_deleted_id = Some(id);
        } else {
            return Err(ParseError::Syntax);
        }
        i += 2;
    }
    engine(Command::SetId {
        key: args[1].clone(),
        last_id,
        entries_added,
        max_deleted_id,
    })
}
