//! One job's life inside the worker: run the handler (under its timeout, with heartbeats
//! that keep the lease), run the fallback if it timed out, settle, and count. Every path
//! settles the delivery: success acks, retry and panic nack, fail terms, shutdown hands it
//! back; only a settle the server refuses or cannot receive is left to the lease.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::time::Instant;

use super::{Handler, Job, Outcome, Shared};
use crate::types::{Handle, NackOptions, SettleOutcome, Settled};

/// An ack the settler sends in a batch, and where its outcome goes.
pub(crate) struct AckRequest {
    pub handle: Handle,
    pub reply: oneshot::Sender<Settled>,
}

/// How a handler run ended.
enum Ran {
    Done(Outcome),
    Panicked,
    TimedOut,
}

/// Why the job was given back without an outcome of its own.
const SHUTDOWN_REASON: &str = "worker shutting down";

/// Runs one job to its settle. `probe` says the breaker let it through as its half-open
/// probe. Returns whether the job was handed back at shutdown (its nack applied).
pub(crate) async fn run(
    shared: Arc<Shared>,
    job: Job,
    slot: Slot,
    signals: Signals,
    acks: mpsc::Sender<AckRequest>,
) -> bool {
    let Signals {
        handlers,
        mut stopping,
        mut abort,
    } = signals;
    // A prefetched job waits for a handler; one that has not started when shutdown begins
    // goes back at once instead.
    let handler_slot = tokio::select! {
        biased;
        _ = stopping.wait_for(|stop| *stop) => None,
        permit = handlers.acquire_owned() => permit.ok(),
    };
    let Some(handler_slot) = handler_slot else {
        return hand_back(&shared, &job).await;
    };
    let metrics = &shared.metrics;
    metrics.running.inc();
    let started = Instant::now();
    // The handler and its fallback both run under heartbeats and both stop at the abort:
    // a fallback is work in flight like any other.
    let ran = tokio::select! {
        ran = with_heartbeat(&shared, &job, handle(&shared, &job)) => Some(ran),
        _ = abort.wait_for(|aborted| *aborted) => None,
    };
    metrics.duration.observe(started.elapsed().as_secs_f64());
    metrics.running.dec();
    drop(handler_slot);
    let Some((outcome, by_fallback)) = ran else {
        return hand_back(&shared, &job).await;
    };
    metrics.processed.inc();
    settle(&shared, &job, slot, outcome, by_fallback, &acks).await;
    false
}

/// What tells a job task to wait, stop before starting, or stop running.
pub(crate) struct Signals {
    /// Handler slots: `concurrency` of them.
    pub handlers: Arc<Semaphore>,
    /// Set when shutdown begins.
    pub stopping: watch::Receiver<bool>,
    /// Set at the drain deadline.
    pub abort: watch::Receiver<bool>,
}

/// Nacks the job with no delay so another worker takes it at once; true when that applied.
async fn hand_back(shared: &Shared, job: &Job) -> bool {
    let options = NackOptions {
        delay: Some(Duration::ZERO),
        reason: Some(SHUTDOWN_REASON.into()),
    };
    let settled = nack(shared, job, &options).await;
    let handed_back = count_settle(shared, &settled);
    if handed_back {
        shared.metrics.handed_back.inc();
    }
    handed_back
}

/// A job's place in the worker's concurrency, and whether it is the breaker's probe.
pub(crate) struct Slot {
    pub permit: OwnedSemaphorePermit,
    pub probe: bool,
}

/// The handler's outcome, or the fallback's after a timeout; `true` when the fallback's
/// success stands for the job.
async fn handle(shared: &Shared, job: &Job) -> (Outcome, bool) {
    let metrics = &shared.metrics;
    match guarded(shared.handler.as_ref(), job, shared.config.job_timeout).await {
        Ran::Done(outcome) => (outcome, false),
        Ran::Panicked => {
            metrics.panicked.inc();
            (Outcome::retry("handler panicked"), false)
        }
        Ran::TimedOut => {
            metrics.timed_out.inc();
            let fallback = match &shared.fallback {
                Some(f) => guarded(f.as_ref(), job, shared.config.job_timeout).await,
                None => Ran::TimedOut,
            };
            match fallback {
                Ran::Done(Outcome::Success) => (Outcome::Success, true),
                Ran::Panicked => {
                    metrics.panicked.inc();
                    (
                        Outcome::retry("handler timed out and its fallback panicked"),
                        false,
                    )
                }
                _ => (Outcome::retry("handler timed out"), false),
            }
        }
    }
}

/// Runs `handler` on `job` within `limit`, catching a panic (also one raised before the
/// handler's future exists).
async fn guarded(handler: &dyn Handler, job: &Job, limit: Duration) -> Ran {
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle(job.clone())));
    let Ok(future) = call else {
        return Ran::Panicked;
    };
    match tokio::time::timeout(limit, AssertUnwindSafe(future).catch_unwind()).await {
        Ok(Ok(outcome)) => Ran::Done(outcome),
        Ok(Err(_)) => Ran::Panicked,
        Err(_) => Ran::TimedOut,
    }
}

/// Runs `work` while touching the delivery's lease every heartbeat interval. Only this job's
/// delivery is touched, and only while its handler runs.
async fn with_heartbeat<T>(shared: &Shared, job: &Job, work: impl Future<Output = T>) -> T {
    let Some(every) = shared.config.heartbeat else {
        return work.await;
    };
    let beat = async {
        let mut lost = false;
        loop {
            tokio::time::sleep(every).await;
            if lost {
                continue;
            }
            let touched = shared
                .client
                .touch(&job.queue, &job.group, &[job.handle()], shared.config.lease)
                .await;
            match touched.into_iter().next() {
                Some(Ok(SettleOutcome::Touched { .. })) => {}
                // A transport failure may pass; the next beat tries again.
                Some(Err(e)) if e.is_transient() => {}
                _ => {
                    // Stale or not pending: another consumer holds the entry now. The handler
                    // goes on (it may be mid-write); its settle will be reported stale.
                    shared.metrics.lease_lost.inc();
                    lost = true;
                }
            }
        }
    };
    tokio::select! {
        out = work => out,
        never = beat => never,
    }
}

async fn settle(
    shared: &Shared,
    job: &Job,
    slot: Slot,
    outcome: Outcome,
    by_fallback: bool,
    acks: &mpsc::Sender<AckRequest>,
) {
    let metrics = &shared.metrics;
    let failed_dependency = !matches!(outcome, Outcome::Success | Outcome::Fail { .. });
    shared.breaker.record(failed_dependency, slot.probe);
    let settled = match &outcome {
        Outcome::Success => ack(job, acks, slot.permit).await,
        Outcome::Retry { delay, reason } => {
            let options = NackOptions {
                delay: *delay,
                reason: reason.clone(),
            };
            nack(shared, job, &options).await
        }
        Outcome::Fail { reason } => {
            let term = shared
                .client
                .term(&job.queue, &job.group, &[job.handle()], Some(reason))
                .await;
            first(term)
        }
    };
    let applied = count_settle(shared, &settled);
    if !applied {
        return;
    }
    match outcome {
        Outcome::Success if by_fallback => metrics.succeeded_by_fallback.inc(),
        Outcome::Success => metrics.succeeded.inc(),
        Outcome::Retry { .. } => metrics.retried.inc(),
        Outcome::Fail { .. } => metrics.failed.inc(),
    };
}

/// Queues the ack for the settler and waits for its outcome. The job's slot is given back
/// once the ack is queued, not answered: the next receive need not wait out the ack's round
/// trip, and the queue's capacity (the concurrency) still bounds the acks in flight.
async fn ack(job: &Job, acks: &mpsc::Sender<AckRequest>, permit: OwnedSemaphorePermit) -> Settled {
    let (reply, answer) = oneshot::channel();
    let request = AckRequest {
        handle: job.handle(),
        reply,
    };
    let queued = acks.send(request).await;
    drop(permit);
    if queued.is_err() {
        return Err(crate::Error::Closed);
    }
    answer.await.unwrap_or(Err(crate::Error::Closed))
}

async fn nack(shared: &Shared, job: &Job, options: &NackOptions) -> Settled {
    let nacked = shared
        .client
        .nack(&job.queue, &job.group, &[job.handle()], options)
        .await;
    first(nacked)
}

fn first(mut settled: Vec<Settled>) -> Settled {
    settled
        .pop()
        .unwrap_or_else(|| Err(crate::Error::Protocol("no outcome for a handle".into())))
}

/// Counts a settle that did not apply; true when it did. A nack that dead-lettered the entry
/// (max deliveries reached) applied.
fn count_settle(shared: &Shared, settled: &Settled) -> bool {
    let applied = matches!(settled, Ok(outcome) if outcome.is_applied());
    if !applied {
        shared.metrics.settle_failed.inc();
    }
    applied
}

/// The settler: sends queued acks in batches, one `CQ.ACK` at a time, so acks of concurrent
/// jobs share round trips. Ends when every sender is gone and the queue is empty. Each
/// handle gets its own outcome: a stale one never fails the others.
pub(crate) async fn settler(shared: Arc<Shared>, mut requests: mpsc::Receiver<AckRequest>) {
    let mut batch = Vec::new();
    while requests
        .recv_many(&mut batch, crate::limits::SETTLE_BATCH_MAX)
        .await
        > 0
    {
        let handles: Vec<Handle> = batch.iter().map(|r| r.handle).collect();
        let outcomes = shared
            .client
            .ack(&shared.config.queue, &shared.config.group, &handles)
            .await;
        for (request, outcome) in batch.drain(..).zip(outcomes) {
            // The job may have been dropped with its runtime; nothing to tell then.
            let _ = request.reply.send(outcome);
        }
    }
}
