//! Policies in JSON, both ways. Output shows a whole policy; input is a patch (fields left out
//! keep their values) with the same field names, so a policy read from `GET` can be sent back
//! as is. Names follow the HTTP API (`max_entries`), not the Rust fields (`entries_max`);
//! this file is the only place the two meet.

use conquiet_core::queue::{
    Backoff, GroupPolicy, GroupPolicyPatch, Overflow, Retention, StreamPolicy, StreamPolicyPatch,
};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::ApiError;

/// Thousandths in a backoff factor: the engine keeps `factor_milli`, JSON shows a number.
const FACTOR_MILLI: f64 = 1000.0;

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OverflowJson {
    Reject,
    DropOldest,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RetentionJson {
    Limits,
    Workqueue,
}

#[derive(Serialize)]
pub struct StreamPolicyOut {
    max_entries: u64,
    max_bytes: u64,
    overflow: OverflowJson,
    dedup_window_ms: u64,
    retention: RetentionJson,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum BackoffJson {
    /// A struct variant, not a unit one: serde lets unknown fields through on an internally
    /// tagged unit variant, and `{"kind":"none","base_ms":1}` is a mistake to report.
    None {},
    Exponential {
        base_ms: u64,
        factor: f64,
        max_ms: u64,
        #[serde(default)]
        jitter_percent: u64,
        #[serde(default)]
        seed: u64,
    },
    List {
        delays_ms: Vec<u64>,
    },
}

#[derive(Serialize)]
pub struct GroupPolicyOut {
    lease_ms: u64,
    max_deliveries: u64,
    backoff: BackoffJson,
    /// The dead-letter stream in force (the default name when the policy names none).
    dead_letter: String,
    max_pending: u64,
    max_pending_per_consumer: u64,
}

/// A stream policy patch as a request sends it.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct StreamPolicyIn {
    max_entries: Option<u64>,
    max_bytes: Option<u64>,
    overflow: Option<OverflowJson>,
    dedup_window_ms: Option<u64>,
    retention: Option<RetentionJson>,
}

/// A group policy patch as a request sends it. `"dead_letter": null` goes back to the
/// default name (`<queue>:dlq`); leaving the field out keeps the current one.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct GroupPolicyIn {
    lease_ms: Option<u64>,
    max_deliveries: Option<u64>,
    backoff: Option<BackoffJson>,
    #[serde(default, deserialize_with = "present")]
    dead_letter: Option<Option<String>>,
    max_pending: Option<u64>,
    max_pending_per_consumer: Option<u64>,
}

/// Tells a field given as `null` (`Some(None)`) from a field left out (`None`, by default).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

pub fn stream_policy_out(policy: &StreamPolicy) -> StreamPolicyOut {
    StreamPolicyOut {
        max_entries: policy.entries_max,
        max_bytes: policy.bytes_max,
        overflow: match policy.overflow {
            Overflow::Reject => OverflowJson::Reject,
            Overflow::DropOldest => OverflowJson::DropOldest,
        },
        dedup_window_ms: policy.dedup_window_ms,
        retention: match policy.retention {
            Retention::Limits => RetentionJson::Limits,
            Retention::WorkQueue => RetentionJson::Workqueue,
        },
    }
}

pub fn group_policy_out(queue: &[u8], policy: &GroupPolicy) -> GroupPolicyOut {
    let dead_letter = match &policy.dead_letter {
        Some(name) => name.clone(),
        None => conquiet_core::queue::dead_letter_name(queue),
    };
    GroupPolicyOut {
        lease_ms: policy.lease_ms,
        max_deliveries: policy.deliveries_max,
        backoff: backoff_out(&policy.backoff),
        dead_letter: String::from_utf8_lossy(&dead_letter).into_owned(),
        max_pending: policy.pending_max,
        max_pending_per_consumer: policy.pending_per_consumer_max,
    }
}

fn backoff_out(backoff: &Backoff) -> BackoffJson {
    match backoff {
        Backoff::None => BackoffJson::None {},
        Backoff::Exponential {
            base_ms,
            factor_milli,
            max_ms,
            jitter_percent,
            seed,
        } => BackoffJson::Exponential {
            base_ms: *base_ms,
            factor: *factor_milli as f64 / FACTOR_MILLI,
            max_ms: *max_ms,
            jitter_percent: *jitter_percent,
            seed: *seed,
        },
        Backoff::List(delays) => BackoffJson::List {
            delays_ms: delays.clone(),
        },
    }
}

impl StreamPolicyIn {
    pub fn into_patch(self) -> StreamPolicyPatch {
        StreamPolicyPatch {
            entries_max: self.max_entries,
            bytes_max: self.max_bytes,
            overflow: self.overflow.map(|o| match o {
                OverflowJson::Reject => Overflow::Reject,
                OverflowJson::DropOldest => Overflow::DropOldest,
            }),
            dedup_window_ms: self.dedup_window_ms,
            retention: self.retention.map(|r| match r {
                RetentionJson::Limits => Retention::Limits,
                RetentionJson::Workqueue => Retention::WorkQueue,
            }),
        }
    }
}

impl GroupPolicyIn {
    /// The patch, or a `bad_request` for a factor that is not a plain non-negative number in
    /// range (the engine judges whether the value can work).
    pub fn into_patch(self) -> Result<GroupPolicyPatch, ApiError> {
        let backoff = self.backoff.map(backoff_in).transpose()?;
        Ok(GroupPolicyPatch {
            lease_ms: self.lease_ms,
            deliveries_max: self.max_deliveries,
            backoff,
            dead_letter: self.dead_letter.map(|d| d.map(String::into_bytes)),
            pending_max: self.max_pending,
            pending_per_consumer_max: self.max_pending_per_consumer,
        })
    }
}

fn backoff_in(backoff: BackoffJson) -> Result<Backoff, ApiError> {
    Ok(match backoff {
        BackoffJson::None {} => Backoff::None,
        BackoffJson::Exponential {
            base_ms,
            factor,
            max_ms,
            jitter_percent,
            seed,
        } => Backoff::Exponential {
            base_ms,
            factor_milli: factor_milli(factor)?,
            max_ms,
            jitter_percent,
            seed,
        },
        BackoffJson::List { delays_ms } => Backoff::List(delays_ms),
    })
}

/// `factor` in thousandths, rounded. Checked before the conversion: a float cast saturates
/// silently, which would turn a huge factor into a different valid one.
fn factor_milli(factor: f64) -> Result<u64, ApiError> {
    // 2^53 thousandths is where f64 stops holding whole numbers exactly.
    let ceiling = (1u64 << 53) as f64 / FACTOR_MILLI;
    if !factor.is_finite() || factor < 0.0 || factor > ceiling {
        return Err(ApiError::bad_request(format!(
            "backoff factor {factor} must be a number from 0 to {ceiling}"
        )));
    }
    Ok((factor * FACTOR_MILLI).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use conquiet_core::queue::group_policy_default;

    #[test]
    fn a_policy_read_back_as_a_patch_gives_the_same_policy() {
        let group = group_policy_default();
        let shown = serde_json::to_value(group_policy_out(b"q", &group)).unwrap();
        let patch: GroupPolicyIn = serde_json::from_value(shown).unwrap();
        let mut expected = group.clone();
        expected.dead_letter = Some(b"q:dlq".to_vec());
        assert_eq!(
            patch
                .into_patch()
                .unwrap()
                .apply_to(&GroupPolicy::default()),
            expected
        );
        let stream = StreamPolicy {
            entries_max: 5,
            bytes_max: 6,
            overflow: Overflow::DropOldest,
            dedup_window_ms: 7,
            retention: Retention::WorkQueue,
        };
        let shown = serde_json::to_value(stream_policy_out(&stream)).unwrap();
        assert_eq!(shown["overflow"], "drop-oldest");
        let patch: StreamPolicyIn = serde_json::from_value(shown).unwrap();
        assert_eq!(
            patch.into_patch().apply_to(&StreamPolicy::default()),
            stream
        );
    }

    #[test]
    fn dead_letter_null_resets_and_absent_keeps() {
        let reset: GroupPolicyIn = serde_json::from_str(r#"{"dead_letter":null}"#).unwrap();
        assert_eq!(reset.into_patch().unwrap().dead_letter, Some(None));
        let keep: GroupPolicyIn = serde_json::from_str("{}").unwrap();
        assert_eq!(keep.into_patch().unwrap().dead_letter, None);
    }

    #[test]
    fn unknown_fields_and_bad_factors_are_refused() {
        assert!(serde_json::from_str::<GroupPolicyIn>(r#"{"lease":1}"#).is_err());
        assert!(serde_json::from_str::<StreamPolicyIn>(r#"{"overflow":"drop"}"#).is_err());
        let extra = r#"{"backoff":{"kind":"list","delays_ms":[1],"x":1}}"#;
        assert!(serde_json::from_str::<GroupPolicyIn>(extra).is_err());
        let extra = r#"{"backoff":{"kind":"none","base_ms":1}}"#;
        assert!(serde_json::from_str::<GroupPolicyIn>(extra).is_err());
        let none: GroupPolicyIn = serde_json::from_str(r#"{"backoff":{"kind":"none"}}"#).unwrap();
        assert_eq!(none.into_patch().unwrap().backoff, Some(Backoff::None));
        let shown = serde_json::to_string(&backoff_out(&Backoff::None)).unwrap();
        assert_eq!(shown, r#"{"kind":"none"}"#);
        let half = r#"{"backoff":{"kind":"exponential","base_ms":1,"factor":1.5,"max_ms":9}}"#;
        let parsed: GroupPolicyIn = serde_json::from_str(half).unwrap();
        let backoff = parsed.into_patch().unwrap().backoff.unwrap();
        assert!(matches!(
            backoff,
            Backoff::Exponential {
                factor_milli: 1500,
                ..
            }
        ));
        let negative = r#"{"backoff":{"kind":"exponential","base_ms":1,"factor":-1,"max_ms":9}}"#;
        let parsed: GroupPolicyIn = serde_json::from_str(negative).unwrap();
        assert!(parsed.into_patch().is_err());
        let huge = r#"{"backoff":{"kind":"exponential","base_ms":1,"factor":1e300,"max_ms":9}}"#;
        let parsed: GroupPolicyIn = serde_json::from_str(huge).unwrap();
        assert!(parsed.into_patch().is_err());
    }
}
