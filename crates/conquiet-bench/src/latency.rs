//! Publish-confirm latency percentiles, exact: every sample is kept (one `u64` per publish,
//! bounded by `MESSAGES_MAX`) and sorted once at the end of a phase.

use serde::{Deserialize, Serialize};

/// Percentiles of one phase's publish-confirm latencies, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Percentiles {
    /// Percentiles of `samples_ns` (nanoseconds); `None` when there are none.
    pub fn from_samples(mut samples_ns: Vec<u64>) -> Option<Percentiles> {
        if samples_ns.is_empty() {
            return None;
        }
        samples_ns.sort_unstable();
        let ms = |ns: u64| ns as f64 / 1e6;
        let sum: u128 = samples_ns.iter().map(|&ns| u128::from(ns)).sum();
        let mean_ns = sum as f64 / samples_ns.len() as f64;
        Some(Percentiles {
            p50_ms: ms(nearest_rank(&samples_ns, 500)),
            p99_ms: ms(nearest_rank(&samples_ns, 990)),
            p999_ms: ms(nearest_rank(&samples_ns, 999)),
            max_ms: ms(*samples_ns.last().expect("checked non-empty above")),
            mean_ms: mean_ns / 1e6,
        })
    }
}

/// The nearest-rank percentile `per_mille / 10` of `sorted` (non-empty): the smallest sample
/// that at least that share of samples do not exceed.
pub fn nearest_rank(sorted: &[u64], per_mille: u64) -> u64 {
    assert!(!sorted.is_empty(), "percentile of no samples");
    assert!(per_mille <= 1000, "per mille {per_mille} above 1000");
    let n = sorted.len() as u64;
    // rank = ceil(n * q), in integers so that 99.9 % of 1000 samples is exactly rank 999.
    let rank = (n * per_mille).div_ceil(1000).max(1);
    let index = usize::try_from(rank - 1).expect("rank below the sample count");
    sorted[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_picks_the_sample_at_the_rounded_up_rank() {
        let sorted: Vec<u64> = (1..=1000).collect();
        assert_eq!(nearest_rank(&sorted, 500), 500);
        assert_eq!(nearest_rank(&sorted, 990), 990);
        assert_eq!(nearest_rank(&sorted, 999), 999);
        assert_eq!(nearest_rank(&sorted, 1000), 1000);
        assert_eq!(nearest_rank(&sorted, 0), 1);
        let few = [10, 20, 30];
        assert_eq!(nearest_rank(&few, 500), 20);
        assert_eq!(nearest_rank(&few, 990), 30);
        assert_eq!(nearest_rank(&[7], 999), 7);
    }

    #[test]
    fn percentiles_sort_and_convert_to_milliseconds() {
        let samples: Vec<u64> = (1..=2000).rev().map(|i| i * 1_000).collect();
        let p = Percentiles::from_samples(samples).unwrap();
        assert_eq!(p.p50_ms, 1.0);
        assert_eq!(p.p99_ms, 1.98);
        assert_eq!(p.p999_ms, 1.998);
        assert_eq!(p.max_ms, 2.0);
        assert!((p.mean_ms - 1.0005).abs() < 1e-9, "{}", p.mean_ms);
        assert_eq!(Percentiles::from_samples(Vec::new()), None);
    }
}
