//! The policy options CQ.CREATE and CQ.SET share, in any order (a repeated option: the last
//! one wins):
//!
//! | option                                   | sets                                   |
//! |------------------------------------------|----------------------------------------|
//! | `GROUP g`                                | the group the group options apply to   |
//! | `MAXLEN n`, `MAXBYTES n`                 | stream `entries_max`, `bytes_max`      |
//! | `OVERFLOW reject\|drop-oldest`           | stream `overflow`                      |
//! | `DEDUP-WINDOW ms`                        | stream `dedup_window_ms`               |
//! | `RETENTION limits\|workqueue`            | stream `retention`                     |
//! | `LEASE ms`, `MAX-DELIVERIES n`           | group `lease_ms`, `deliveries_max`     |
//! | `BACKOFF NONE`                           | group `backoff`: none                  |
//! | `BACKOFF EXP base-ms factor max-ms jitter-percent [SEED n]` | exponential (seed 0 when absent) |
//! | `BACKOFF LIST n d1 ... dn`               | explicit delays                        |
//! | `DLQ name`, `DLQ DEFAULT`                | group `dead_letter` (`DEFAULT`: `<stream>:dlq`) |
//! | `MAX-PENDING n`, `MAX-PENDING-PER-CONSUMER n` | group pending limits              |
//!
//! Only syntax is checked here; whether a value is allowed (a lease within `LEASE_MS_MAX`, a
//! jitter up to 100, a non-empty backoff list) is the engine's `InvalidPolicy`.

use conquiet_core::queue::{Backoff, GroupPolicyPatch, Overflow, Retention, StreamPolicyPatch};

use super::cq_args::{Cursor, keyword, number, shown_value};
use crate::error::ParseError;

/// The group CQ.CREATE makes, and CQ.SET's group options change, when GROUP is not given.
/// The HTTP API's `GROUP_DEFAULT` is the same name.
pub(super) const GROUP_DEFAULT: &[u8] = b"default";

/// What the options asked for.
#[derive(Default)]
pub(super) struct PolicyArgs {
    pub group: Option<Vec<u8>>,
    pub stream_policy: StreamPolicyPatch,
    pub group_policy: GroupPolicyPatch,
}

/// Reads policy options from `args[at..]` to the end; `command` names it in errors.
pub(super) fn policy_args(
    args: &[Vec<u8>],
    at: usize,
    command: &'static str,
) -> Result<PolicyArgs, ParseError> {
    let mut out = PolicyArgs::default();
    let mut cursor = Cursor::new(args, at);
    while let Some(arg) = cursor.next() {
        let stream = &mut out.stream_policy;
        let group = &mut out.group_policy;
        match keyword(arg).as_slice() {
            b"group" => out.group = Some(cursor.value("GROUP")?.to_vec()),
            b"maxlen" => stream.entries_max = Some(cursor.number("MAXLEN")?),
            b"maxbytes" => stream.bytes_max = Some(cursor.number("MAXBYTES")?),
            b"overflow" => stream.overflow = Some(overflow(cursor.value("OVERFLOW")?)?),
            b"dedup-window" => stream.dedup_window_ms = Some(cursor.number("DEDUP-WINDOW")?),
            b"retention" => stream.retention = Some(retention(cursor.value("RETENTION")?)?),
            b"lease" => group.lease_ms = Some(cursor.number("LEASE")?),
            b"max-deliveries" => group.deliveries_max = Some(cursor.number("MAX-DELIVERIES")?),
            b"backoff" => group.backoff = Some(backoff(&mut cursor)?),
            b"dlq" => group.dead_letter = Some(dead_letter(cursor.value("DLQ")?)),
            b"max-pending" => group.pending_max = Some(cursor.number("MAX-PENDING")?),
            b"max-pending-per-consumer" => {
                group.pending_per_consumer_max = Some(cursor.number("MAX-PENDING-PER-CONSUMER")?);
            }
            _ => {
                return Err(ParseError::UnknownOption {
                    command,
                    option: shown_value(arg),
                });
            }
        }
    }
    Ok(out)
}

fn overflow(arg: &[u8]) -> Result<Overflow, ParseError> {
    match keyword(arg).as_slice() {
        b"reject" => Ok(Overflow::Reject),
        b"drop-oldest" => Ok(Overflow::DropOldest),
        _ => Err(ParseError::BadChoice {
            option: "OVERFLOW",
            expected: "reject or drop-oldest",
            value: shown_value(arg),
        }),
    }
}

fn retention(arg: &[u8]) -> Result<Retention, ParseError> {
    match keyword(arg).as_slice() {
        b"limits" => Ok(Retention::Limits),
        b"workqueue" => Ok(Retention::WorkQueue),
        _ => Err(ParseError::BadChoice {
            option: "RETENTION",
            expected: "limits or workqueue",
            value: shown_value(arg),
        }),
    }
}

/// `DLQ DEFAULT` goes back to `<stream>:dlq` (so a dead-letter stream named `default` cannot
/// be chosen here; HTTP can).
fn dead_letter(arg: &[u8]) -> Option<Vec<u8>> {
    match keyword(arg).as_slice() {
        b"default" => None,
        _ => Some(arg.to_vec()),
    }
}

/// BACKOFF's kind and its values; the cursor is just past `BACKOFF`.
fn backoff(cursor: &mut Cursor<'_>) -> Result<Backoff, ParseError> {
    let kind = cursor.value("BACKOFF")?;
    match keyword(kind).as_slice() {
        b"none" => Ok(Backoff::None),
        b"exp" => exponential(cursor),
        b"list" => list(cursor),
        _ => Err(ParseError::BadChoice {
            option: "BACKOFF",
            expected: "NONE, EXP or LIST",
            value: shown_value(kind),
        }),
    }
}

/// `base-ms factor max-ms jitter-percent [SEED n]`.
fn exponential(cursor: &mut Cursor<'_>) -> Result<Backoff, ParseError> {
    if cursor.rest().len() < 4 {
        return Err(ParseError::MissingValue {
            option: "BACKOFF EXP",
            needs: "base-ms factor max-ms jitter-percent",
        });
    }
    let base_ms = cursor.number("BACKOFF EXP base-ms")?;
    let factor_milli = factor_milli(cursor.value("BACKOFF EXP factor")?)?;
    let max_ms = cursor.number("BACKOFF EXP max-ms")?;
    let jitter_percent = cursor.number("BACKOFF EXP jitter-percent")?;
    let seed = if cursor.peek_keyword() == b"seed" {
        cursor.skip(1);
        cursor.number("SEED")?
    } else {
        0
    };
    Ok(Backoff::Exponential {
        base_ms,
        factor_milli,
        max_ms,
        jitter_percent,
        seed,
    })
}

/// `n d1 ... dn`. `n` is a peer's number, so it is checked against the arguments present
/// before anything is read or allocated for it.
fn list(cursor: &mut Cursor<'_>) -> Result<Backoff, ParseError> {
    let announced = cursor.number("BACKOFF LIST")?;
    let given = cursor.rest().len();
    let count = usize::try_from(announced)
        .ok()
        .filter(|&n| n <= given)
        .ok_or(ParseError::BackoffListShort { announced, given })?;
    let delays = cursor.rest()[..count]
        .iter()
        .map(|d| number(d, "BACKOFF LIST delay"))
        .collect::<Result<_, _>>()?;
    cursor.skip(count);
    Ok(Backoff::List(delays))
}

/// Decimal places a factor may have: the engine keeps it in thousandths.
const FACTOR_DECIMALS_MAX: usize = 3;

/// A factor like `2`, `1.5` or `1.125` in thousandths, exactly: digits, then optionally a dot
/// and 1 to 3 digits.
fn factor_milli(arg: &[u8]) -> Result<u64, ParseError> {
    let refused = || ParseError::BackoffFactor(shown_value(arg));
    let (whole, fraction) = match arg.iter().position(|&b| b == b'.') {
        Some(dot) => (&arg[..dot], &arg[dot + 1..]),
        None => (arg, &b""[..]),
    };
    let dotted = whole.len() < arg.len();
    let digits = |part: &[u8]| !part.is_empty() && part.iter().all(u8::is_ascii_digit);
    if !digits(whole) || (dotted && !digits(fraction)) || fraction.len() > FACTOR_DECIMALS_MAX {
        return Err(refused());
    }
    let whole = number(whole, "BACKOFF EXP factor").map_err(|_| refused())?;
    let mut thousandths: u64 = 0;
    for place in 0..FACTOR_DECIMALS_MAX {
        let digit = fraction.get(place).map_or(0, |&b| u64::from(b - b'0'));
        thousandths = thousandths * 10 + digit;
    }
    whole
        .checked_mul(1000)
        .and_then(|w| w.checked_add(thousandths))
        .ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors_become_exact_thousandths() {
        assert_eq!(factor_milli(b"2"), Ok(2000));
        assert_eq!(factor_milli(b"1.5"), Ok(1500));
        assert_eq!(factor_milli(b"1.05"), Ok(1050));
        assert_eq!(factor_milli(b"1.125"), Ok(1125));
        assert_eq!(factor_milli(b"0.001"), Ok(1));
        assert_eq!(
            factor_milli(b"18446744073709551"),
            Ok(18_446_744_073_709_551_000)
        );
        for bad in [
            &b""[..],
            b".",
            b"2.",
            b".5",
            b"1.2345",
            b"-1",
            b"1e3",
            b"1.5.0",
            b"1,5",
            b"18446744073709552",
        ] {
            assert!(factor_milli(bad).is_err(), "{bad:?}");
        }
    }
}
