//! [`Worker`]: runs a handler over a queue's group with a concurrency limit, a per-job
//! timeout and fallback, heartbeats that keep running jobs' leases, a circuit breaker, a
//! graceful drain, and metrics.
//!
//! Tasks: `run` owns every task it starts (one per running job in a `JoinSet`, and the
//! settler that batches acks) and returns only after each has ended.

mod breaker;
mod job;
mod metrics;

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinSet;

pub use breaker::{BreakerConfig, BreakerHook, BreakerState, FailureRate};
pub use metrics::{WorkerMetrics, WorkerStats};

use crate::client::Client;
use crate::conn::BoxFuture;
use crate::types::{Delivery, NackOptions, ReceiveOptions};
use breaker::{Admit, Breaker};
use job::AckRequest;

/// How long a receive waits for more slots to free before it asks for fewer messages. Jobs
/// that finish together free their slots within moments of each other; asking at the first
/// free slot would turn one receive of a full batch into many receives of one or two.
pub const GATHER_WAIT: Duration = Duration::from_millis(1);

/// Up to `want` slots, starting with `first`: those free now, then those that free within
/// [`GATHER_WAIT`]; `None` when `shutdown` resolved meanwhile (it must not be polled again).
async fn gather(
    slots: &Arc<Semaphore>,
    first: OwnedSemaphorePermit,
    want: usize,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> Option<Vec<OwnedSemaphorePermit>> {
    let mut permits = vec![first];
    let until = tokio::time::Instant::now() + GATHER_WAIT;
    while permits.len() < want {
        if let Ok(p) = slots.clone().try_acquire_owned() {
            permits.push(p);
            continue;
        }
        tokio::select! {
            biased;
            () = shutdown.as_mut() => return None,
            () = tokio::time::sleep_until(until) => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => permits.push(p),
                Err(_) => break,
            },
        }
    }
    Some(permits)
}

/// Most jobs one worker runs at once.
pub const CONCURRENCY_MAX: usize = 10_000;

/// Most messages one receive of the worker asks for. The server cuts off a client whose
/// unread replies pass its output limit (64 MiB by default), so `batch` times the largest
/// entry must stay under it; 256 entries of up to 256 KiB do.
pub const BATCH_MAX: u32 = 256;

/// Shortest receive wait and heartbeat interval: shorter ones would spin against the server.
pub const WAIT_MIN: Duration = Duration::from_millis(10);

/// Longest job timeout: a job may not hold its message forever by heartbeats.
pub const JOB_TIMEOUT_MAX: Duration = Duration::from_secs(24 * 3600);

/// What a handler decided about its job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done: the worker acks it.
    Success,
    /// Try again later: the worker nacks it; `delay` `None` lets the group's backoff decide.
    Retry {
        /// The wait before redelivery; `None`: the group's backoff.
        delay: Option<Duration>,
        /// Kept as the dead letter's reason if this was the last delivery.
        reason: Option<String>,
    },
    /// Never going to work: the worker terminates it to the dead-letter stream.
    Fail {
        /// The dead letter's reason.
        reason: String,
    },
}

impl Outcome {
    /// A retry after the group's backoff, with a reason.
    pub fn retry(reason: impl Into<String>) -> Outcome {
        Outcome::Retry {
            delay: None,
            reason: Some(reason.into()),
        }
    }

    /// A terminal failure with a reason.
    pub fn fail(reason: impl Into<String>) -> Outcome {
        Outcome::Fail {
            reason: reason.into(),
        }
    }
}

impl<E: std::fmt::Display> From<Result<(), E>> for Outcome {
    /// `Ok` is success; an error is a retry with the error as the reason.
    fn from(result: Result<(), E>) -> Outcome {
        match result {
            Ok(()) => Outcome::Success,
            Err(e) => Outcome::retry(e.to_string()),
        }
    }
}

/// The job a handler gets: the delivery (id, fields, delivery count, fencing token).
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Job(Arc<Delivery>);

impl Deref for Job {
    type Target = Delivery;
    fn deref(&self) -> &Delivery {
        &self.0
    }
}

/// Handles jobs. Any `Fn(Job) -> impl Future<Output = Outcome>` is one.
pub trait Handler: Send + Sync + 'static {
    /// Handles one job. The future may be cancelled at the job timeout or at shutdown past
    /// the drain deadline.
    fn handle(&self, job: Job) -> BoxFuture<'static, Outcome>;
}

impl<F, Fut> Handler for F
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    fn handle(&self, job: Job) -> BoxFuture<'static, Outcome> {
        Box::pin(self(job))
    }
}

/// A worker's settings. Defaults: group `default`, 16 jobs at once, receives of up to 16
/// waiting 2 s, lease 30 s with a heartbeat every 10 s, job timeout 5 minutes, drain 30 s,
/// the default breaker.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// The queue to work on.
    pub queue: String,
    /// The consumer group to receive in.
    pub group: String,
    /// The consumer name; default `worker-<pid>-<n>`.
    pub consumer: String,
    /// Most jobs running at once.
    pub concurrency: usize,
    /// Deliveries the worker may hold beyond `concurrency`, waiting for a handler: receives
    /// can then ask for more at a time. Their leases run while they wait (heartbeats start
    /// with the handler), so keep it to what the handlers get through well within a lease.
    /// Default 0.
    pub prefetch: usize,
    /// Most messages one receive asks for (never more than the free slots).
    pub batch: u32,
    /// How long one receive waits when the queue is empty. Shutdown waits for a receive in
    /// flight (and hands back what it brings), so this bounds that part of the drain.
    pub receive_wait: Duration,
    /// The lease asked for on receive and on every heartbeat.
    pub lease: Option<Duration>,
    /// How often a running job's lease is touched; `None`: never.
    pub heartbeat: Option<Duration>,
    /// How long a handler may run before it is cancelled (at most [`JOB_TIMEOUT_MAX`]): no
    /// job can hold its message forever.
    pub job_timeout: Duration,
    /// How long shutdown waits for running jobs before handing them back.
    pub drain_timeout: Duration,
    /// `None`: no breaker.
    pub breaker: Option<BreakerConfig>,
}

impl WorkerConfig {
    /// The defaults, for `queue`.
    pub fn new(queue: impl Into<String>) -> WorkerConfig {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let lease = Duration::from_secs(30);
        WorkerConfig {
            queue: queue.into(),
            group: "default".into(),
            consumer: format!(
                "worker-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
            concurrency: 16,
            prefetch: 0,
            batch: 16,
            receive_wait: Duration::from_secs(2),
            lease: Some(lease),
            heartbeat: Some(lease / 3),
            job_timeout: Duration::from_secs(300),
            drain_timeout: Duration::from_secs(30),
            breaker: Some(BreakerConfig::default()),
        }
    }

    /// The settings within their limits: concurrency 1..=[`CONCURRENCY_MAX`], prefetch at
    /// most [`CONCURRENCY_MAX`], batch 1..=[`BATCH_MAX`] and at most concurrency plus prefetch, waits and heartbeats at least
    /// [`WAIT_MIN`], the job timeout at most [`JOB_TIMEOUT_MAX`].
    fn within_limits(mut self) -> WorkerConfig {
        self.concurrency = self.concurrency.clamp(1, CONCURRENCY_MAX);
        self.prefetch = self.prefetch.min(CONCURRENCY_MAX);
        let slots = u32::try_from(self.concurrency + self.prefetch).unwrap_or(BATCH_MAX);
        self.batch = self.batch.clamp(1, BATCH_MAX).min(slots);
        self.receive_wait = self.receive_wait.max(WAIT_MIN);
        self.heartbeat = self.heartbeat.map(|h| h.max(WAIT_MIN));
        self.job_timeout = self.job_timeout.clamp(WAIT_MIN, JOB_TIMEOUT_MAX);
        self
    }

    /// Sets the lease and a heartbeat every third of it.
    pub fn lease(mut self, lease: Duration) -> WorkerConfig {
        self.lease = Some(lease);
        self.heartbeat = Some(lease / 3);
        self
    }
}

/// What shutdown did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Every running job finished within the drain timeout.
    pub finished_in_time: bool,
    /// Deliveries nacked (no delay) for others to take: jobs still running at the deadline
    /// and messages a receive brought during shutdown.
    pub handed_back: u64,
}

/// A health check for the breaker's half-open state: `true` when the dependency is back.
pub type Probe = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

/// State every job task shares.
pub(crate) struct Shared {
    pub client: Client,
    pub config: WorkerConfig,
    pub handler: Arc<dyn Handler>,
    pub fallback: Option<Arc<dyn Handler>>,
    pub probe: Option<Probe>,
    pub breaker: Breaker,
    pub metrics: WorkerMetrics,
}

/// Runs a handler over a queue.
///
/// ```no_run
/// use conquiet_client::{Client, ClientConfig, Outcome, Worker, WorkerConfig};
/// # async fn run() {
/// let client = Client::new(ClientConfig::default());
/// let worker = Worker::new(client, WorkerConfig::new("jobs"), |job: conquiet_client::Job| async move {
///     println!("job {} (delivery {})", job.id, job.deliveries);
///     Outcome::Success
/// });
/// worker.run(conquiet_client::shutdown_signal()).await;
/// # }
/// ```
pub struct Worker {
    shared: Arc<Shared>,
}

impl Worker {
    /// A worker over `config.queue` that hands each delivery to `handler`.
    pub fn new(client: Client, config: WorkerConfig, handler: impl Handler) -> Worker {
        Worker::builder(client, config, handler).build()
    }

    /// A builder for a fallback and breaker hooks.
    pub fn builder(client: Client, config: WorkerConfig, handler: impl Handler) -> WorkerBuilder {
        WorkerBuilder {
            client,
            config,
            handler: Arc::new(handler),
            fallback: None,
            probe: None,
            hooks: Vec::new(),
            metrics: WorkerMetrics::default(),
        }
    }

    /// The worker's metrics (register them with [`WorkerMetrics::register`]).
    pub fn metrics(&self) -> &WorkerMetrics {
        &self.shared.metrics
    }

    /// The breaker's state now.
    pub fn breaker_state(&self) -> BreakerState {
        self.shared.breaker.state()
    }

    /// Receives and handles jobs until `shutdown` resolves, then drains: stops receiving,
    /// lets running jobs finish until the drain timeout, hands back (nack, no delay) what is
    /// left, and returns once every task it started has ended.
    ///
    /// Dropping this future instead aborts running jobs without handing them back: their
    /// deliveries return when their leases end. Use `shutdown` to stop.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> DrainReport {
        let shared = &self.shared;
        let config = &shared.config;
        // A slot is held from the receive until the job's ack is queued; a handler slot
        // while its handler runs.
        let held = config.concurrency + config.prefetch;
        let slots = Arc::new(Semaphore::new(held));
        let handlers = Arc::new(Semaphore::new(config.concurrency));
        let (acks, ack_queue) = mpsc::channel::<AckRequest>(held);
        let (abort, aborted) = watch::channel(false);
        let (stopping, stopped) = watch::channel(false);
        // Owned like the jobs: dropping `run` aborts it too.
        let mut settler = JoinSet::new();
        settler.spawn(job::settler(shared.clone(), ack_queue));
        let mut jobs: JoinSet<bool> = JoinSet::new();
        let mut report = DrainReport::default();
        let mut failures: u32 = 0;
        tokio::pin!(shutdown);
        loop {
            let admit = tokio::select! {
                biased;
                () = &mut shutdown => break,
                admit = shared.breaker.admit() => admit,
            };
            let first = tokio::select! {
                biased;
                () = &mut shutdown => break,
                permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            };
            // A job that finished while we waited for its slot may have opened the breaker.
            if admit == Admit::All && shared.breaker.state() != BreakerState::Closed {
                continue;
            }
            if admit == Admit::Probe
                && let Some(probe) = &shared.probe
            {
                // The application's own health check decides; no message spends a delivery.
                // A check that does not answer within the job timeout failed.
                drop(first);
                let healthy = tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    healthy = tokio::time::timeout(config.job_timeout, probe()) => {
                        healthy.unwrap_or(false)
                    }
                };
                shared.breaker.record(!healthy, true);
                continue;
            }
            let want = match admit {
                Admit::Probe => 1,
                Admit::All => config.batch,
            };
            let Some(mut permits) = gather(&slots, first, want as usize, &mut shutdown).await
            else {
                break;
            };
            let options = ReceiveOptions {
                count: u32::try_from(permits.len()).unwrap_or(1),
                wait: Some(config.receive_wait),
                lease: config.lease,
            };
            let receive =
                shared
                    .client
                    .receive(&config.queue, &config.group, &config.consumer, &options);
            tokio::pin!(receive);
            let (received, stopping) = tokio::select! {
                biased;
                r = &mut receive => (r, false),
                () = &mut shutdown => (receive.await, true),
            };
            // Jobs that finished free their slots; reap them so the set stays small.
            while jobs.try_join_next().is_some() {}
            let mut deliveries = match received {
                Ok(d) => {
                    failures = 0;
                    d
                }
                Err(_) => {
                    shared.metrics.receive_errors.inc();
                    if admit == Admit::Probe {
                        shared.breaker.probe_unused();
                    }
                    if stopping {
                        break;
                    }
                    failures = failures.saturating_add(1);
                    let pause = Duration::from_millis(50u64 << failures.min(6));
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(pause) => continue,
                    }
                }
            };
            if admit == Admit::Probe && deliveries.is_empty() {
                shared.breaker.probe_unused();
            }
            if stopping {
                report.handed_back += self.hand_back(deliveries).await;
                break;
            }
            // The server never sends more than asked; if it did, the extra go back at once.
            let extra = deliveries.split_off(deliveries.len().min(permits.len()));
            report.handed_back += self.hand_back(extra).await;
            for (delivery, permit) in deliveries.into_iter().zip(permits.drain(..)) {
                let job = Job(Arc::new(delivery));
                let slot = job::Slot {
                    permit,
                    probe: admit == Admit::Probe,
                };
                let signals = job::Signals {
                    handlers: handlers.clone(),
                    stopping: stopped.clone(),
                    abort: aborted.clone(),
                };
                jobs.spawn(job::run(shared.clone(), job, slot, signals, acks.clone()));
            }
        }
        // Drain: no more receives; prefetched jobs that have not started go back at once.
        // Running jobs get until the deadline, then are handed back.
        let _ = stopping.send(true);
        let deadline = tokio::time::Instant::now() + config.drain_timeout;
        report.finished_in_time = true;
        loop {
            let next = tokio::select! {
                biased;
                next = jobs.join_next() => next,
                () = tokio::time::sleep_until(deadline), if report.finished_in_time => {
                    report.finished_in_time = false;
                    let _ = abort.send(true);
                    continue;
                }
            };
            match next {
                Some(Ok(true)) => report.handed_back += 1,
                Some(_) => {}
                None => break,
            }
        }
        drop(acks);
        while settler.join_next().await.is_some() {}
        report
    }

    /// Runs the worker on a task of its own until [`RunningWorker::stop`]: for programs that
    /// do other things meanwhile. Dropping the handle also starts the drain, and lets it run
    /// to its end on the runtime.
    pub fn spawn(self) -> RunningWorker {
        let metrics = self.metrics().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            self.run(async {
                let _ = stopped.await;
            })
            .await
        });
        RunningWorker {
            stop: Some(stop),
            task: Some(task),
            metrics,
        }
    }

    async fn hand_back(&self, deliveries: Vec<Delivery>) -> u64 {
        if deliveries.is_empty() {
            return 0;
        }
        let shared = &self.shared;
        let handles: Vec<_> = deliveries.iter().map(Delivery::handle).collect();
        let options = NackOptions {
            delay: Some(Duration::ZERO),
            reason: Some("worker shutting down".into()),
        };
        let settled = shared
            .client
            .nack(
                &shared.config.queue,
                &shared.config.group,
                &handles,
                &options,
            )
            .await;
        let given = settled
            .iter()
            .filter(|s| matches!(s, Ok(outcome) if outcome.is_applied()))
            .count() as u64;
        shared
            .metrics
            .settle_failed
            .inc_by(settled.len() as u64 - given);
        shared.metrics.handed_back.inc_by(given);
        given
    }
}

/// A worker running on its own task ([`Worker::spawn`]).
pub struct RunningWorker {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<DrainReport>>,
    metrics: WorkerMetrics,
}

impl RunningWorker {
    /// The worker's metrics.
    pub fn metrics(&self) -> &WorkerMetrics {
        &self.metrics
    }

    /// Starts the drain and waits for it to end; answers what it did. A worker whose task
    /// failed (it panicked) reports an empty drain.
    pub async fn stop(mut self) -> DrainReport {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => DrainReport::default(),
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Builds a [`Worker`] with a fallback, breaker hooks or shared metrics.
pub struct WorkerBuilder {
    client: Client,
    config: WorkerConfig,
    handler: Arc<dyn Handler>,
    fallback: Option<Arc<dyn Handler>>,
    probe: Option<Probe>,
    hooks: Vec<BreakerHook>,
    metrics: WorkerMetrics,
}

impl WorkerBuilder {
    /// A health check the half-open breaker runs instead of letting a real job through:
    /// without one, each probe is a delivery, and a dependency that stays down spends one
    /// delivery of some message per `open_for` (which max deliveries eventually
    /// dead-letters).
    pub fn probe<F, Fut>(mut self, probe: F) -> WorkerBuilder
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = bool> + Send + 'static,
    {
        self.probe = Some(Arc::new(move || {
            Box::pin(probe()) as BoxFuture<'static, bool>
        }));
        self
    }

    /// Runs when the handler times out. Its `Success` acks the job and counts as succeeded
    /// by fallback; anything else retries. It runs under the same timeout.
    pub fn fallback(mut self, fallback: impl Handler) -> WorkerBuilder {
        self.fallback = Some(Arc::new(fallback));
        self
    }

    /// Called with `(from, to)` on every breaker state change.
    pub fn on_breaker_change(
        mut self,
        hook: impl Fn(BreakerState, BreakerState) + Send + Sync + 'static,
    ) -> WorkerBuilder {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Use these metrics (for example shared with a registry made earlier).
    pub fn metrics(mut self, metrics: WorkerMetrics) -> WorkerBuilder {
        self.metrics = metrics;
        self
    }

    /// The worker.
    pub fn build(self) -> Worker {
        let config = self.config.within_limits();
        let breaker = Breaker::new(config.breaker.clone(), self.hooks, self.metrics.clone());
        Worker {
            shared: Arc::new(Shared {
                client: self.client,
                config,
                handler: self.handler,
                fallback: self.fallback,
                probe: self.probe,
                breaker,
                metrics: self.metrics,
            }),
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT): the usual `shutdown` for [`Worker::run`].
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
