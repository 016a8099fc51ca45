//! The worker's figures, as Prometheus metrics (prometheus-client) that are also read by
//! [`WorkerMetrics::snapshot`]. Each is counted where the outcome is known, never before: a
//! job is `succeeded` only once its ack came back `acked`.

use std::borrow::Cow;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::breaker::BreakerState;

/// Handler durations, 1 ms to about 33 s in 16 doubling buckets.
fn duration_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.001, 2.0, 16)
}

/// A worker's metrics. Clones share the values.
#[derive(Clone, Debug)]
pub struct WorkerMetrics {
    pub(crate) processed: Counter,
    pub(crate) succeeded: Counter,
    pub(crate) succeeded_by_fallback: Counter,
    pub(crate) retried: Counter,
    pub(crate) failed: Counter,
    pub(crate) timed_out: Counter,
    pub(crate) panicked: Counter,
    pub(crate) settle_failed: Counter,
    pub(crate) lease_lost: Counter,
    pub(crate) handed_back: Counter,
    pub(crate) receive_errors: Counter,
    pub(crate) running: Gauge,
    pub(crate) duration: Histogram,
    pub(crate) breaker_state: Gauge,
    pub(crate) breaker_transitions: Counter,
}

impl Default for WorkerMetrics {
    fn default() -> WorkerMetrics {
        WorkerMetrics {
            processed: Counter::default(),
            succeeded: Counter::default(),
            succeeded_by_fallback: Counter::default(),
            retried: Counter::default(),
            failed: Counter::default(),
            timed_out: Counter::default(),
            panicked: Counter::default(),
            settle_failed: Counter::default(),
            lease_lost: Counter::default(),
            handed_back: Counter::default(),
            receive_errors: Counter::default(),
            running: Gauge::default(),
            duration: Histogram::new(duration_buckets()),
            breaker_state: Gauge::default(),
            breaker_transitions: Counter::default(),
        }
    }
}

/// The counters at one moment, for tests and logs. Success rate:
/// `(succeeded + succeeded_by_fallback) / processed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Jobs whose handler finished (any outcome); jobs handed back at drain are not counted.
    pub processed: u64,
    /// Handler succeeded and the ack was applied.
    pub succeeded: u64,
    /// The handler timed out, its fallback succeeded, and the ack was applied.
    pub succeeded_by_fallback: u64,
    /// Nacked for a retry (handler retry, panic, or timeout without a successful fallback).
    pub retried: u64,
    /// Terminated (dead-lettered) by the handler's `Fail`.
    pub failed: u64,
    /// Handlers cancelled at the job timeout.
    pub timed_out: u64,
    /// Handlers that panicked (each retried).
    pub panicked: u64,
    /// Settles that did not apply: stale, not pending, or the command failed.
    pub settle_failed: u64,
    /// Heartbeats that found the delivery no longer ours.
    pub lease_lost: u64,
    /// Deliveries given back at shutdown.
    pub handed_back: u64,
    /// Receives that failed (the worker backs off and tries again).
    pub receive_errors: u64,
    /// Handlers running now.
    pub running: i64,
    /// The breaker's state.
    pub breaker: BreakerState,
}

impl WorkerMetrics {
    /// The values now.
    pub fn snapshot(&self) -> WorkerStats {
        WorkerStats {
            processed: self.processed.get(),
            succeeded: self.succeeded.get(),
            succeeded_by_fallback: self.succeeded_by_fallback.get(),
            retried: self.retried.get(),
            failed: self.failed.get(),
            timed_out: self.timed_out.get(),
            panicked: self.panicked.get(),
            settle_failed: self.settle_failed.get(),
            lease_lost: self.lease_lost.get(),
            handed_back: self.handed_back.get(),
            receive_errors: self.receive_errors.get(),
            running: self.running.get(),
            breaker: BreakerState::from_gauge(self.breaker_state.get()),
        }
    }

    /// Registers every metric under `conquiet_worker_*` with `queue` and `group` labels.
    ///
    /// ```
    /// use prometheus_client::registry::Registry;
    /// let metrics = conquiet_client::WorkerMetrics::default();
    /// let mut registry = Registry::default();
    /// metrics.register(&mut registry, "jobs", "default");
    /// let mut text = String::new();
    /// prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    /// assert!(text.contains("conquiet_worker_succeeded_total{queue=\"jobs\",group=\"default\"} 0"));
    /// ```
    pub fn register(&self, registry: &mut Registry, queue: &str, group: &str) {
        let labels = [
            (Cow::Borrowed("queue"), Cow::Owned(queue.to_string())),
            (Cow::Borrowed("group"), Cow::Owned(group.to_string())),
        ];
        let r = registry
            .sub_registry_with_prefix("conquiet_worker")
            .sub_registry_with_labels(labels.into_iter());
        let counters = [
            ("processed", "Jobs whose handler finished", &self.processed),
            ("succeeded", "Jobs handled and acked", &self.succeeded),
            (
                "succeeded_by_fallback",
                "Jobs that timed out, whose fallback succeeded, and were acked",
                &self.succeeded_by_fallback,
            ),
            ("retried", "Jobs nacked for a retry", &self.retried),
            (
                "failed",
                "Jobs terminated to the dead-letter stream",
                &self.failed,
            ),
            (
                "timed_out",
                "Handlers cancelled at the job timeout",
                &self.timed_out,
            ),
            ("panicked", "Handlers that panicked", &self.panicked),
            (
                "settle_failed",
                "Settles that did not apply (stale, not pending, or failed)",
                &self.settle_failed,
            ),
            (
                "lease_lost",
                "Heartbeats that found the delivery taken",
                &self.lease_lost,
            ),
            (
                "handed_back",
                "Deliveries nacked at shutdown",
                &self.handed_back,
            ),
            (
                "receive_errors",
                "Receives that failed",
                &self.receive_errors,
            ),
            (
                "breaker_transitions",
                "Circuit breaker state changes",
                &self.breaker_transitions,
            ),
        ];
        for (name, help, counter) in counters {
            r.register(name, help, counter.clone());
        }
        r.register("running", "Handlers running now", self.running.clone());
        r.register(
            "breaker_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open",
            self.breaker_state.clone(),
        );
        r.register(
            "handler_duration_seconds",
            "Handler run time",
            self.duration.clone(),
        );
    }
}
