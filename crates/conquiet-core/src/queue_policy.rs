//! Checks of policy values, and the backoff arithmetic. Pure functions: the jitter comes from
//! a hash of the policy's seed, the entry id and the delivery count, so replaying the log
//! computes the same redelivery times.

use crate::StreamId;
use crate::error::CommandError;
use crate::limits::*;
use crate::queue::{Backoff, GroupPolicy, StreamPolicy};

/// Largest backoff factor (in thousandths): 1000x per delivery is already absurd.
const FACTOR_MILLI_MAX: u64 = 1_000_000;

fn invalid(text: String) -> Result<(), CommandError> {
    Err(CommandError::InvalidPolicy(text))
}

fn at_most(what: &str, value: u64, limit: u64) -> Result<(), CommandError> {
    if value > limit {
        return invalid(format!("{what} is {value}, limit is {limit}"));
    }
    Ok(())
}

pub(crate) fn check_stream_policy(p: &StreamPolicy) -> Result<(), CommandError> {
    at_most("dedup window ms", p.dedup_window_ms, DEDUP_WINDOW_MS_MAX)
}

pub(crate) fn check_group_policy(stream: &[u8], p: &GroupPolicy) -> Result<(), CommandError> {
    at_most("lease ms", p.lease_ms, LEASE_MS_MAX)?;
    at_most("max pending", p.pending_max, PENDING_PER_GROUP_MAX as u64)?;
    at_most(
        "max pending per consumer",
        p.pending_per_consumer_max,
        PENDING_PER_GROUP_MAX as u64,
    )?;
    if let Some(name) = &p.dead_letter {
        at_most(
            "dead-letter name length",
            name.len() as u64,
            NAME_BYTES_MAX as u64,
        )?;
        if name.is_empty() {
            return invalid("the dead-letter stream name is empty".into());
        }
        if name.as_slice() == stream {
            return invalid("the dead-letter stream cannot be the stream itself".into());
        }
    }
    match &p.backoff {
        Backoff::None => Ok(()),
        Backoff::Exponential {
            base_ms,
            factor_milli,
            max_ms,
            jitter_percent,
            seed: _,
        } => {
            at_most("backoff base ms", *base_ms, DELAY_MS_MAX)?;
            at_most("backoff max ms", *max_ms, DELAY_MS_MAX)?;
            at_most("backoff jitter percent", *jitter_percent, 100)?;
            at_most(
                "backoff factor (thousandths)",
                *factor_milli,
                FACTOR_MILLI_MAX,
            )?;
            if *factor_milli < 1000 {
                return invalid(format!(
                    "backoff factor is {}.{:03}, it must be at least 1",
                    factor_milli / 1000,
                    factor_milli % 1000
                ));
            }
            if max_ms < base_ms {
                return invalid(format!(
                    "backoff max ms {max_ms} is below the base {base_ms}"
                ));
            }
            Ok(())
        }
        Backoff::List(delays) => {
            at_most(
                "backoff steps",
                delays.len() as u64,
                BACKOFF_STEPS_MAX as u64,
            )?;
            if delays.is_empty() {
                return invalid("a backoff list needs at least one delay".into());
            }
            for d in delays {
                at_most("backoff delay ms", *d, DELAY_MS_MAX)?;
            }
            Ok(())
        }
    }
}

/// How long an entry nacked after its `deliveries`-th delivery waits.
pub(crate) fn backoff_ms(backoff: &Backoff, deliveries: u64, id: StreamId) -> u64 {
    match backoff {
        Backoff::None => 0,
        Backoff::List(delays) => {
            let at = usize::try_from(deliveries.saturating_sub(1)).unwrap_or(usize::MAX);
            delays.get(at).or(delays.last()).copied().unwrap_or(0)
        }
        Backoff::Exponential {
            base_ms,
            factor_milli,
            max_ms,
            jitter_percent,
            seed,
        } => {
            let mut delay = u128::from(*base_ms);
            // At most 64 steps: past that any factor above 1.0 has long reached the maximum.
            for _ in 0..deliveries.saturating_sub(1).min(64) {
                if delay >= u128::from(*max_ms) {
                    break;
                }
                delay = delay * u128::from(*factor_milli) / 1000;
            }
            let delay = u64::try_from(delay.min(u128::from(*max_ms))).unwrap_or(*max_ms);
            let draw = mix(*seed ^ mix(id.ms) ^ mix(id.seq.rotate_left(17)) ^ deliveries) % 1001;
            let cut =
                u128::from(delay) * u128::from(*jitter_percent) * u128::from(draw) / (100 * 1000);
            delay - u64::try_from(cut).unwrap_or(delay)
        }
    }
}

/// SplitMix64's finalizer: a well-spread hash of one word.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
