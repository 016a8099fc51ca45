//! Counts and durations of sessions and primitives by operation and status, recorded after
//! the outcome is known: a session whose COMMIT failed is `status="error"`, never `ok`.

use std::time::Instant;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// `[("op", ...), ("status", ...)]`.
type Labels = [(&'static str, &'static str); 2];

fn histogram() -> Histogram {
    // 0.1 ms to about 3 s in 16 doubling buckets.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The module's metrics. Clones share the values.
#[derive(Clone, Debug)]
pub struct SqlMetrics {
    operations: Family<Labels, Counter>,
    durations: Family<Labels, Histogram, fn() -> Histogram>,
}

impl Default for SqlMetrics {
    fn default() -> SqlMetrics {
        SqlMetrics {
            operations: Family::default(),
            durations: Family::new_with_constructor(histogram),
        }
    }
}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It did what was asked.
    Ok,
    /// It ran and found nothing to do: a conditional or optimistic update that did not
    /// apply, an insert-if-absent whose row was there, an inbox entry already processed.
    NotApplied,
    /// It failed.
    Error,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotApplied => "not_applied",
            Status::Error => "error",
        }
    }
}

impl SqlMetrics {
    pub(crate) fn record(&self, op: &'static str, status: Status, started: Instant) {
        let labels = [("op", op), ("status", status.label())];
        self.operations.get_or_create(&labels).inc();
        self.durations
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
    }

    /// How many times `op` ended with `status` (`op`: `session`, `begin`, `commit`,
    /// `rollback`, `insert_if_absent`, `update_if`, `optimistic_update`, `lock_row`,
    /// `advisory_lock`, `inbox`, `outbox_publish`, `relay`).
    pub fn count(&self, op: &'static str, status: Status) -> u64 {
        self.operations
            .get_or_create(&[("op", op), ("status", status.label())])
            .get()
    }

    /// Registers `conquiet_sql_operations_total{op,status}` and
    /// `conquiet_sql_operation_duration_seconds{op,status}`.
    pub fn register(&self, registry: &mut Registry) {
        let r = registry.sub_registry_with_prefix("conquiet_sql");
        r.register(
            "operations",
            "Sessions and primitives by operation and outcome",
            self.operations.clone(),
        );
        r.register(
            "operation_duration_seconds",
            "Duration of sessions and primitives",
            self.durations.clone(),
        );
    }
}
