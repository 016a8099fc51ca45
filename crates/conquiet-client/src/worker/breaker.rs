//! The circuit breaker: after too many failures in a row (or too high a failure rate over a
//! window of recent jobs) it opens and the worker stops receiving, so messages wait in the
//! queue instead of burning their deliveries into the dead-letter stream while a dependency
//! is down. After `open_for` it lets one probe through (half-open); the probe's success
//! closes it, its failure opens it again. Every change calls the application's hooks.
//!
//! Time comes from tokio's clock, so tests drive it with `tokio::time::pause()`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::metrics::WorkerMetrics;

/// When the breaker opens and for how long. Defaults: 5 failures in a row, no rate rule,
/// open for 30 s.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Opens after this many failures in a row (0: never by count).
    pub consecutive_failures: u32,
    /// Opens when at least `ratio` of the last `window` jobs failed (once `window` finished).
    pub failure_rate: Option<FailureRate>,
    /// How long it stays open before a probe.
    pub open_for: Duration,
}

/// A failure-rate rule for [`BreakerConfig`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailureRate {
    /// Share of failures, above 0.0 and at most 1.0 (anything else turns the rule off).
    pub ratio: f64,
    /// How many of the latest jobs are looked at (at most 10 000).
    pub window: u32,
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 5,
            failure_rate: None,
            open_for: Duration::from_secs(30),
        }
    }
}

/// Largest failure-rate window: the breaker keeps one bool per job in it.
const RATE_WINDOW_MAX: u32 = 10_000;

/// The breaker's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Receiving normally.
    #[default]
    Closed,
    /// One probe job is allowed through.
    HalfOpen,
    /// Not receiving.
    Open,
}

impl BreakerState {
    pub(crate) fn gauge(self) -> i64 {
        match self {
            BreakerState::Closed => 0,
            BreakerState::HalfOpen => 1,
            BreakerState::Open => 2,
        }
    }

    pub(crate) fn from_gauge(value: i64) -> BreakerState {
        match value {
            1 => BreakerState::HalfOpen,
            2 => BreakerState::Open,
            _ => BreakerState::Closed,
        }
    }
}

/// Called on every state change with `(from, to)`: invalidate caches that depend on the
/// failing dependency here. Runs on the worker's task: keep it short.
pub type BreakerHook = Arc<dyn Fn(BreakerState, BreakerState) + Send + Sync>;

/// What the receive loop may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Receive as many as there are free slots.
    All,
    /// Receive exactly one: the half-open probe.
    Probe,
}

pub(crate) struct Breaker {
    config: Option<BreakerConfig>,
    state: Mutex<Inner>,
    changed: Notify,
    hooks: Vec<BreakerHook>,
    metrics: WorkerMetrics,
}

struct Inner {
    state: BreakerState,
    failures_in_row: u32,
    recent: VecDeque<bool>,
    opened_at: Option<Instant>,
    probe_out: bool,
}

impl Breaker {
    pub(crate) fn new(
        config: Option<BreakerConfig>,
        hooks: Vec<BreakerHook>,
        metrics: WorkerMetrics,
    ) -> Breaker {
        Breaker {
            config,
            state: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures_in_row: 0,
                recent: VecDeque::new(),
                opened_at: None,
                probe_out: false,
            }),
            changed: Notify::new(),
            hooks,
            metrics,
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        self.lock().state
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The state is plain data, consistent after every statement: a panic elsewhere while
        // holding the lock leaves nothing half-changed.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until receiving is allowed. Cancellation-safe.
    pub(crate) async fn admit(&self) -> Admit {
        let Some(config) = &self.config else {
            return Admit::All;
        };
        loop {
            let notified = self.changed.notified();
            let wait_until = {
                let mut inner = self.lock();
                match inner.state {
                    BreakerState::Closed => return Admit::All,
                    BreakerState::HalfOpen if !inner.probe_out => {
                        inner.probe_out = true;
                        return Admit::Probe;
                    }
                    BreakerState::HalfOpen => None,
                    BreakerState::Open => {
                        let until = inner.opened_at.unwrap_or_else(Instant::now) + config.open_for;
                        if Instant::now() >= until {
                            self.move_to(&mut inner, BreakerState::HalfOpen);
                            inner.probe_out = true;
                            return Admit::Probe;
                        }
                        Some(until)
                    }
                }
            };
            match wait_until {
                Some(until) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// The probe receive brought nothing: another probe may go.
    pub(crate) fn probe_unused(&self) {
        self.lock().probe_out = false;
        self.changed.notify_waiters();
    }

    /// A job finished: `failed` says whether it counts against the dependency, `probe`
    /// whether it was the half-open probe. Only the probe decides a half-open breaker: jobs
    /// that were already running when it opened do not.
    pub(crate) fn record(&self, failed: bool, probe: bool) {
        let Some(config) = &self.config else {
            return;
        };
        let mut inner = self.lock();
        inner.failures_in_row = if failed {
            inner.failures_in_row.saturating_add(1)
        } else {
            0
        };
        if let Some(rate) = config.failure_rate {
            let window = rate.window.clamp(1, RATE_WINDOW_MAX) as usize;
            inner.recent.push_back(failed);
            while inner.recent.len() > window {
                inner.recent.pop_front();
            }
        }
        match (inner.state, failed) {
            (BreakerState::HalfOpen, false) if probe => {
                inner.recent.clear();
                self.move_to(&mut inner, BreakerState::Closed);
            }
            (BreakerState::HalfOpen, true) if probe => self.open(&mut inner),
            (BreakerState::Closed, true) if self.trips(config, &inner) => self.open(&mut inner),
            _ => {}
        }
    }

    fn trips(&self, config: &BreakerConfig, inner: &Inner) -> bool {
        let by_count =
            config.consecutive_failures > 0 && inner.failures_in_row >= config.consecutive_failures;
        let by_rate = config.failure_rate.is_some_and(|rate| {
            // A ratio that is not a share above 0 (NaN, 0, negative) turns the rule off.
            if rate.ratio.is_nan() || rate.ratio <= 0.0 {
                return false;
            }
            let window = rate.window.clamp(1, RATE_WINDOW_MAX) as usize;
            let failures = inner.recent.iter().filter(|f| **f).count();
            inner.recent.len() >= window && failures as f64 >= rate.ratio.min(1.0) * window as f64
        });
        by_count || by_rate
    }

    fn open(&self, inner: &mut Inner) {
        inner.opened_at = Some(Instant::now());
        inner.probe_out = false;
        self.move_to(inner, BreakerState::Open);
    }

    fn move_to(&self, inner: &mut Inner, to: BreakerState) {
        let from = inner.state;
        if from == to {
            return;
        }
        inner.state = to;
        self.metrics.breaker_state.set(to.gauge());
        self.metrics.breaker_transitions.inc();
        for hook in &self.hooks {
            hook(from, to);
        }
        self.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Seen = Arc<Mutex<Vec<(BreakerState, BreakerState)>>>;

    fn breaker(config: BreakerConfig) -> (Breaker, Seen) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let hook_seen = seen.clone();
        let hook: BreakerHook = Arc::new(move |from, to| {
            hook_seen.lock().expect("lock").push((from, to));
        });
        (
            Breaker::new(Some(config), vec![hook], WorkerMetrics::default()),
            seen,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_failures_in_a_row_and_probes_after_open_for() {
        let (b, seen) = breaker(BreakerConfig {
            consecutive_failures: 3,
            failure_rate: None,
            open_for: Duration::from_secs(10),
        });
        b.record(true, false);
        b.record(true, false);
        b.record(false, false);
        b.record(true, false);
        b.record(true, false);
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "a success resets the count"
        );
        b.record(true, false);
        assert_eq!(b.state(), BreakerState::Open);
        let started = Instant::now();
        assert_eq!(b.admit().await, Admit::Probe);
        assert!(started.elapsed() >= Duration::from_secs(10));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(true, false);
        assert_eq!(
            b.state(),
            BreakerState::HalfOpen,
            "a job from before is not the probe"
        );
        b.record(false, true);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![
                (BreakerState::Closed, BreakerState::Open),
                (BreakerState::Open, BreakerState::HalfOpen),
                (BreakerState::HalfOpen, BreakerState::Closed),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_opens_again_and_only_one_probe_goes_at_a_time() {
        let (b, _) = breaker(BreakerConfig {
            consecutive_failures: 1,
            failure_rate: None,
            open_for: Duration::from_secs(1),
        });
        b.record(true, false);
        assert_eq!(b.admit().await, Admit::Probe);
        let second = tokio::time::timeout(Duration::from_secs(5), b.admit()).await;
        assert!(second.is_err(), "a second probe must wait for the first");
        b.record(true, true);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_rule_opens_on_a_share_of_failures() {
        let (b, _) = breaker(BreakerConfig {
            consecutive_failures: 0,
            failure_rate: Some(FailureRate {
                ratio: 0.5,
                window: 4,
            }),
            open_for: Duration::from_secs(1),
        });
        for failed in [true, false, true] {
            b.record(failed, false);
        }
        assert_eq!(b.state(), BreakerState::Closed, "window not full yet");
        b.record(false, false);
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "2 of 4 is only at the ratio when failing"
        );
        b.record(true, false);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[tokio::test]
    async fn without_a_config_it_never_opens() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let hook: BreakerHook = Arc::new(move |_, _| {
            c.fetch_add(1, Ordering::Relaxed);
        });
        let b = Breaker::new(None, vec![hook], WorkerMetrics::default());
        for _ in 0..100 {
            b.record(true, false);
        }
        assert_eq!(b.admit().await, Admit::All);
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }
}
