//! The tasks of a phase: producers, consumers and the watchdog that stops a phase that no
//! longer moves. They count and time; the phase functions in `driver` shape the results.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use indicatif::ProgressBar;
use tokio::task::JoinSet;

use super::Workload;
use crate::ledger::Ledger;
use crate::limits::RECEIVE_WAIT;
use crate::payload;
use crate::systems::{Consumer, Producer};

/// Sets `stop` once `progress` has not changed for `stall`. Tokio's clock, so a test with
/// paused time runs it without waiting.
pub(super) async fn watchdog(progress: impl Fn() -> u64, stall: Duration, stop: Arc<AtomicBool>) {
    let mut last = progress();
    let mut since = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = progress();
        if now != last {
            (last, since) = (now, tokio::time::Instant::now());
        } else if since.elapsed() >= stall {
            eprintln!("nothing moved for {stall:?}: stopping the phase");
            stop.store(true, Ordering::Relaxed);
            return;
        }
    }
}

/// Runs every producer until the ids run out, each with `w.window` publishes in flight (one
/// task per slot, sharing the producer's connection); returns all publish-confirm latencies
/// (ns), each from that publish's send to its own confirmation.
pub(super) async fn run_producers<P: Producer>(
    producers: Vec<P>,
    w: &Workload,
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
) -> Result<Vec<u64>> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    let slots = producers
        .into_iter()
        .map(Arc::new)
        .flat_map(|producer| std::iter::repeat_n(producer, w.window));
    for producer in slots {
        let (next, bar, stop) = (next.clone(), bar.clone(), stop.clone());
        let (messages, size, stall) = (w.messages, w.size, w.stall);
        tasks.spawn(async move {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id >= messages {
                    break;
                }
                let payload = payload::encode(id, size);
                let sent = Instant::now();
                tokio::time::timeout(stall, producer.publish(payload))
                    .await
                    .map_err(|_| anyhow!("message {id} not confirmed within {stall:?}"))?
                    .with_context(|| format!("publishing message {id}"))?;
                samples.push(u64::try_from(sent.elapsed().as_nanos()).unwrap_or(u64::MAX));
                bar.inc(1);
            }
            Ok::<_, anyhow::Error>(samples)
        });
    }
    let mut all = Vec::with_capacity(usize::try_from(w.messages).unwrap_or(0));
    for samples in join_all(tasks).await? {
        all.extend(samples);
    }
    if all.len() as u64 != w.messages {
        bail!(
            "only {} of {} publishes were confirmed",
            all.len(),
            w.messages
        );
    }
    Ok(all)
}

/// Runs every consumer until the ledger is complete or `stop` is set; returns when the last
/// message was acknowledged, if every message was.
pub(super) async fn run_consumers<C: Consumer>(
    consumers: Vec<C>,
    w: &Workload,
    ledger: Arc<Ledger>,
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
) -> Result<Option<Instant>> {
    let done = Arc::new(OnceLock::new());
    let mut tasks = JoinSet::new();
    for mut consumer in consumers {
        let (ledger, bar, stop, done) = (ledger.clone(), bar.clone(), stop.clone(), done.clone());
        let (batch, size) = (w.batch, w.size);
        let limit = w.stall + RECEIVE_WAIT;
        tasks.spawn(async move {
            let mut ids = Vec::with_capacity(batch);
            while !ledger.is_complete() && !stop.load(Ordering::Relaxed) {
                tokio::time::timeout(limit, consumer.receive_and_ack(batch, size, &mut ids))
                    .await
                    .map_err(|_| anyhow!("a receive and ack took over {limit:?}"))?
                    .context("receiving")?;
                for id in ids.drain(..) {
                    ledger.record(id)?;
                }
                bar.set_position(ledger.unique());
                if ledger.is_complete() {
                    done.get_or_init(Instant::now);
                }
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    join_all(tasks).await?;
    Ok(done.get().copied())
}

/// Outputs of every task; the first error aborts the rest.
async fn join_all<T: 'static>(mut tasks: JoinSet<Result<T>>) -> Result<Vec<T>> {
    let mut outputs = Vec::with_capacity(tasks.len());
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(output)) => outputs.push(output),
            Ok(Err(error)) => {
                tasks.abort_all();
                return Err(error);
            }
            Err(join) => {
                tasks.abort_all();
                return Err(anyhow!("a task failed: {join}"));
            }
        }
    }
    Ok(outputs)
}
