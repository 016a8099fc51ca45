//! `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`
//!
//! Also home of the trimming options XADD shares (Redis's `streamParseAddOrTrimArgsOrReply`):
//! MAXLEN and MINID exclude each other, LIMIT needs `~`, and an approximate trim without
//! LIMIT gets the engine's default work limit (`TRIM_LIMIT_DEFAULT`).

use conquiet_core::{Command, IdSpec, TRIM_LIMIT_DEFAULT, Trim, TrimTo};

use super::engine;
use crate::args::{add_id, c_str, int, is_word, non_negative, strict_id};
use crate::error::ParseError;
use crate::parse::{Parsed, Spec};

pub(crate) const SPEC: Spec = Spec {
    name: "xtrim",
    arity: -4,
    parse,
};

fn parse(args: &[Vec<u8>]) -> Result<Parsed, ParseError> {
    let parsed = trim_args(args, false)?;
    let trim = parsed.trim.ok_or(ParseError::TrimWithoutStrategy)?;
    engine(Command::Trim {
        key: args[1].clone(),
        trim,
    })
}

/// What the shared option loop found.
pub(super) struct TrimArgs {
    pub trim: Option<Trim>,
    /// XADD's NOMKSTREAM.
    pub no_create: bool,
    /// XADD: where the id is (`args.len()` when the options ran to the end).
    pub id_at: usize,
    /// XADD: the id, when one was found.
    pub id: Option<IdSpec>,
}

/// Reads options from `args[2]` on. For XADD (`xadd`) the first non-option is the id, and the
/// id's own parse errors come before any check of the options as a whole.
pub(super) fn trim_args(args: &[Vec<u8>], xadd: bool) -> Result<TrimArgs, ParseError> {
    let mut to: Option<TrimTo> = None;
    let mut approx = false;
    let mut limit: Option<u64> = None;
    let mut no_create = false;
    let mut id = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        if xadd && c_str(opt) == b"*" {
            id = Some(IdSpec::Auto);
            break;
        } else if (is_word(opt, "maxlen") || is_word(opt, "minid")) && more > 0 {
            if to.is_some() {
                return Err(ParseError::TrimStrategyTwice);
            }
            approx = false;
            let operator = c_str(&args[i + 1]);
            if more >= 2 && (operator == b"~" || operator == b"=") {
                approx = operator == b"~";
                i += 1;
            }
            let threshold = &args[i + 1];
            to = Some(if is_word(opt, "maxlen") {
                let max_len = int(threshold)?;
                if max_len < 0 {
                    return Err(ParseError::MaxLenNegative);
                }
                TrimTo::MaxLen(non_negative(max_len))
            } else {
                TrimTo::MinId(strict_id(threshold)?)
            });
            i += 1;
        } else if is_word(opt, "limit") && more > 0 {
            let n = int(&args[i + 1])?;
            if n < 0 {
                return Err(ParseError::LimitNegative);
            }
            limit = Some(non_negative(n));
            i += 1;
        } else if xadd && is_word(opt, "nomkstream") {
            no_create = true;
        } else if xadd {
            id = Some(add_id(opt)?);
            break;
        } else {
            return Err(ParseError::Syntax);
        }
        i += 1;
    }
    // Redis's order: a non-zero LIMIT without a strategy, a missing strategy (XTRIM), then
    // LIMIT (even 0) without `~`.
    if limit.unwrap_or(0) != 0 && to.is_none() {
        return Err(ParseError::LimitWithoutStrategy);
    }
    if !xadd && to.is_none() {
        return Err(ParseError::TrimWithoutStrategy);
    }
    if limit.is_some() && !approx {
        return Err(ParseError::LimitWithoutApprox);
    }
    let limit = match (limit, approx) {
        (Some(n), _) => n,
        (None, true) => TRIM_LIMIT_DEFAULT,
        (None, false) => 0,
    };
    Ok(TrimArgs {
        trim: to.map(|to| Trim { to, approx, limit }),
        no_create,
        id_at: i,
        id,
    })
}
