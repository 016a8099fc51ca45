//! One job's life inside the worker: run the handler (under its timeout, with heartbeats
//! that keep the lease), run the fallback if it timed out, settle, and count. Every path
//! settles the delivery: success acks, retry and panic nack, fail terms, shutdown hands it
//! back; only a settle the server refuses or cannot receive is left to the lease.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::{Job, Outcome, Shared};
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

pub(crate) async fn run(
    shared: Arc<Shared>,
    job: Job,
    acks: mpsc::Sender<AckRequest>,
    mut abort: watch::Receiver<bool>,
) {
    let metrics = &shared.metrics;
    metrics.running.inc();
    let started = Instant::now();
    let ran = tokio::select! {
        ran = with_heartbeat(&shared, &job, run_handler(&shared, &job)) => Some(ran),
        _ = abort.wait_for(|aborted| *aborted) => None,
    };
    metrics.duration.observe(started.elapsed().as_secs_f64());
    let Some(ran) = ran else {
        metrics.running.dec();
        let options = NackOptions {
            delay: Some(Duration::ZERO),
            reason: Some(SHUTDOWN_REASON.into()),
        };
        let settled = nack(&shared, &job, &options).await;
        count_settle(&shared, &settled);
        metrics.handed_back.inc();
        return;
    };
    let outcome = match ran {
        Ran::Done(outcome) => (outcome, false),
        Ran::Panicked => {
            metrics.panicked.inc();
            (Outcome::retry("handler panicked"), false)
        }
        Ran::TimedOut => {
            metrics.timed_out.inc();
            match run_fallback(&shared, &job).await {
                Some(Outcome::Success) => (Outcome::Success, true),
                Some(_) | None => (Outcome::retry("handler timed out"), false),
            }
        }
    };
    metrics.running.dec();
    metrics.processed.inc();
    settle(&shared, &job, outcome, &acks).await;
}

async fn run_handler(shared: &Shared, job: &Job) -> Ran {
    let handler = shared.handler.clone();
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle(job.clone())));
    let Ok(future) = call else {
        return Ran::Panicked;
    };
    let guarded = AssertUnwindSafe(future).catch_unwind();
    let result = match shared.config.job_timeout {
        Some(limit) => match tokio::time::timeout(limit, guarded).await {
            Ok(result) => result,
            Err(_) => return Ran::TimedOut,
        },
        None => guarded.await,
    };
    match result {
        Ok(outcome) => Ran::Done(outcome),
        Err(_) => Ran::Panicked,
    }
}

/// The fallback's outcome, under the same timeout; `None` when there is none or it ran out
/// of time or panicked.
async fn run_fallback(shared: &Shared, job: &Job) -> Option<Outcome> {
    let fallback = shared.fallback.clone()?;
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| fallback.handle(job.clone()))).ok()?;
    let guarded = AssertUnwindSafe(call).catch_unwind();
    let result = match shared.config.job_timeout {
        Some(limit) => tokio::time::timeout(limit, guarded).await.ok()?,
        None => guarded.await,
    };
    result.ok()
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
    (outcome, by_fallback): (Outcome, bool),
    acks: &mpsc::Sender<AckRequest>,
) {
    let metrics = &shared.metrics;
    let failed_dependency = !matches!(outcome, Outcome::Success | Outcome::Fail { .. });
    shared.breaker.record(failed_dependency);
    let settled = match &outcome {
        Outcome::Success => ack(job, acks).await,
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

async fn ack(job: &Job, acks: &mpsc::Sender<AckRequest>) -> Settled {
    let (reply, answer) = oneshot::channel();
    let request = AckRequest {
        handle: job.handle(),
        reply,
    };
    if acks.send(request).await.is_err() {
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
